"""Notifications: the in-app inbox and the emails that mirror it.

A service that changes an introduction calls :func:`notify` inside its transaction: the inbox
row is written with the change, and the email is enqueued only after commit (a rolled-back
change sends nothing). The email task claims the row with a conditional update from
``pending`` to ``sending``, so a redelivered or repeated task never sends the same email twice.
Emails carry names and the requester's own message, never anyone's email, phone or a private
decline reason.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from people.errors import NotAllowed
from people.models import Introduction, IntroductionEvent, Notification, Person
from people.roles import Viewer

logger = logging.getLogger(__name__)

# After this many failed attempts the email is marked failed and left alone.
MAX_EMAIL_ATTEMPTS = 3


def notify(
    *,
    recipient: Person,
    kind: str,
    title: str,
    body: str = "",
    introduction: Introduction | None = None,
    event: IntroductionEvent | None = None,
) -> Notification | None:
    """Add a line to ``recipient``'s inbox and, after commit, email it if they want emails.

    At most one notification per recipient and event (a database constraint), so calling this
    twice for the same event does nothing the second time. Returns the new row, or None.
    """
    if event is not None and Notification.objects.filter(recipient=recipient, event=event).exists():
        return None
    wants_email = bool(recipient.email_notifications and recipient.email)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                introduction=introduction,
                event=event,
                kind=kind,
                title=title[:200],
                body=body[:2000],
                url=introduction.get_absolute_url() if introduction is not None else "",
                email_status=(
                    Notification.EmailStatus.PENDING
                    if wants_email
                    else Notification.EmailStatus.SKIPPED
                ),
            )
    except IntegrityError:  # the same event notified concurrently
        return None
    if wants_email:
        from network_app.queue import enqueue_on_commit
        from people.tasks import send_notification_email

        # Redis down: the notice is saved and its email sent by the sweeper later.
        enqueue_on_commit(
            send_notification_email, (notification.pk,), what=f"email {notification.pk}"
        )
    return notification


def notification_email_render(*, notification: Notification) -> tuple[str, str]:
    """The subject and plain-text body of a notification's email."""
    site = settings.SITE_URL.rstrip("/")
    context = {
        "notification": notification,
        "recipient": notification.recipient,
        "link": f"{site}{notification.url}" if notification.url else f"{site}/",
        "settings_link": f"{site}{reverse('people:me')}",
    }
    subject = f"Smallbatch: {notification.title}"
    body = render_to_string("emails/notification.txt", context)
    return subject[:200], body


def notification_email_send(*, notification_id: int) -> bool:
    """Send one notification's email, at most once. Returns whether this call sent it.

    Claims the row first (``pending`` -> ``sending``): a second delivery of the task finds
    nothing to claim. A person who turned emails off since the notice was written gets none.
    A failed send puts the row back to ``pending`` for a retry, up to
    ``MAX_EMAIL_ATTEMPTS``; a worker lost mid-send leaves it ``sending`` (at most once wins
    over at least once here).
    """
    claimed = Notification.objects.filter(
        pk=notification_id, email_status=Notification.EmailStatus.PENDING
    ).update(email_status=Notification.EmailStatus.SENDING, email_attempts=F("email_attempts") + 1)
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    recipient = notification.recipient
    if not (recipient.email_notifications and recipient.email):
        Notification.objects.filter(pk=notification_id).update(
            email_status=Notification.EmailStatus.SKIPPED
        )
        return False
    subject, body = notification_email_render(notification=notification)
    try:
        send_mail(subject, body, None, [recipient.email], fail_silently=False)
    except Exception:
        status = (
            Notification.EmailStatus.FAILED
            if notification.email_attempts >= MAX_EMAIL_ATTEMPTS
            else Notification.EmailStatus.PENDING
        )
        Notification.objects.filter(pk=notification_id).update(email_status=status)
        logger.exception("Sending notification email %s failed", notification_id)
        raise
    Notification.objects.filter(pk=notification_id).update(
        email_status=Notification.EmailStatus.SENT,
        email_subject=subject,
        email_body=body,
        email_sent_at=timezone.now(),
    )
    return True


# ---------------------------------------------------------------------------------------------
# The inbox (reads always given the viewer; only one's own notifications)


def notification_list_for(*, viewer: Viewer, unread_only: bool = False) -> QuerySet[Notification]:
    """The viewer's own notifications, newest first."""
    if viewer.person_id is None:
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient_id=viewer.person_id)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.select_related("introduction").order_by("-created_at", "-id")


def notification_unread_count(*, viewer: Viewer) -> int:
    """How many of the viewer's notifications are unread (one indexed count)."""
    if viewer.person_id is None:
        return 0
    return Notification.objects.filter(recipient_id=viewer.person_id, read_at__isnull=True).count()


def notification_mark_read(
    *, viewer: Viewer, public_ids: Any = None, introduction: Introduction | None = None
) -> int:
    """Mark the viewer's notifications read: all of them, or those of one introduction.
    Returns how many changed. Nobody can mark someone else's notifications."""
    if viewer.person_id is None:
        raise NotAllowed("Only members have an inbox.")
    qs = Notification.objects.filter(recipient_id=viewer.person_id, read_at__isnull=True)
    if introduction is not None:
        qs = qs.filter(introduction=introduction)
    if public_ids is not None:
        qs = qs.filter(pk__in=public_ids)
    return qs.update(read_at=timezone.now())
