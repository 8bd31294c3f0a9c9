"""Celery tasks of the causes app: thin, idempotent, given ids."""

from __future__ import annotations

from celery import shared_task

from causes.models import SuggestionRun
from causes.suggestions.services import suggestion_run_execute, suggestion_run_start


@shared_task(name="causes.compute_suggestions", acks_late=True)
def compute_suggestions(run_id: int) -> bool:
    """Compute one suggestion run (claims the row first, so redelivery does nothing twice)."""
    return suggestion_run_execute(run_id=run_id)


@shared_task(name="causes.refresh_suggestions_nightly", acks_late=True)
def refresh_suggestions_nightly() -> str:
    """The nightly run over every cause plus weaving (an identical run still waiting or
    running is reused, so a repeated beat does not start two)."""
    run = suggestion_run_start(
        by=None,
        include_groups=True,
        include_weaving=True,
        trigger=SuggestionRun.Trigger.SCHEDULE,
    )
    return str(run.public_id)
