"""Celery tasks of the people app: thin, idempotent, given ids."""

from __future__ import annotations

from celery import shared_task

from people.paths import path_search_execute


@shared_task(name="people.run_path_search", acks_late=True)
def run_path_search(search_id: int) -> bool:
    """Compute one path search (claims the row first, so redelivery does nothing twice)."""
    return path_search_execute(search_id=search_id)


# SMTP errors are OSErrors: transient, so retried with backoff (the row went back to pending).
@shared_task(
    name="people.send_notification_email",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=3,
)
def send_notification_email(notification_id: int) -> bool:
    """Email one notification; claims it first, so it is sent at most once."""
    from people.notifications import notification_email_send

    return notification_email_send(notification_id=notification_id)


@shared_task(name="people.introductions_expire_due", acks_late=True)
def introductions_expire_due() -> dict[str, int]:
    """Beat: expire unanswered introductions and remind the people who must answer soon."""
    from people.introductions import introduction_expire_due

    return introduction_expire_due()


@shared_task(name="people.graph_log_prune", acks_late=True)
def graph_log_prune(days: int = 7) -> int:
    """Beat: delete change-log rows older than ``days`` (resident graphs then rebuild once)."""
    import datetime as dt

    from people.graph_log import graph_log_prune as prune

    return prune(older_than=dt.timedelta(days=days))
