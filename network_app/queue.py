"""Jobs whose database row remembers them: enqueued after commit, and swept again if the queue
was down or the message was lost.

Every job here is claimed by its task with a conditional update on its row (``pending`` ->
``running``, ``pending`` -> ``sending``, ...), so a second message for the same row does nothing.
That makes two things safe:

- :func:`enqueue_on_commit` never turns a saved change into an error: when Redis is down the
  change stays saved, the job row stays pending, and a warning is logged.
- :func:`jobs_requeue` (Celery beat, every ``SWEEP_INTERVAL_SECONDS``) enqueues again the rows
  still pending after ``SWEEP_REQUEUE_AFTER_SECONDS``: notification emails, import dry runs
  and imports, suggestion runs and metrics snapshots. Path searches and webhook deliveries have
  their own sweepers (people.paths, network_app.webhooks.dispatch), which also take over the
  claims of dead workers.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from network_app.outages import outage_kind

logger = logging.getLogger(__name__)

# Rows older than this are left alone by the sweeper (a job nobody ran for two days is stale:
# the organizer asks again; an email about it would arrive too late to help).
SWEEP_HORIZON = dt.timedelta(days=2)


def time_limits(seconds: int) -> dict[str, int]:
    """A task's hard time limit and the soft one 30 s before it (the task's last chance to
    record why it stopped), as options for :func:`enqueue_now` and :func:`enqueue_on_commit`."""
    return {"time_limit": seconds, "soft_time_limit": max(1, seconds - 30)}


def enqueue_now(task: Any, args: tuple[Any, ...], *, what: str, **options: Any) -> bool:
    """Send ``task(*args)`` to the queue. On an outage, log and return False (the row stays
    pending for the sweeper); any other error is raised."""
    try:
        task.apply_async(args, ignore_result=True, **options)
    except Exception as exc:
        if outage_kind(exc) is None:
            raise
        logger.warning("%s waits for the sweeper: the queue is unavailable (%r)", what, exc)
        return False
    return True


def enqueue_on_commit(task: Any, args: tuple[Any, ...], *, what: str, **options: Any) -> None:
    """:func:`enqueue_now` once the current transaction commits (nothing if it rolls back)."""
    transaction.on_commit(lambda: enqueue_now(task, args, what=what, **options))


def _pending(model: Any, cutoff: dt.datetime, horizon: dt.datetime, **status: Any) -> list[int]:
    return list(
        model.objects.filter(created_at__lt=cutoff, created_at__gte=horizon, **status)
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )


def _sweeps() -> list[tuple[str, Callable[[dt.datetime, dt.datetime], list[int]], Any, dict]]:
    from causes.models import SuggestionRun
    from causes.tasks import compute_suggestions
    from network_app.exchange.tasks import apply_import_job, plan_import_job
    from network_app.models import NetworkSnapshot
    from network_app.tasks import compute_metrics_snapshot
    from people.models import ImportJob, Notification
    from people.tasks import send_notification_email

    suggestions_limit = int(settings.SUGGESTIONS_TIME_LIMIT)
    metrics_limit = int(settings.DASHBOARD_METRICS_TIME_LIMIT)
    return [
        (
            "notification email",
            lambda c, h: _pending(
                Notification, c, h, email_status=Notification.EmailStatus.PENDING
            ),
            send_notification_email,
            {},
        ),
        (
            "import dry run",
            lambda c, h: _pending(ImportJob, c, h, status=ImportJob.Status.PENDING),
            plan_import_job,
            {},
        ),
        (
            "import",
            lambda c, h: _pending(ImportJob, c, h, status=ImportJob.Status.QUEUED),
            apply_import_job,
            {},
        ),
        (
            "suggestion run",
            lambda c, h: _pending(SuggestionRun, c, h, status=SuggestionRun.Status.PENDING),
            compute_suggestions,
            time_limits(suggestions_limit),
        ),
        (
            "metrics snapshot",
            lambda c, h: _pending(NetworkSnapshot, c, h, status=NetworkSnapshot.Status.PENDING),
            compute_metrics_snapshot,
            time_limits(metrics_limit),
        ),
    ]


def jobs_requeue(*, older_than: dt.timedelta, now: dt.datetime | None = None) -> dict[str, int]:
    """Sweeper: enqueue again every job row still pending after ``older_than`` (its enqueue
    failed, or its message was lost). Stops at the first outage. Returns counts per kind."""
    now = now or timezone.now()
    cutoff, horizon = now - older_than, now - SWEEP_HORIZON
    queued: dict[str, int] = {}
    for what, due, task, options in _sweeps():
        count = 0
        for pk in due(cutoff, horizon):
            if not enqueue_now(task, (pk,), what=f"{what} {pk}", **options):
                return queued | {what: count}
            count += 1
        queued[what] = count
    return queued
