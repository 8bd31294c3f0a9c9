"""Events to deliveries, and one delivery attempt.

``event_dispatch`` runs after the change commits (``people.events.event_emit``); it costs one
query when no webhook wants the event. The fan-out task freezes one payload per webhook, built
for the webhook's owner with their current rights and narrowed by the key's scopes: a webhook
never hears about a person or tie its owner could not read through the API.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import math
import time
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from network_app.models import Webhook, WebhookDelivery
from network_app.queue import enqueue_on_commit
from network_app.webhooks.urls_check import UnsafeUrl, webhook_url_check
from people.roles import Viewer, viewer_for

# The scope a key needs to receive each event.
EVENT_SCOPES = {
    "tie.created": "ties:read",
    "tie.changed": "ties:read",
    "introduction.state_changed": "introductions:read",
    "group.convened": "groups:read",
    "person.updated": "people:read",
    "ping": None,
}
SIGNATURE_HEADER = "X-Smallbatch-Signature"
TIMESTAMP_HEADER = "X-Smallbatch-Timestamp"

logger = logging.getLogger(__name__)


def attempt_limit_seconds() -> int:
    """The longest one attempt can take: connecting, then sending and reading the answer
    (each socket operation bounded by the read timeout), plus a margin. The delivery task's
    hard time limit; a claim older than this was lost with its worker."""
    connect = float(settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS)
    return math.ceil(connect + 2 * float(settings.WEBHOOK_TIMEOUT_SECONDS)) + 5


def sending_stale() -> dt.timedelta:
    return dt.timedelta(seconds=attempt_limit_seconds() + 10)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 with the webhook's secret over ``<timestamp>.<body>``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def event_dispatch(*, event: str, object_id: int, occurred_at: str) -> None:
    """Enqueue the fan-out of ``event`` if any active webhook wants it."""
    from network_app.webhooks.tasks import webhooks_fan_out

    wanted = any(
        event in (events or [])
        for events in Webhook.objects.filter(is_active=True).values_list("events", flat=True)
    )
    if not wanted:
        return
    from network_app.outages import outage_kind

    try:
        webhooks_fan_out.apply_async((event, object_id, occurred_at), ignore_result=True)
    except Exception as exc:
        # The change itself is committed: the person who made it must not be told it failed.
        # With the queue down, the fan-out runs here instead (it only writes delivery rows to
        # the database); the rows stay pending and the webhook sweeper sends them later.
        if outage_kind(exc) is None:
            raise
        logger.warning(
            "webhook event %s of %s: the queue is unavailable; deliveries wait for the sweeper",
            event,
            object_id,
        )
        webhooks_fan_out_run(event=event, object_id=object_id, occurred_at=occurred_at)


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    """UUIDs, dates and datetimes as the API renders them (JSON strings)."""
    result: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return result


def event_data(*, event: str, object_id: int, viewer: Viewer) -> dict[str, Any] | None:
    """The event's object as this viewer reads it through the API, or None if they may not."""
    if event.startswith("tie."):
        from people.api.people import tie_data, tie_find_visible_to

        tie = tie_find_visible_to(viewer=viewer, pk=object_id)
        return _jsonable(tie_data(viewer=viewer, tie=tie)) if tie is not None else None
    if event == "person.updated":
        from people.api.people import person_data
        from people.models import Person
        from people.selectors import person_visibility_q

        person = Person.objects.filter(person_visibility_q(viewer), pk=object_id).first()
        return _jsonable(person_data(viewer=viewer, person=person)) if person is not None else None
    if event == "introduction.state_changed":
        from people import introductions
        from people.api.introductions import introduction_data
        from people.models import Introduction

        public_id = Introduction.objects.filter(pk=object_id).values_list("public_id", flat=True)
        found = introductions.introduction_get_for(viewer=viewer, public_id=public_id.first())
        if found is None:
            return None
        return json.loads(
            json.dumps(introduction_data(viewer=viewer, introduction=found), default=str)
        )
    if event == "group.convened":
        from causes.api.serializers import group_data
        from causes.models import GroupSuggestion
        from causes.suggestions import selectors as group_selectors

        group_ids = GroupSuggestion.objects.filter(pk=object_id).values_list("public_id", flat=True)
        group = group_selectors.group_get_visible_to(viewer=viewer, public_id=group_ids.first())
        if group is None:
            return None
        presented = group_selectors.group_present(viewer=viewer, group=group)
        organizer = viewer.is_organizer or viewer.is_staff
        return _jsonable(group_data(presented, organizer=organizer))
    return None


def webhooks_fan_out_run(*, event: str, object_id: int, occurred_at: str) -> int:
    """Create one delivery per webhook that wants ``event`` and may read its object; enqueue
    them after commit. Returns how many deliveries were created."""
    from network_app.webhooks.tasks import webhook_deliver

    scope = EVENT_SCOPES.get(event)
    created: list[int] = []
    hooks = Webhook.objects.filter(is_active=True).select_related("owner", "api_key")
    with transaction.atomic():
        for hook in hooks:
            if event not in (hook.events or []):
                continue
            key = hook.api_key
            if key is not None and (not key.is_active or (scope and not key.has_scope(scope))):
                continue
            if not hook.owner.is_active:
                continue
            data = event_data(event=event, object_id=object_id, viewer=viewer_for(hook.owner))
            if data is None:
                continue
            delivery = WebhookDelivery(webhook=hook, event=event)
            delivery.payload = {
                "id": str(delivery.public_id),
                "event": event,
                "occurred_at": occurred_at,
                "data": data,
            }
            delivery.save()
            created.append(delivery.pk)
        for pk in created:
            # Redis down: the delivery stays pending for the webhook sweeper.
            enqueue_on_commit(webhook_deliver, (pk,), what=f"webhook delivery {pk}")
    return len(created)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could point anywhere (an internal address): a delivery never follows one.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _TimeoutsMixin:
    """Connect with ``WEBHOOK_CONNECT_TIMEOUT_SECONDS``, then every read and write of the
    request and the answer with ``WEBHOOK_TIMEOUT_SECONDS`` (a receiver that accepts and never
    answers is given up after it)."""

    timeout: Any
    sock: Any

    def connect(self) -> None:
        read_timeout = self.timeout
        self.timeout = float(settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS)
        try:
            super().connect()  # type: ignore[misc]
        finally:
            self.timeout = read_timeout
        self.sock.settimeout(read_timeout)


