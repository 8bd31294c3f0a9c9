"""Introduction emails through Celery: a real worker on Redis and the test database when
REDIS_URL is set (CI's second run), eager in-process otherwise.

The worker is another process, so its outbox is out of reach: each send writes its record on
the notification (status, subject, body, time), and these tests read that record.
"""

from __future__ import annotations

import time

import pytest

from people.introductions import introduction_accept, introduction_request
from people.models import Notification
from people.tasks import send_notification_email
from tests.factories import PersonFactory, UserFactory, make_tie

pytestmark = pytest.mark.worker

TIMEOUT = 30.0


def wait_for_sent(notification: Notification) -> Notification:
    deadline = time.monotonic() + TIMEOUT
    notification.refresh_from_db()
    while notification.email_status != Notification.EmailStatus.SENT:
        assert time.monotonic() < deadline, f"email still {notification.email_status}"
        time.sleep(0.05)
        notification.refresh_from_db()
    return notification


@pytest.fixture
def people_on_a_path(transactional_db: None) -> dict:
    requester = PersonFactory(display_name="Rita Requester", user=UserFactory(username="rita"))
    broker = PersonFactory(
        display_name="Boris Broker", user=UserFactory(username="boris"), email="boris@example.org"
    )
    target = PersonFactory(
        display_name="Tilda Target", user=UserFactory(username="tilda"), email="tilda@example.org"
    )
    make_tie(requester, broker, strength=5)
    make_tie(broker, target, strength=4)
    return {"requester": requester, "broker": broker, "target": target}


def test_the_worker_emails_the_broker_once_with_the_request(people_on_a_path):
    p = people_on_a_path
    # when (no surrounding transaction: the task is enqueued as the service commits)
    intro = introduction_request(
        by=p["requester"].user,
        target=p["target"],
        path=[p["requester"], p["broker"], p["target"]],
        message="We both work on tenant rights in Old Mill.",
    )
    # then
    note = wait_for_sent(Notification.objects.get(introduction=intro, recipient=p["broker"]))
    assert note.email_subject == (
        "Smallbatch: Rita Requester asks you for an introduction to Tilda Target"
    )
    assert "Hello Boris Broker," in note.email_body
    assert "We both work on tenant rights in Old Mill." in note.email_body
    assert intro.get_absolute_url() in note.email_body
    # no private data of third parties: neither the requester's nor the target's address
    assert p["requester"].email not in note.email_body
    assert "tilda@example.org" not in note.email_body
    sent_at = note.email_sent_at
    assert note.email_attempts == 1

    # when the task is delivered again, nothing is sent twice
    again = send_notification_email.delay(note.pk)
    assert again.get(timeout=TIMEOUT) is False
    note.refresh_from_db()
    assert note.email_sent_at == sent_at
    assert note.email_attempts == 1


def test_the_worker_emails_the_target_when_the_broker_accepts(people_on_a_path):
    p = people_on_a_path
    intro = introduction_request(
        by=p["requester"].user,
        target=p["target"],
        path=[p["requester"], p["broker"], p["target"]],
        message="Hello",
    )
    introduction_accept(by=p["broker"].user, introduction=intro)
    target_note = wait_for_sent(Notification.objects.get(introduction=intro, recipient=p["target"]))
    assert "Rita Requester would like to be introduced to you" in target_note.email_subject
    requester_note = Notification.objects.get(introduction=intro, recipient=p["requester"])
    assert (
        "Boris Broker agreed to help you reach Tilda Target"
        in wait_for_sent(requester_note).email_subject
    )


def test_no_email_for_someone_who_turned_them_off(people_on_a_path):
    p = people_on_a_path
    p["broker"].email_notifications = False
    p["broker"].save()
    intro = introduction_request(
        by=p["requester"].user,
        target=p["target"],
        path=[p["requester"], p["broker"], p["target"]],
        message="Hello",
    )
    note = Notification.objects.get(introduction=intro, recipient=p["broker"])
    assert note.email_status == Notification.EmailStatus.SKIPPED
    assert send_notification_email.delay(note.pk).get(timeout=TIMEOUT) is False
    note.refresh_from_db()
    assert note.email_status == Notification.EmailStatus.SKIPPED
    assert note.email_sent_at is None
