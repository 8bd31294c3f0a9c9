"""Webhooks with a real HTTP receiver on 127.0.0.1: signed deliveries, retries with backoff,
automatic disabling, payloads narrowed by scopes and privacy, URL checks and the API."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from rest_framework.test import APIClient

from network_app.models import Webhook, WebhookDelivery
from people.services import person_update, tie_record
from tests.api.conftest import key_client
from tests.factories import PersonFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


@dataclass
class Receiver:
    """A loopback HTTP server recording every POST; answers ``codes`` in turn, then 200."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    codes: list[int] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.received.append({"headers": dict(self.headers), "body": body})
            code = state.codes.pop(0) if state.codes else 200
            self.send_response(code)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _webhook_settings(settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    settings.WEBHOOK_MAX_CONSECUTIVE_FAILURES = 5
    settings.WEBHOOK_TIMEOUT_SECONDS = 5


def register(client: APIClient, url: str, events: list[str]) -> dict[str, Any]:
    response = client.post("/api/v1/webhooks/", {"url": url, "events": events}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def verify(secret: str, delivery: dict[str, Any]) -> bool:
    headers = delivery["headers"]
    timestamp = headers["X-Smallbatch-Timestamp"]
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + delivery["body"], hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(f"sha256={expected}", headers["X-Smallbatch-Signature"])


def test_a_recorded_tie_is_delivered_signed_to_the_receiver(
    organizer, organizer_key, member, other_member, receiver, django_capture_on_commit_callbacks
):
    _, client = organizer_key
    hook = register(client, receiver.url, ["tie.created"])
    with django_capture_on_commit_callbacks(execute=True):
        tie, _ = tie_record(
            by=member.user, person=member.person, other=other_member.person, strength=4
        )
    assert len(receiver.received) == 1
    delivery = receiver.received[0]
    assert verify(hook["secret"], delivery)
    assert not verify("another secret", delivery)
    payload = json.loads(delivery["body"])
    assert payload["event"] == "tie.created"
    assert payload["data"]["id"] == str(tie.public_id)
    assert delivery["headers"]["X-Smallbatch-Event"] == "tie.created"
    log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries/").json()["results"]
    assert [(d["status"], d["attempts"]) for d in log] == [("succeeded", 1)]


def test_failed_deliveries_are_retried_until_they_succeed(
    organizer_key, member, receiver, django_capture_on_commit_callbacks
):
    _, client = organizer_key
    register(client, receiver.url, ["person.updated"])
    receiver.codes = [500, 503]
    with django_capture_on_commit_callbacks(execute=True):
        person_update(by=member.user, person=member.person, data={"headline": "New"})
    assert len(receiver.received) == 3
    ids = {json.loads(d["body"])["id"] for d in receiver.received}
    assert len(ids) == 1  # the same delivery, tried again
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("succeeded", 3)
    assert Webhook.objects.get().consecutive_failures == 0


def test_a_failing_endpoint_is_disabled_after_repeated_failures(
    organizer_key, member, receiver, django_capture_on_commit_callbacks, settings
):
    _, client = organizer_key
    hook = register(client, receiver.url, ["person.updated"])
    receiver.codes = [500] * 20
    for headline in ("one", "two"):
        with django_capture_on_commit_callbacks(execute=True):
            person_update(by=member.user, person=member.person, data={"headline": headline})
    webhook = Webhook.objects.get()
    assert not webhook.is_active
    assert webhook.consecutive_failures == settings.WEBHOOK_MAX_CONSECUTIVE_FAILURES
    assert len(receiver.received) == settings.WEBHOOK_MAX_CONSECUTIVE_FAILURES
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"failed"}
    # Disabled: later events are not sent; switching it on again clears the failures.
    with django_capture_on_commit_callbacks(execute=True):
        person_update(by=member.user, person=member.person, data={"headline": "three"})
    assert WebhookDelivery.objects.count() == 2
    response = client.patch(f"/api/v1/webhooks/{hook['id']}/", {"is_active": True}, format="json")
    assert response.json()["is_active"] is True
    assert response.json()["consecutive_failures"] == 0


def test_payloads_follow_the_keys_scopes_and_privacy(
    organizer, make_key, member, hidden_member, receiver, django_capture_on_commit_callbacks
):
    _, people_only = make_key(organizer.user, scopes=["webhooks:manage", "people:read"])
    register(key_client(people_only), receiver.url, ["tie.created", "person.updated"])
    third = PersonFactory(visibility="listed")
    with django_capture_on_commit_callbacks(execute=True):
        tie_record(by=member.user, person=member.person, other=third, strength=3)
    assert receiver.received == []  # the key cannot read ties
    with django_capture_on_commit_callbacks(execute=True):
        person_update(by=hidden_member.user, person=hidden_member.person, data={"headline": "x"})
    assert receiver.received == []  # nobody hears about a hidden person
    with django_capture_on_commit_callbacks(execute=True):
        person_update(by=member.user, person=member.person, data={"headline": "y"})
    assert len(receiver.received) == 1
    body = json.loads(receiver.received[0]["body"])
    assert body["data"]["id"] == str(member.person.public_id)
    assert body["data"]["email"] is None  # not the organizer's to see


def test_a_revoked_key_stops_its_webhooks(
    organizer, make_key, member, receiver, django_capture_on_commit_callbacks
):
    from network_app.apikeys.services import api_key_revoke

    key, token = make_key(organizer.user)
    register(key_client(token), receiver.url, ["person.updated"])
    api_key_revoke(by=organizer.user, key=key)
    with django_capture_on_commit_callbacks(execute=True):
        person_update(by=member.user, person=member.person, data={"headline": "z"})
    assert receiver.received == []


def test_a_ping_is_delivered_and_logged(
    organizer_key, receiver, django_capture_on_commit_callbacks
):
    _, client = organizer_key
    hook = register(client, receiver.url, ["tie.changed"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/webhooks/{hook['id']}/ping/")
    assert response.status_code == 202
    assert json.loads(receiver.received[0]["body"])["event"] == "ping"
    assert verify(hook["secret"], receiver.received[0])


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/hook",
        "file:///etc/passwd",
        "http://user:pass@example.org/hook",
        "http://127.0.0.1:8000/hook",
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://localhost/hook",
    ],
)
def test_unsafe_webhook_urls_are_refused(organizer_key, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    _, client = organizer_key
    response = client.post(
        "/api/v1/webhooks/", {"url": url, "events": ["tie.created"]}, format="json"
    )
    assert response.status_code == 400
    assert "url" in response.json()["errors"]
    assert not Webhook.objects.exists()


def test_webhooks_belong_to_their_organizer(
    organizer_key, other_member, member, make_key, receiver
):
    from people.roles import make_organizer

    _, client = organizer_key
    hook = register(client, receiver.url, ["tie.created"])
    make_organizer(other_member.user)
    _, other_token = make_key(other_member.user, scopes=["webhooks:manage"])
    other = key_client(other_token)
    assert other.get(f"/api/v1/webhooks/{hook['id']}/").status_code == 404
    assert other.delete(f"/api/v1/webhooks/{hook['id']}/").status_code == 404
    assert other.get("/api/v1/webhooks/").json()["count"] == 0
    member_client = APIClient()
    member_client.force_login(member.user)
    assert member_client.get("/api/v1/webhooks/").status_code == 403
    _, no_scope = make_key(other_member.user, scopes=["people:read"])
    assert key_client(no_scope).get("/api/v1/webhooks/").status_code == 403
    assert client.delete(f"/api/v1/webhooks/{hook['id']}/").status_code == 204
    assert not Webhook.objects.exists()


def test_unknown_events_are_field_errors(organizer_key, receiver):
    _, client = organizer_key
    response = client.post(
        "/api/v1/webhooks/", {"url": receiver.url, "events": ["tie.deleted"]}, format="json"
    )
    assert response.status_code == 400
    assert "events" in response.json()["errors"]


def test_a_tie_made_by_an_introduction_outcome_is_delivered(
    organizer, organizer_key, member, receiver, django_capture_on_commit_callbacks
):
    """Both people record that they met: the first outcome creates the tie (tie.created), the
    second rates the other side (tie.changed)."""
    from people.introductions import introduction_accept, introduction_record_outcome
    from people.introductions.services import introduction_request
    from tests.factories import make_tie
    from tests.people.introductions_fixtures import make_member

    broker = make_member("bea", "Bea Broker")
    target = make_member("tara", "Tara Target")
    make_tie(member.person, broker.person, strength=5)
    make_tie(broker.person, target.person, strength=4)
    _, client = organizer_key
    register(client, receiver.url, ["tie.created", "tie.changed"])

    def run(service: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    intro = run(
        introduction_request,
        by=member.user,
        target=target.person,
        path=[member.person, broker.person, target.person],
        message="We both organize tenants on Elm Street.",
    )
    intro = run(introduction_accept, by=broker.user, introduction=intro)
    intro = run(introduction_accept, by=target.user, introduction=intro)
    intro = run(introduction_accept, by=broker.user, introduction=intro)
    receiver.received.clear()

    run(introduction_record_outcome, by=member.user, introduction=intro, met=True, rating=4)
    run(introduction_record_outcome, by=target.user, introduction=intro, met=True, rating=3)

    events = [json.loads(d["body"])["event"] for d in receiver.received]
    assert events == ["tie.created", "tie.changed"]
    payload = json.loads(receiver.received[0]["body"])
    assert payload["data"]["kind"] == "introduced"