class _HTTPConnection(_TimeoutsMixin, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_TimeoutsMixin, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_HTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_HTTPSConnection, req)


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    # No proxy from the environment: the checked address is the one connected to.
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _NoRedirects, _HTTPHandler, _HTTPSHandler
    )
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked
    try:
        with opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            return response.status, response.read(500).decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(500).decode("utf-8", errors="replace")


def backoff_seconds(attempt: int) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based): base x 2^(n-1)."""
    return float(settings.WEBHOOK_RETRY_BASE_SECONDS) * (2 ** (attempt - 1))


def webhook_deliver_run(*, delivery_id: int) -> str:
    """One attempt at a delivery. Claimed with a conditional update, so a redelivered task
    message sends nothing twice. Returns the delivery's new status."""
    from network_app.webhooks.tasks import webhook_deliver

    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        Q(status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRYING])
        # An attempt whose worker died (older than the task's time limit) is retried.
        | Q(status=WebhookDelivery.Status.SENDING, last_attempt_at__lt=now - sending_stale()),
        pk=delivery_id,
    ).update(status=WebhookDelivery.Status.SENDING, last_attempt_at=now)
    if not claimed:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    hook = delivery.webhook
    delivery.attempts += 1
    if not hook.is_active:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.error = "The webhook is disabled."
        delivery.save(update_fields=["status", "error", "attempts"])
        return delivery.status
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Smallbatch-Webhooks/1",
        "X-Smallbatch-Event": delivery.event,
        "X-Smallbatch-Delivery": str(delivery.public_id),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(hook.secret, timestamp, body),
    }
    status: int | None = None
    text = error = ""
    try:
        webhook_url_check(hook.url)  # again: the name may resolve elsewhere by now
        status, text = _post(hook.url, body, headers)
    except UnsafeUrl as exc:
        error = exc.message
    except (urllib.error.URLError, OSError, ValueError) as exc:
        error = str(getattr(exc, "reason", exc))[:300] or type(exc).__name__
    delivery.response_status = status
    delivery.response_body = text[:500]
    delivery.error = error[:300]
    if status is not None and 200 <= status < 300:
        delivery.status = WebhookDelivery.Status.SUCCEEDED
        delivery.delivered_at = timezone.now()
        delivery.next_attempt_at = None
        delivery.save()
        Webhook.objects.filter(pk=hook.pk).update(consecutive_failures=0)
        return delivery.status
    if not error:
        delivery.error = f"The receiver answered {status}."
    Webhook.objects.filter(pk=hook.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    failures = Webhook.objects.values_list("consecutive_failures", flat=True).get(pk=hook.pk)
    if failures >= settings.WEBHOOK_MAX_CONSECUTIVE_FAILURES:
        Webhook.objects.filter(pk=hook.pk, is_active=True).update(
            is_active=False,
            disabled_at=timezone.now(),
            disabled_reason=f"Disabled after {failures} failed attempts in a row.",
        )
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
        delivery.save()
        return delivery.status
    if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
        delivery.save()
        return delivery.status
    wait = backoff_seconds(delivery.attempts)
    delivery.status = WebhookDelivery.Status.RETRYING
    delivery.next_attempt_at = timezone.now() + dt.timedelta(seconds=wait)
    delivery.save()
    from network_app.outages import outage_kind

    try:
        webhook_deliver.apply_async((delivery.pk,), countdown=wait, ignore_result=True)
    except Exception as exc:
        if outage_kind(exc) is None:
            raise
        # The sweeper sends it once the queue is back.
        logger.warning("webhook delivery %s: next attempt not queued (%r)", delivery.pk, exc)
    return delivery.status


def webhook_deliveries_requeue(*, older_than: dt.timedelta, limit: int = 500) -> int:
    """Sweeper: enqueue the deliveries whose message was lost: pending ones older than
    ``older_than``, retries overdue by that much, and attempts whose worker died. Idempotent
    (each attempt claims the row). Stops at the first broker error; returns how many."""
    from network_app.outages import outage_kind
    from network_app.webhooks.tasks import webhook_deliver

    now = timezone.now()
    due = list(
        WebhookDelivery.objects.filter(
            Q(status=WebhookDelivery.Status.PENDING, created_at__lt=now - older_than)
            | Q(status=WebhookDelivery.Status.RETRYING, next_attempt_at__lt=now - older_than)
            | Q(status=WebhookDelivery.Status.SENDING, last_attempt_at__lt=now - sending_stale()),
            created_at__gte=now - dt.timedelta(days=2),
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    queued = 0
    for pk in due:
        try:
            webhook_deliver.apply_async((pk,), ignore_result=True)
        except Exception as exc:
            if outage_kind(exc) is None:
                raise
            logger.warning("webhook sweeper stopped: the queue is unavailable (%r)", exc)
            break
        queued += 1
    return queued
