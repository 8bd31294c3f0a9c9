"""Project-level Celery tasks (thin: each calls one service or does one trivial thing)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="network_app.ping", ignore_result=False)
def ping() -> str:
    """Answer ``"pong"``: proves a worker picks up and runs tasks. Idempotent, no side effects."""
    return "pong"


@shared_task(name="network_app.compute_metrics_snapshot", acks_late=True)
def compute_metrics_snapshot(snapshot_id: int) -> bool:
    """Compute one metrics snapshot (claims the row first: a redelivered message does nothing)."""
    from network_app.dashboard import snapshot_compute

    return snapshot_compute(snapshot_id=snapshot_id)


@shared_task(name="network_app.metrics_snapshot_nightly")
def metrics_snapshot_nightly() -> int:
    """Celery beat, nightly: ask for a snapshot (none is added while one is in flight)."""
    from network_app.dashboard import snapshot_request
    from network_app.models import NetworkSnapshot

    snapshot, _ = snapshot_request(trigger=NetworkSnapshot.Trigger.NIGHTLY)
    return snapshot.pk


@shared_task(name="network_app.retention_purge")
def retention_purge() -> dict[str, int]:
    """Celery beat, daily: empty old import files, delete expired idempotency records."""
    from dataclasses import asdict

    from network_app.retention import retention_purge as purge

    return asdict(purge())


@shared_task(name="network_app.jobs_requeue")
def jobs_requeue() -> dict[str, int]:
    """Celery beat: enqueue again the job rows left pending (see network_app.queue)."""
    import datetime as dt

    from django.conf import settings

    from network_app.queue import jobs_requeue as requeue

    return requeue(older_than=dt.timedelta(seconds=float(settings.SWEEP_REQUEUE_AFTER_SECONDS)))


# Import jobs (issue 8) live in network_app/exchange/tasks.py; imported here so that the
# worker's autodiscovery (one ``tasks`` module per app) registers them.
from network_app.exchange.tasks import apply_import_job, plan_import_job  # noqa: E402

__all__ = ["apply_import_job", "plan_import_job"]

# Webhooks (issue 7) live in network_app/webhooks/tasks.py; imported here for autodiscovery.
from network_app.webhooks.tasks import webhook_deliver, webhooks_fan_out  # noqa: E402

__all__ += ["webhook_deliver", "webhooks_fan_out"]
