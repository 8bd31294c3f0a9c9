"""The pieces behind the fault tests, in-process: outage errors become 503s (and nothing else
does), the cache degrades while Redis is unreachable, the sweepers re-enqueue lost jobs, and
webhook attempts give up on a receiver that never answers.

The live scenarios (real Redis, PostgreSQL, gunicorn and worker) are in the other modules."""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import IntegrityError, OperationalError
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from network_app.apikeys.auth import ApiUserThrottle
from network_app.models import Webhook, WebhookDelivery
from network_app.outages import OutageMiddleware, ResilientRedisCache, outage_kind, server_error
from network_app.webhooks.dispatch import webhook_deliver_run, webhook_deliveries_requeue
from people import graph_log
from people.models import PathSearch
from people.paths import path_search_claimable_in, path_searches_requeue
from tests.factories import PersonFactory, UserFactory, make_tie


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Tasks in-process even when REDIS_URL is set (CI's second pass)."""
    from network_app.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _raise(exc: Exception) -> Any:
    def view(request: Any) -> HttpResponse:
        raise exc

    return view


# ---------------------------------------------------------------------------------------------
# 503 instead of 500


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (OperationalError("connection to server failed: Connection refused"), "database"),
        (BrokerError("Error 111 connecting to 127.0.0.1:6379"), "job queue"),
    ],
)
def test_an_outage_in_a_view_answers_a_plain_503_page_with_retry_after(
    error: Exception, words: str, settings: Any
) -> None:
    settings.OUTAGE_RETRY_AFTER_SECONDS = 12
    request = RequestFactory().get("/people/")
    middleware = OutageMiddleware(_raise(error))

    response = middleware.process_exception(request, error)

    assert response is not None
    assert response.status_code == 503
    assert response["Retry-After"] == "12"
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert f"The {words} is unavailable for a moment" in text
    assert "try again" in text


def test_an_outage_under_the_api_answers_503_in_the_error_shape() -> None:
    request = RequestFactory().post("/api/v1/path-searches/")
    error = OperationalError("server closed the connection unexpectedly")

    response = OutageMiddleware(_raise(error)).process_exception(request, error)

    assert response is not None
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == "service_unavailable"
    assert response["Retry-After"] == "30"


@pytest.mark.parametrize(
    "error",
    [ValueError("a bug"), IntegrityError("duplicate key value"), RuntimeError("another bug")],
)
def test_errors_that_are_not_outages_are_left_to_the_normal_500(error: Exception) -> None:
    request = RequestFactory().get("/people/")

    assert OutageMiddleware(_raise(error)).process_exception(request, error) is None
    assert outage_kind(error) is None


def test_a_broker_error_wrapped_by_celery_is_still_an_outage() -> None:
    # Celery's result backend raises RuntimeError("... must be restarted") from the redis error
    try:
        try:
            raise BrokerError("Connection refused")
        except BrokerError as inner:
            raise RuntimeError("Retry limit exceeded") from inner
    except RuntimeError as outer:
        assert outage_kind(outer) == "queue"


@pytest.mark.django_db
def test_an_outage_met_in_a_middleware_answers_503_through_handler500() -> None:
    api = RequestFactory().get("/api/v1/people/")
    page = RequestFactory().get("/people/")
    try:
        raise OperationalError("could not connect to server")
    except OperationalError:
        api_response = server_error(api)
        page_response = server_error(page)

    assert api_response.status_code == 503
    assert api_response["Retry-After"] == "30"
    assert page_response.status_code == 503
    assert b"The database is unavailable for a moment" in page_response.content


@pytest.mark.django_db
def test_handler500_keeps_500_for_real_bugs() -> None:
    try:
        raise ValueError("a bug")
    except ValueError:
        page = server_error(RequestFactory().get("/people/"))
        api = server_error(RequestFactory().get("/api/v1/people/"))

    assert page.status_code == 500
    assert api.status_code == 500
    assert json.loads(api.content)["code"] == "server_error"


# ---------------------------------------------------------------------------------------------
# The cache while Redis is unreachable


@pytest.fixture
def unreachable_cache() -> ResilientRedisCache:
    return ResilientRedisCache(
        f"redis://127.0.0.1:{closed_port()}/0",
        {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}},
    )


def test_the_cache_degrades_while_redis_is_unreachable(unreachable_cache: Any) -> None:
    cache = unreachable_cache

    cache.set("k", "v", 10)
    assert cache.get("k") is None
    assert cache.get("k", "fallback") == "fallback"
    assert cache.add("k", 1, 10) is True  # a lock taken with add() fails open
    assert cache.get_many(["k"]) == {}
    assert cache.delete("k") is False
    assert cache.has_key("k") is False
    with pytest.raises(ValueError, match="unavailable"):
        cache.incr("k")


@pytest.mark.django_db
def test_api_throttles_fail_open_while_the_cache_is_unreachable(
    unreachable_cache: Any, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    # given a limit of one request a minute and a cache that cannot count
    import network_app.apikeys.auth as auth

    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "user": "1/min"}
    monkeypatch.setattr(auth, "cache", unreachable_cache)
    request: Any = RequestFactory().get("/api/v1/people/")
    request.user = UserFactory(username="thea")
    request.auth = None
    throttle = ApiUserThrottle()

    # then every request is let through (the limit is not enforced during the outage)
    assert all(throttle.allow_request(request, view=None) for _ in range(5))


# ---------------------------------------------------------------------------------------------
# Sweepers


