"""PostgreSQL restarted: while it is down requests fail cleanly (503 pages and API errors,
/healthz says the database is down); once it is back the same web and worker processes serve
again, without being restarted."""

from __future__ import annotations

import time

from tests.faults.harness import Stack

TIMEOUT = 30.0


def test_requests_fail_cleanly_while_postgresql_restarts_and_the_same_processes_recover(
    fresh: Stack,
) -> None:
    stack = fresh
    member, api = stack.member(), stack.api()
    assert stack.web.process is not None and stack.worker.process is not None
    processes = (stack.web.process.pid, stack.web.children(), stack.worker.process.pid)
    # given both gunicorn workers hold a persistent database connection
    for _ in range(6):
        assert member.get(stack.url("/people/")).status_code == 200

    # when PostgreSQL stops
    stack.postgres.stop()
    try:
        # then pages answer a plain 503 page, the API 503 in the error shape, never a 500
        for _ in range(4):
            page = member.get(stack.url("/people/"))
            assert page.status_code == 503, page.text[:500] + stack.logs()
            assert "The database is unavailable for a moment" in page.text
            assert page.headers["Retry-After"] == "7"
        for response in (
            api.get(stack.url("/api/v1/people/")),
            api.post(stack.url("/api/v1/path-searches/"), json={"target": stack.seed["target"]}),
        ):
            assert response.status_code == 503, response.text + stack.logs()
            assert response.json()["code"] == "service_unavailable"
            assert set(response.json()) == {"code", "message", "errors"}
            assert response.headers["Retry-After"] == "7"
        health = stack.get("/healthz")
        assert health.status_code == 503
        assert health.json()["checks"]["database"]["ok"] is False
    finally:
        # when it is back
        stack.postgres.start()

    # then the very next requests succeed on both gunicorn workers
    for _ in range(6):
        response = member.get(stack.url("/people/"))
        assert response.status_code == 200, response.text[:500] + stack.logs()
    assert api.get(stack.url("/api/v1/people/")).status_code == 200
    assert stack.get("/healthz").status_code == 200
    # and the worker completes a new search
    started = api.post(stack.url("/api/v1/path-searches/"), json={"target": stack.seed["target"]})
    assert started.status_code == 202, started.text
    deadline = time.monotonic() + TIMEOUT
    body = api.get(started.headers["Location"]).json()
    while body["status"] != "done":
        assert time.monotonic() < deadline, f"{body}\n{stack.logs()}"
        time.sleep(0.1)
        body = api.get(started.headers["Location"]).json()
    # all served by the processes that were running before the restart
    assert (stack.web.process.pid, stack.web.children(), stack.worker.process.pid) == processes
