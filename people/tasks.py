"""Celery tasks of the people app: thin, idempotent, given ids."""

from __future__ import annotations

from celery import shared_task

from people.paths import path_search_execute


@shared_task(name="people.run_path_search", acks_late=True)
def run_path_search(search_id: int) -> bool:
    """Compute one path search (claims the row first, so redelivery does nothing twice)."""
    return path_search_execute(search_id=search_id)
