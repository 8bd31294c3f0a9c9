"""Expiry and reminders of introductions, run by the Celery beat task
``people.introductions_expire_due``."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from people.events import event_emit
from people.introductions.services import Kind, State
from people.models import (
    OPEN_INTRODUCTION_STATES,
    Introduction,
    IntroductionEvent,
    Notification,
)
from people.notifications import notify


def introduction_expire_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Expire open introductions past ``expires_at`` and remind holders whose answer is due
    within ``settings.INTRODUCTION_REMINDER_DAYS``. Safe to run concurrently and repeatedly:
    each expiry re-checks the locked row, and each reminder is claimed with a conditional
    update. Returns ``{"expired": n, "reminded": m}``."""
    now = now or timezone.now()
    expired = 0
    due = Introduction.objects.filter(
        state__in=OPEN_INTRODUCTION_STATES, expires_at__lte=now
    ).values_list("pk", flat=True)
    for pk in list(due[:1000]):
        with transaction.atomic():
            introduction = (
                Introduction.objects.select_for_update(of=("self",))
                .select_related("requester", "target", "current_holder")
                .filter(pk=pk, state__in=OPEN_INTRODUCTION_STATES, expires_at__lte=now)
                .first()
            )
            if introduction is None:
                continue
            holder = introduction.current_holder
            introduction.state = State.EXPIRED
            introduction.current_holder = None
            introduction.decided_at = now
            introduction.save()
            event_emit("introduction.state_changed", object_id=introduction.pk)  # issue 7
            event = IntroductionEvent.objects.create(introduction=introduction, kind=Kind.EXPIRED)
            target = introduction.target
            notify(
                recipient=introduction.requester,
                kind=Notification.Kind.EXPIRED,
                title=f"Your request to be introduced to {target.display_name} expired "
                "without an answer",
                body="You can search for another path and ask again.",
                introduction=introduction,
                event=event,
            )
            if holder is not None and holder.pk != introduction.requester_id:
                notify(
                    recipient=holder,
                    kind=Notification.Kind.EXPIRED,
                    title=f"The request from {introduction.requester.display_name} expired",
                    body="It expired before you answered; there is nothing more to do.",
                    introduction=introduction,
                    event=event,
                )
            expired += 1

    reminded = 0
    soon = now + dt.timedelta(days=settings.INTRODUCTION_REMINDER_DAYS)
    candidates = Introduction.objects.filter(
        state__in=OPEN_INTRODUCTION_STATES,
        expires_at__gt=now,
        expires_at__lte=soon,
        reminded_at__isnull=True,
    ).values_list("pk", flat=True)
    for pk in list(candidates[:1000]):
        with transaction.atomic():
            claimed = Introduction.objects.filter(
                Q(reminded_at__isnull=True), pk=pk, state__in=OPEN_INTRODUCTION_STATES
            ).update(reminded_at=now)
            if not claimed:
                continue
            introduction = Introduction.objects.select_related(
                "requester", "target", "current_holder"
            ).get(pk=pk)
            holder = introduction.current_holder
            if holder is None:
                continue
            event = IntroductionEvent.objects.create(
                introduction=introduction, kind=Kind.REMINDED, next_holder=holder
            )
            days = max(1, (introduction.expires_at - now).days) if introduction.expires_at else 1
            notify(
                recipient=holder,
                kind=Notification.Kind.REMINDER,
                title=f"Reminder: {introduction.requester.display_name} is waiting for your "
                f"answer about meeting {introduction.target.display_name}",
                body=f"The request expires in about {days} day{'s' if days != 1 else ''}.",
                introduction=introduction,
                event=event,
            )
            reminded += 1
    return {"expired": expired, "reminded": reminded}
