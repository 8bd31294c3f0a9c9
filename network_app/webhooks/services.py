"""Registering, changing and removing webhooks."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from network_app.models import ApiKey, Webhook
from network_app.webhooks.urls_check import webhook_url_check
from people.errors import DomainError, NotAllowed
from people.events import EVENTS
from people.models import AuditEvent
from people.roles import viewer_for
from people.services import audit_record, snapshot

# Never the secret: it is shown once, to its owner.
WEBHOOK_AUDITED_FIELDS = ("url", "events", "is_active")

MAX_WEBHOOKS_PER_USER = 20


def may_manage_webhooks(user: Any) -> bool:
    viewer = viewer_for(user)
    return viewer.is_authenticated and (viewer.is_organizer or viewer.is_staff)


def _check_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise DomainError(f"Unknown events: {', '.join(unknown)}.", field="events")
    if not events:
        raise DomainError("Choose at least one event.", field="events")
    return sorted(set(events), key=list(EVENTS).index)


def webhook_list_for(*, user: Any) -> QuerySet[Webhook]:
    """The webhooks a user registered (through any of their keys or their session)."""
    return Webhook.objects.filter(owner=user).order_by("-created_at", "-id")


@transaction.atomic
def webhook_create(*, by: Any, url: str, events: list[str], api_key: ApiKey | None) -> Webhook:
    """Register a webhook. Its payloads are built for ``by`` and, when registered with a key,
    narrowed by that key's scopes. The secret is returned once, with the webhook."""
    if not may_manage_webhooks(by):
        raise NotAllowed("Only organizers can register webhooks.")
    webhook_url_check(url)
    events = _check_events(events)
    if Webhook.objects.filter(owner=by).count() >= MAX_WEBHOOKS_PER_USER:
        raise DomainError(f"At most {MAX_WEBHOOKS_PER_USER} webhooks per organizer.")
    hook = Webhook.objects.create(
        owner=by,
        api_key=api_key,
        url=url,
        events=events,
        secret=secrets.token_urlsafe(32),
    )
    audit_record(
        actor=by,
        action="webhook.create",
        obj=hook,
        after={"url": url, "events": events},
        channel=AuditEvent.Channel.API,
    )
    return hook


@transaction.atomic
def webhook_update(*, by: Any, hook: Webhook, data: dict[str, Any]) -> Webhook:
    """Change the URL or events, or switch a webhook on again (which clears its failures)."""
    if hook.owner_id != by.pk:
        raise NotAllowed("Only the organizer who registered this webhook can change it.")
    hook = Webhook.objects.select_for_update().get(pk=hook.pk)
    before = snapshot(hook, WEBHOOK_AUDITED_FIELDS)
    if "url" in data:
        webhook_url_check(data["url"])
        hook.url = data["url"]
    if "events" in data:
        hook.events = _check_events(data["events"])
    if "is_active" in data:
        if data["is_active"] and not hook.is_active:
            hook.consecutive_failures = 0
            hook.disabled_at = None
            hook.disabled_reason = ""
        hook.is_active = bool(data["is_active"])
    hook.save()
    audit_record(
        actor=by,
        action="webhook.update",
        obj=hook,
        before=before,
        after=snapshot(hook, WEBHOOK_AUDITED_FIELDS),
        channel=AuditEvent.Channel.API,
    )
    return hook


@transaction.atomic
def webhook_delete(*, by: Any, hook: Webhook) -> None:
    if hook.owner_id != by.pk:
        raise NotAllowed("Only the organizer who registered this webhook can remove it.")
    audit_record(
        actor=by, action="webhook.delete", obj=hook, before={"url": hook.url}, channel="api"
    )
    hook.delete()
