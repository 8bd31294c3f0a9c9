"""A worker killed (SIGKILL) in the middle of a path search: Redis hands the unacknowledged
message to the next worker (acks_late, visibility timeout) and the search completes once."""

from __future__ import annotations

import contextlib
import re
import time
from typing import Any

from tests.faults.harness import Stack

TIMEOUT = 30.0


def wait_for_status(stack: Stack, username: str, wanted: str) -> tuple[str, str, Any]:
    deadline = time.monotonic() + TIMEOUT
    while True:
        rows = stack.search_rows(username)
        if len(rows) == 1 and rows[0][1] == wanted:
            return rows[0]
        assert time.monotonic() < deadline, f"search {rows} never {wanted}:\n{stack.logs()}"
        time.sleep(0.05)


def completions(log: str) -> list[str]:
    """Ids of the path-search tasks that ran the search (returned True) in a worker log."""
    return re.findall(r"people\.run_path_search\[([0-9a-f-]+)\] succeeded in [^:]+: True", log)


def test_a_search_whose_worker_is_killed_mid_job_is_redelivered_and_completed_once(
    fresh: Stack,
) -> None:
    stack = fresh
    # given no worker runs, and a search waits in the queue
    stack.worker.kill()
    response = stack.api().post(
        stack.url("/api/v1/path-searches/"), json={"target": stack.seed["target"]}
    )
    assert response.status_code == 202, response.text
    # and the job will stop half-way: the change log it reads after claiming the search is
    # locked by this test
    lock = stack.postgres.connect()
    try:
        lock.cursor().execute("LOCK TABLE people_graphchange IN ACCESS EXCLUSIVE MODE")
        stack.start_worker()
        public_id, _, _ = wait_for_status(stack, "weaver", "running")
        first_log = stack.worker.log(200_000)
        [original] = re.findall(r"people\.run_path_search\[([0-9a-f-]+)\] received", first_log)[:1]

        # when the worker is killed mid-job (main process, pool and beat: SIGKILL)
        stack.worker.kill()
    finally:
        with contextlib.suppress(Exception):
            lock.rollback()
        lock.close()
    assert stack.search_rows("weaver")[0][1] == "running"
    assert completions(stack.worker.log(200_000)) == []

    # then a new worker receives the same message again and completes the search once
    stack.start_worker()
    wait_for_status(stack, "weaver", "done")
    people = stack.seed["people"]
    body = stack.api().get(stack.url(f"/api/v1/path-searches/{public_id}/")).json()
    assert body["status"] == "done"
    assert [path["people"] for path in body["paths"]] == [
        [people["vera"], people["bruno"], people["tomas"]]
    ]
    time.sleep(2)  # let the sweeper and any duplicate message run: they must do nothing
    second_log = stack.worker.log(200_000)
    assert f"people.run_path_search[{original}] received" in second_log, second_log
    assert len(completions(second_log)) == 1, second_log
