"""Celery tasks of imports: thin, idempotent, given ids (the services claim the row)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="exchange.plan_import_job", acks_late=True)
def plan_import_job(job_id: int) -> bool:
    """Dry run of an uploaded file."""
    from network_app.exchange.jobs import import_job_plan

    return import_job_plan(job_id=job_id)


# A 50,000-row import takes minutes on a small machine: a longer limit than the default.
@shared_task(
    name="exchange.apply_import_job",
    acks_late=True,
    time_limit=1800,
    soft_time_limit=1700,
)
def apply_import_job(job_id: int) -> bool:
    """Import a confirmed file in one transaction."""
    from network_app.exchange.jobs import import_job_apply

    return import_job_apply(job_id=job_id)
