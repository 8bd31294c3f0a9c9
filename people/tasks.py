"""Celery tasks of the people app: thin, idempotent, given ids."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import shared_task
from django.conf import settings

from people import paths
from people.paths import path_search_claimable_in, path_search_execute


# acks_late + reject_on_worker_lost (settings): a message whose worker died is delivered
# again. The time limit stays below PATH_SEARCH_STALE_SECONDS, so a search claimed longer ago
# than that cannot still be running and is claimed again by the redelivered message.
@shared_task(
    name="people.run_path_search",
    bind=True,
    acks_late=True,
    max_retries=None,
    time_limit=max(settings.PATH_SEARCH_STALE_SECONDS - 1, 1),
    soft_time_limit=max(settings.PATH_SEARCH_STALE_SECONDS - 5, 1),
)
def run_path_search(self: Any, search_id: int) -> bool:
    """Compute one path search (claims the row first, so redelivery does nothing twice).

    If another worker holds the search and may have died with it, try again once its claim
    is stale; if the other worker finishes first, that later try does nothing."""
    if path_search_execute(search_id=search_id):
        return True
    wait = path_search_claimable_in(search_id=search_id)
    if wait is None or self.request.is_eager:  # eager: nothing else could have died with it
        return False
    raise self.retry(countdown=wait)


@shared_task(name="people.path_searches_requeue", acks_late=True)
def path_searches_requeue() -> int:
    """Beat: enqueue again the searches the queue lost or never got (see the sweeper)."""
    seconds = float(settings.SWEEP_REQUEUE_AFTER_SECONDS)
    return paths.path_searches_requeue(older_than=dt.timedelta(seconds=seconds))


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
