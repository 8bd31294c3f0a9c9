"""Redis stopped during path searches: the page and the API say "try again" (503, never
500), the rest of the site keeps working, and the saved searches complete once Redis is back."""

from __future__ import annotations

import time
from typing import Any

from tests.faults.harness import Stack

DONE_TIMEOUT = 30.0


def wait_until_done(stack: Stack, username: str, count: int) -> list[tuple[str, str, Any]]:
    deadline = time.monotonic() + DONE_TIMEOUT
    rows = stack.search_rows(username)
    while not (len(rows) == count and all(status == "done" for _, status, _ in rows)):
        assert time.monotonic() < deadline, f"searches {rows} not done:\n{stack.logs()}"
        time.sleep(0.2)
        rows = stack.search_rows(username)
    return rows


def test_a_path_search_started_while_redis_is_down_says_try_again_and_completes_later(
    fresh: Stack,
) -> None:
    stack = fresh
    member, api = stack.member(), stack.api()
    target = stack.seed["target"]

    # given a partner tool follows new ties, and Redis (broker, results and cache) is stopped
    hook = api.post(
        stack.url("/api/v1/webhooks/"),
        json={"url": f"http://127.0.0.1:{stack.web_port}/nowhere", "events": ["tie.created"]},
    )
    assert hook.status_code == 201, hook.text
    stack.redis.stop()

    # when the member asks for a path on the page
    page = member.post(stack.url(f"/people/{target}/reach/"), allow_redirects=False)
    # then a plain page says to try again; the search is saved as pending
    assert page.status_code == 503, page.text[:2000] + stack.logs()
    assert page.headers["Content-Type"].startswith("text/html")
    assert "try again in a minute" in page.text
    assert page.headers["Retry-After"] == "7"
    [(member_search, status, _)] = stack.search_rows("walker")
    assert status == "pending"
    assert f"/people/searches/{member_search}/" in page.text

    # when a partner tool asks through the API (twice: it retries)
    responses = [
        api.post(stack.url("/api/v1/path-searches/"), json={"target": target}) for _ in range(2)
    ]
    # then 503 in the error shape with Retry-After and the saved search in Location
    for response in responses:
        assert response.status_code == 503, response.text + stack.logs()
        body = response.json()
        assert set(body) == {"code", "message", "errors"}
        assert body["code"] == "service_unavailable"
        assert "try again" in body["message"]
        assert response.headers["Retry-After"] == "7"
    [(api_search, status, _)] = stack.search_rows("weaver")  # the retry reused it
    assert status == "pending"
    assert responses[0].headers["Location"].endswith(f"/api/v1/path-searches/{api_search}/")

    # and a change that cannot reach the queue (its webhook event) is still saved and says so
    people = stack.seed["people"]
    tie = api.post(
        stack.url("/api/v1/ties/"),
        json={"person": people["vera"], "other": people["olive"], "strength": 3},
    )
    assert tie.status_code == 201, tie.text + stack.logs()
    assert "webhook event tie.created" in stack.web.log()  # deliveries wait for the sweeper

    # and meanwhile the rest of the site works: pages, the API (throttles fail open), the
    # pending search's page; /healthz says what is down
    assert member.get(stack.url("/people/")).status_code == 200
    assert member.get(stack.url(f"/people/searches/{member_search}/")).status_code == 200
    assert api.get(stack.url("/api/v1/people/")).status_code == 200
    # (the organizers' map, whose cache lock fails open instead of waiting for a holder)
    organizer_map = stack.member("organizer").get(stack.url("/dashboard/map.json"))
    assert organizer_map.status_code == 200, organizer_map.text[:500]
    assert "Tomas Target" in organizer_map.text
    poll = api.get(stack.url(f"/api/v1/path-searches/{api_search}/"))
    assert poll.status_code == 200
    assert poll.json()["status"] == "pending"
    health = stack.get("/healthz")
    assert health.status_code == 503
    checks = health.json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["cache"]["ok"] is False
    assert checks["broker"]["ok"] is False

    # when Redis comes back (empty: it kept nothing)
    stack.redis.start()

    # then the sweeper enqueues both saved searches and the worker completes them, once each
    [(_, _, member_result)] = wait_until_done(stack, "walker", 1)
    [(_, _, api_result)] = wait_until_done(stack, "weaver", 1)
    assert len(member_result["paths"]) == 1
    assert len(api_result["paths"]) == 1
    detail = member.get(stack.url(f"/people/searches/{member_search}/"))
    assert "Bruno Broker" in detail.text
    done = api.get(stack.url(f"/api/v1/path-searches/{api_search}/")).json()
    assert done["status"] == "done"
    assert [path["people"] for path in done["paths"]] == [
        [people[name] for name in ("vera", "bruno", "tomas")]
    ]
    assert stack.get("/healthz").status_code == 200
