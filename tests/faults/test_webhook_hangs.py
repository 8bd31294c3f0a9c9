"""A webhook receiver that accepts connections and never answers: each attempt times out, is
recorded as a failed attempt and retried with backoff, and a path search started meanwhile
completes on the same worker (two pool processes; attempts bounded by the timeouts)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.faults.harness import STACK_SETTINGS, Stack

TIMEOUT = 40.0


class HangingReceiver:
    """Accepts every connection, reads nothing, answers nothing."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.accepted: list[float] = []
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.accepted.append(time.monotonic())
            self.connections.append(conn)

    def close(self) -> None:
        self.server.close()
        for conn in self.connections:
            conn.close()


@pytest.fixture
def receiver() -> Iterator[HangingReceiver]:
    hanging = HangingReceiver()
    yield hanging
    hanging.close()


def test_a_hanging_receiver_times_out_and_is_retried_while_a_search_completes(
    fresh: Stack, receiver: HangingReceiver
) -> None:
    stack = fresh
    api = stack.api()
    hook = api.post(
        stack.url("/api/v1/webhooks/"),
        json={"url": f"http://127.0.0.1:{receiver.port}/hook", "events": ["tie.created"]},
    )
    assert hook.status_code == 201, hook.text
    hook_id = hook.json()["id"]

    # given a delivery is waiting on the hanging receiver
    assert api.post(stack.url(f"/api/v1/webhooks/{hook_id}/ping/")).status_code == 202
    deadline = time.monotonic() + TIMEOUT
    while not receiver.accepted:
        assert time.monotonic() < deadline, stack.logs()
        time.sleep(0.02)

    # when a path search is started meanwhile
    started = api.post(stack.url("/api/v1/path-searches/"), json={"target": stack.seed["target"]})
    assert started.status_code == 202, started.text
    # then it completes while the delivery is still being attempted
    body = api.get(started.headers["Location"]).json()
    while body["status"] != "done":
        assert time.monotonic() < deadline, f"{body}\n{stack.logs()}"
        time.sleep(0.05)
        body = api.get(started.headers["Location"]).json()
    deliveries = api.get(stack.url(f"/api/v1/webhooks/{hook_id}/deliveries/")).json()["results"]
    assert deliveries[0]["status"] in ("sending", "retrying")

    # and the delivery times out on every attempt, retried with backoff, then fails
    while deliveries[0]["status"] != "failed":
        assert time.monotonic() < deadline, f"{deliveries}\n{stack.logs()}"
        time.sleep(0.2)
        deliveries = api.get(stack.url(f"/api/v1/webhooks/{hook_id}/deliveries/")).json()["results"]
    [delivery] = deliveries
    attempts = int(STACK_SETTINGS["WEBHOOK_MAX_ATTEMPTS"])
    assert delivery["attempts"] == attempts
    assert "timed out" in delivery["error"]
    assert delivery["response_status"] is None
    assert len(receiver.accepted) == attempts
    # each wait before the next attempt: the read timeout, then base x 2^(n-1)
    timeout = float(STACK_SETTINGS["WEBHOOK_TIMEOUT_SECONDS"])
    base = float(STACK_SETTINGS["WEBHOOK_RETRY_BASE_SECONDS"])
    gaps = [b - a for a, b in zip(receiver.accepted, receiver.accepted[1:], strict=False)]
    for n, gap in enumerate(gaps, start=1):
        assert gap >= timeout + base * 2 ** (n - 1) - 0.2, gaps
