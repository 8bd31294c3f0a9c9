"""Tasks through Celery: a real worker on Redis and the test database when REDIS_URL is set
(CI's second run), eager in-process otherwise (`make test`)."""

from __future__ import annotations

import subprocess

import pytest
from celery.result import AsyncResult, EagerResult
from django.conf import settings
from django.test import Client

from network_app.tasks import ping
from tests.factories import PersonFactory
from tests.integration.tasks import person_display_name

pytestmark = pytest.mark.worker

RESULT_TIMEOUT = 20


def test_tasks_run_in_a_real_worker_exactly_when_redis_is_configured(
    celery_worker_process: subprocess.Popen[bytes] | None,
) -> None:
    result = ping.delay()

    if settings.REDIS_URL and not settings.CELERY_TASK_ALWAYS_EAGER:
        assert celery_worker_process is not None
        assert celery_worker_process.poll() is None, "the worker is running"
        assert not isinstance(result, EagerResult)
        assert isinstance(result, AsyncResult)
    else:
        assert celery_worker_process is None
        assert isinstance(result, EagerResult)


def test_ping_round_trips_through_the_worker() -> None:
    result = ping.delay()

    assert result.get(timeout=RESULT_TIMEOUT) == "pong"


def test_the_worker_reads_committed_rows_of_the_test_database(transactional_db: None) -> None:
    # given a person committed to the test database
    person = PersonFactory(display_name="Wendy Worker")

    # when a task looks the person up by id
    result = person_display_name.delay(str(person.public_id))

    # then the worker found the row
    assert result.get(timeout=RESULT_TIMEOUT) == "Wendy Worker"


@pytest.mark.skipif(
    settings.CELERY_TASK_ALWAYS_EAGER,
    reason="eager mode has no worker to report (set REDIS_URL to run it against a real one)",
)
def test_healthz_reports_the_worker_ok_while_it_runs(transactional_db: None) -> None:
    response = Client().get("/healthz")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["worker"]["ok"] is True
    assert body["checks"]["worker"]["workers"] >= 1
