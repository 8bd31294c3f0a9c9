"""Suggestion runs through Celery: a real worker on Redis and the test database when REDIS_URL
is set (CI's second run), eager in-process otherwise."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from causes.models import GroupMember, GroupSuggestion, SuggestionRun
from causes.tasks import compute_suggestions, refresh_suggestions_nightly
from people import graph_log
from tests.causes.conftest import Network
from tests.conftest import Persona

pytestmark = pytest.mark.worker

TIMEOUT = 60.0


@pytest.fixture
def worker_network(transactional_db: None, network: Network) -> Network:
    # The rows were written by factories, not services: tell resident graphs to rebuild.
    graph_log.note_rebuild()
    return network


def test_a_run_started_through_the_api_is_computed_by_the_worker(
    worker_network: Network, organizer: Persona
) -> None:
    response = organizer.client.post(
        reverse("api:suggestion-run-list"), {}, content_type="application/json"
    )
    assert response.status_code == 202
    deadline = time.monotonic() + TIMEOUT
    body = organizer.client.get(response["Location"]).json()
    while body["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, f"run still {body['status']} after {TIMEOUT} s"
        time.sleep(0.1)
        body = organizer.client.get(response["Location"]).json()
    assert body["status"] == "done", body
    assert body["groups"] and body["weaving"]
    run = SuggestionRun.objects.get(public_id=body["id"])
    assert GroupSuggestion.objects.filter(run=run).exists()
    forbidden = {p.pk for p in worker_network.forbidden}
    members = set(GroupMember.objects.filter(group__run=run).values_list("person_id", flat=True))
    assert members and not members & forbidden


def test_a_redelivered_run_task_computes_once(worker_network: Network) -> None:
    run = SuggestionRun.objects.create(include_groups=True)
    first = compute_suggestions.delay(run.pk)
    second = compute_suggestions.delay(run.pk)
    outcomes = sorted([first.get(timeout=TIMEOUT), second.get(timeout=TIMEOUT)])
    assert outcomes == [False, True]
    run.refresh_from_db()
    assert run.status == SuggestionRun.Status.DONE
    assert run.groups.count() == run.stats["groups"]


def test_the_nightly_task_starts_one_run_over_every_cause(worker_network: Network) -> None:
    public_id = refresh_suggestions_nightly.delay().get(timeout=TIMEOUT)
    run = SuggestionRun.objects.get(public_id=public_id)
    assert run.trigger == SuggestionRun.Trigger.SCHEDULE
    assert run.cause is None and run.include_groups and run.include_weaving
    deadline = time.monotonic() + TIMEOUT
    while run.status not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
        run.refresh_from_db()
    assert run.status == "done"
