"""Thin Celery tasks of the webhooks (registered by ``network_app.tasks``)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings

from network_app.webhooks.dispatch import attempt_limit_seconds


@shared_task(name="network_app.webhooks_fan_out", acks_late=True)
def webhooks_fan_out(event: str, object_id: int, occurred_at: str) -> int:
    """Freeze one payload per interested webhook and enqueue its delivery."""
    from network_app.webhooks.dispatch import webhooks_fan_out_run

    return webhooks_fan_out_run(event=event, object_id=object_id, occurred_at=occurred_at)


# The hard time limit is a backstop behind the socket timeouts (a receiver trickling bytes):
# the row stays "sending" and the sweeper tries again once the claim is stale.
@shared_task(
    name="network_app.webhook_deliver",
    acks_late=True,
    time_limit=attempt_limit_seconds(),
    soft_time_limit=attempt_limit_seconds() - 2,
)
def webhook_deliver(delivery_id: int) -> str:
    """One delivery attempt (claims the row first: a redelivered message sends nothing twice).
    Failures schedule the next attempt themselves, with backoff."""
    from network_app.webhooks.dispatch import webhook_deliver_run

    return webhook_deliver_run(delivery_id=delivery_id)


@shared_task(name="network_app.webhook_deliveries_requeue", acks_late=True)
def webhook_deliveries_requeue() -> int:
    """Beat: enqueue again the deliveries whose message was lost (see the sweeper)."""
    from network_app.webhooks.dispatch import webhook_deliveries_requeue as requeue

    return requeue(older_than=dt.timedelta(seconds=float(settings.SWEEP_REQUEUE_AFTER_SECONDS)))