@pytest.fixture
def chain(db: None) -> dict[str, Any]:
    user = UserFactory(username="sweepy")
    me = PersonFactory(display_name="Sam Sweep", user=user)
    broker = PersonFactory(display_name="Bea Broker")
    target = PersonFactory(display_name="Tia Target")
    make_tie(me, broker, strength=5)
    make_tie(broker, target, strength=3)
    graph_log.note_rebuild()
    return {"user": user, "me": me, "target": target}


def _search(chain: dict[str, Any], **fields: Any) -> PathSearch:
    search = PathSearch.objects.create(
        requester=chain["user"], source=chain["me"], target=chain["target"]
    )
    PathSearch.objects.filter(pk=search.pk).update(**fields)
    search.refresh_from_db()
    return search


@pytest.mark.usefixtures("eager_celery")
def test_the_sweeper_runs_searches_left_pending_or_lost_with_their_worker(
    chain: dict[str, Any], settings: Any
) -> None:
    settings.PATH_SEARCH_STALE_SECONDS = 60
    now = timezone.now()
    # given a search whose enqueue failed a while ago, one whose worker died, and two that
    # must be left alone: one just asked, one still running on a live worker
    lost = _search(chain, created_at=now - dt.timedelta(minutes=5))
    orphaned = _search(
        chain, status="running", started_at=now - dt.timedelta(minutes=3), progress=10
    )
    fresh = _search(chain)
    busy = _search(chain, status="running", started_at=now - dt.timedelta(seconds=5))

    # when the sweeper runs
    queued = path_searches_requeue(older_than=dt.timedelta(seconds=60))

    # then the lost and orphaned searches are computed; the others are untouched
    assert queued == 2
    for search in (lost, orphaned, fresh, busy):
        search.refresh_from_db()
    assert (lost.status, orphaned.status) == ("done", "done")
    assert len(lost.result["paths"]) == 1
    assert (fresh.status, busy.status) == ("pending", "running")

    # and running it again changes nothing (idempotent)
    assert path_searches_requeue(older_than=dt.timedelta(seconds=60)) == 0


def test_a_duplicate_message_waits_until_a_running_search_could_be_taken_over(
    chain: dict[str, Any], settings: Any
) -> None:
    settings.PATH_SEARCH_STALE_SECONDS = 60
    now = timezone.now()
    running = _search(chain, status="running", started_at=now)
    orphaned = _search(chain, status="running", started_at=now - dt.timedelta(minutes=2))
    done = _search(chain, status="done")

    wait = path_search_claimable_in(search_id=running.pk)
    assert wait is not None
    assert 50 < wait <= 61  # once the claim is stale (60 s), plus a second
    assert path_search_claimable_in(search_id=orphaned.pk) == 1.0
    assert path_search_claimable_in(search_id=done.pk) is None  # nothing left to do


@pytest.fixture
def webhook(organizer: Any) -> Webhook:
    return Webhook.objects.create(
        owner=organizer.user,
        url=f"http://127.0.0.1:{closed_port()}/hook",
        events=["tie.created"],
        secret="s3cret",
    )


def _delivery(hook: Webhook, **fields: Any) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.create(webhook=hook, event="ping", payload={"id": "x"})
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    delivery.refresh_from_db()
    return delivery


@pytest.mark.usefixtures("eager_celery")
def test_a_delivery_whose_worker_died_mid_attempt_is_attempted_again(
    webhook: Webhook, settings: Any
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    now = timezone.now()
    orphaned = _delivery(
        webhook, status="sending", attempts=1, last_attempt_at=now - dt.timedelta(hours=1)
    )
    in_flight = _delivery(webhook, status="sending", attempts=1, last_attempt_at=now)

    assert webhook_deliver_run(delivery_id=in_flight.pk) == "skipped"
    assert webhook_deliver_run(delivery_id=orphaned.pk) == "failed"
    orphaned.refresh_from_db()
    assert orphaned.attempts == 2
    assert "refused" in orphaned.error.lower()


@pytest.mark.usefixtures("eager_celery")
def test_the_sweeper_sends_overdue_retries_and_leaves_the_rest(
    webhook: Webhook, settings: Any
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    now = timezone.now()
    overdue = _delivery(
        webhook, status="retrying", attempts=1, next_attempt_at=now - dt.timedelta(minutes=5)
    )
    not_yet = _delivery(
        webhook, status="retrying", attempts=1, next_attempt_at=now + dt.timedelta(minutes=5)
    )
    done = _delivery(webhook, status="succeeded", attempts=1)

    assert webhook_deliveries_requeue(older_than=dt.timedelta(seconds=60)) == 1

    for delivery in (overdue, not_yet, done):
        delivery.refresh_from_db()
    assert (overdue.status, overdue.attempts) == ("failed", 2)
    assert (not_yet.status, not_yet.attempts) == ("retrying", 1)
    assert done.status == "succeeded"


# ---------------------------------------------------------------------------------------------
# Webhook timeouts


@pytest.fixture
def hanging_receiver() -> Iterator[int]:
    """A server that accepts connections and never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    try:
        yield int(server.getsockname()[1])
    finally:
        server.close()


@pytest.mark.usefixtures("eager_celery")
def test_an_attempt_on_a_receiver_that_never_answers_times_out_and_is_retried(
    webhook: Webhook, hanging_receiver: int, settings: Any
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS = 0.3
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    Webhook.objects.filter(pk=webhook.pk).update(url=f"http://127.0.0.1:{hanging_receiver}/hook")
    delivery = _delivery(webhook)

    # eager: the retry runs at once
    assert webhook_deliver_run(delivery_id=delivery.pk) == "retrying"

    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert delivery.attempts == 2
    assert "timed out" in delivery.error
    assert delivery.response_status is None
