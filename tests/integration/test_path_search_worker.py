"""Path searches through Celery: a real worker on Redis and the test database when REDIS_URL
is set (CI's second run), eager in-process otherwise."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse

from people import graph_log
from people.models import PathSearch
from people.tasks import run_path_search
from tests.factories import PersonFactory, UserFactory, make_tie

pytestmark = pytest.mark.worker

TIMEOUT = 30.0


def wait_until_finished(client: Client, url: str) -> dict:
    deadline = time.monotonic() + TIMEOUT
    body = client.get(url).json()
    while body["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, f"search still {body['status']} after {TIMEOUT} s"
        time.sleep(0.05)
        body = client.get(url).json()
    return body


@pytest.fixture
def chain_network(transactional_db: None):
    user = UserFactory(username="walker")
    me = PersonFactory(display_name="Wanda Walker", user=user)
    broker = PersonFactory(display_name="Bruno Broker")
    target = PersonFactory(display_name="Tomas Target")
    make_tie(me, broker, strength=5)
    make_tie(broker, target, strength=3)
    # The rows were written by factories, not services: tell resident graphs to rebuild.
    graph_log.note_rebuild()
    client = Client()
    client.force_login(user)
    return {"client": client, "me": me, "broker": broker, "target": target, "user": user}


def test_a_search_started_through_the_api_is_computed_by_the_worker(chain_network):
    client = chain_network["client"]
    response = client.post(
        reverse("api:path-search-list"),
        {"target": str(chain_network["target"].public_id)},
        content_type="application/json",
    )
    assert response.status_code == 202
    body = wait_until_finished(client, response["Location"])
    assert body["status"] == "done"
    assert body["paths"][0]["people"] == [
        str(chain_network[name].public_id) for name in ("me", "broker", "target")
    ]
    assert body["paths"][0]["likelihood"] == pytest.approx(0.9 * 0.54, abs=1e-4)


def test_a_redelivered_search_task_runs_once(chain_network):
    search = PathSearch.objects.create(
        requester=chain_network["user"],
        source=chain_network["me"],
        target=chain_network["target"],
    )
    first = run_path_search.delay(search.pk)
    second = run_path_search.delay(search.pk)
    outcomes = sorted([first.get(timeout=TIMEOUT), second.get(timeout=TIMEOUT)])
    assert outcomes == [False, True]
    search.refresh_from_db()
    assert search.status == PathSearch.Status.DONE


def test_the_worker_sees_a_new_tie_on_the_next_search(chain_network):
    # given a first search through the worker
    client = chain_network["client"]
    url = reverse("api:path-search-list")
    target = str(chain_network["target"].public_id)
    first = client.post(url, {"target": target}, content_type="application/json")
    wait_until_finished(client, first["Location"])
    # when a direct strong tie to the target is recorded through the service
    from people.services import tie_record

    tie_record(
        by=chain_network["user"],
        person=chain_network["me"],
        other=chain_network["target"],
        strength=5,
    )
    # then the next search (no reuse: the graph changed) uses it; the target has not rated
    # their side yet, so it counts as strength 2: 0.36, behind the 5-3 path's 0.486
    second = client.post(url, {"target": target}, content_type="application/json")
    assert second.json()["id"] != first.json()["id"]
    body = wait_until_finished(client, second["Location"])
    assert [(p["hops"], p["strengths"]) for p in body["paths"]] == [(2, [5, 3]), (1, [2])]
