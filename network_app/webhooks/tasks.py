"""Thin Celery tasks of the webhooks (registered by ``network_app.tasks``)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="network_app.webhooks_fan_out", acks_late=True)
def webhooks_fan_out(event: str, object_id: int, occurred_at: str) -> int:
    """Freeze one payload per interested webhook and enqueue its delivery."""
    from network_app.webhooks.dispatch import webhooks_fan_out_run

    return webhooks_fan_out_run(event=event, object_id=object_id, occurred_at=occurred_at)


@shared_task(name="network_app.webhook_deliver", acks_late=True)
def webhook_deliver(delivery_id: int) -> str:
    """One delivery attempt (claims the row first: a redelivered message sends nothing twice).
    Failures schedule the next attempt themselves, with backoff."""
    from network_app.webhooks.dispatch import webhook_deliver_run

    return webhook_deliver_run(delivery_id=delivery_id)
