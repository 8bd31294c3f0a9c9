"""Project-level Celery tasks (thin: each calls one service or does one trivial thing)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="network_app.ping", ignore_result=False)
def ping() -> str:
    """Answer ``"pong"``: proves a worker picks up and runs tasks. Idempotent, no side effects."""
    return "pong"
