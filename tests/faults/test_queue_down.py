"""A change saved while the queue (Redis) is down stays saved and its jobs are not lost: the
notification email, the webhook deliveries, an import, a suggestion run and a metrics snapshot
wait as pending rows, and the sweepers send them once the queue is back. In-process, with the
Celery app pointed at a port nobody listens on (the live Redis scenario is
test_redis_outage.py)."""

from __future__ import annotations

import datetime as dt
import itertools
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from causes.models import SuggestionRun
from causes.suggestions.services import suggestion_run_start
from network_app.dashboard import snapshot_request
from network_app.models import NetworkSnapshot, Webhook, WebhookDelivery
from network_app.queue import jobs_requeue
from network_app.webhooks.dispatch import webhook_deliveries_requeue
from people.models import Notification
from people.notifications import notify
from people.services import tie_record
from tests.factories import PersonFactory, make_tie

pytestmark = pytest.mark.django_db

NOW = dt.timedelta(0)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def queue() -> Iterator[Any]:
    """The Celery app, eager (the queue is up and runs tasks in-process) until ``down()``."""
    from network_app.celery import app

    saved = {
        "task_always_eager": app.conf.task_always_eager,
        "broker_url": app.conf.broker_url,
        "task_publish_retry": app.conf.task_publish_retry,
    }

    class Queue:
        def down(self) -> None:
            app.conf.task_always_eager = False
            app.conf.broker_url = f"redis://127.0.0.1:{closed_port()}/0"
            app.conf.task_publish_retry = False
            self._reset_pool()

        def up(self) -> None:
            app.conf.update(saved)
            app.conf.task_always_eager = True
            self._reset_pool()

        def _reset_pool(self) -> None:
            # The app's connection and producer pools keep the old broker: let it pick the
            # pools of the new one (kombu keeps one per broker, shared: never close them here).
            app._pool = None
            app.amqp._producer_pool = None

    q = Queue()
    q.up()
    try:
        yield q
    finally:
        app.conf.update(saved)
        q._reset_pool()


def test_a_notification_saved_while_the_queue_is_down_is_emailed_later(
    queue: Any, member: Any, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    queue.down()
    with django_capture_on_commit_callbacks(execute=True):
        notice = notify(
            recipient=member.person,
            kind=Notification.Kind.GROUP,
            title="You are in a new small-batch group",
        )
    assert notice is not None
    notice.refresh_from_db()
    assert notice.email_status == Notification.EmailStatus.PENDING  # saved, not lost
    assert mailoutbox == []

    queue.up()
    assert jobs_requeue(older_than=NOW)["notification email"] == 1

    notice.refresh_from_db()
    assert notice.email_status == Notification.EmailStatus.SENT
    assert [m.to for m in mailoutbox] == [[member.person.email]]
    assert jobs_requeue(older_than=NOW)["notification email"] == 0  # sent once


def test_a_tie_recorded_while_the_queue_is_down_reaches_its_webhook_later(
    queue: Any,
    organizer: Any,
    member: Any,
    other_member: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    hook = Webhook.objects.create(
        owner=organizer.user,
        url=f"http://127.0.0.1:{closed_port()}/hook",
        events=["tie.created"],
        secret="s3cret",
    )
    queue.down()
    with django_capture_on_commit_callbacks(execute=True):
        tie, created = tie_record(
            by=member.user, person=member.person, other=other_member.person, strength=4
        )
    assert created
    [delivery] = WebhookDelivery.objects.filter(webhook=hook)
    assert (delivery.event, delivery.status) == ("tie.created", "pending")
    assert delivery.payload["data"]["id"] == str(tie.public_id)

    queue.up()
    assert webhook_deliveries_requeue(older_than=NOW) == 1

    delivery.refresh_from_db()
    assert delivery.attempts == 1  # attempted (the receiver here is closed: it failed)
    assert delivery.status == WebhookDelivery.Status.FAILED


def test_jobs_asked_for_while_the_queue_is_down_run_once_it_is_back(
    queue: Any, organizer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    people = [PersonFactory() for _ in range(4)]
    for one, other in itertools.pairwise(people):
        make_tie(one, other, strength=3)
    queue.down()
    with django_capture_on_commit_callbacks(execute=True):
        snapshot, _ = snapshot_request(by=organizer.user)
    with django_capture_on_commit_callbacks(execute=True):
        run = suggestion_run_start(by=organizer.user)
    snapshot.refresh_from_db()
    run.refresh_from_db()
    assert snapshot.status == NetworkSnapshot.Status.PENDING
    assert run.status == SuggestionRun.Status.PENDING

    queue.up()
    queued = jobs_requeue(older_than=NOW)

    assert queued["metrics snapshot"] == 1
    assert queued["suggestion run"] == 1
    snapshot.refresh_from_db()
    run.refresh_from_db()
    assert snapshot.status == NetworkSnapshot.Status.DONE
    assert run.status == SuggestionRun.Status.DONE
    assert jobs_requeue(older_than=NOW) == {
        "notification email": 0,
        "import dry run": 0,
        "import": 0,
        "suggestion run": 0,
        "metrics snapshot": 0,
    }


def test_the_sweeper_leaves_fresh_jobs_to_their_own_message(queue: Any, organizer: Any) -> None:
    queue.down()
    snapshot = NetworkSnapshot.objects.create()
    queue.up()

    assert jobs_requeue(older_than=dt.timedelta(minutes=1))["metrics snapshot"] == 0
    snapshot.refresh_from_db()
    assert snapshot.status == NetworkSnapshot.Status.PENDING
