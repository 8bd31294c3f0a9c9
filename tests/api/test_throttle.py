"""Throttles: per key, per user, and stricter for path searches and suggestion runs; 429 with
Retry-After in the one error shape; counted in the shared Django cache."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import key_client

pytestmark = pytest.mark.django_db


def test_a_key_over_its_rate_gets_429_with_retry_after(organizer, make_key, settings):
    settings.API_THROTTLE_RATES = {"key": "3/min", "user": "100/min", "expensive": "100/min"}
    _, token = make_key(organizer.user)
    client = key_client(token)
    codes = [client.get("/api/v1/me/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/v1/me/")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["code"] == "throttled"
    # Another key of the same organizer has its own count.
    _, other = make_key(organizer.user)
    assert key_client(other).get("/api/v1/me/").status_code == 200


def test_a_user_is_limited_across_all_their_keys_and_their_session(organizer, make_key, settings):
    settings.API_THROTTLE_RATES = {"key": "100/min", "user": "4/min", "expensive": "100/min"}
    _, one = make_key(organizer.user)
    _, two = make_key(organizer.user)
    session = APIClient()
    session.force_login(organizer.user)
    codes = [
        key_client(one).get("/api/v1/me/").status_code,
        key_client(two).get("/api/v1/me/").status_code,
        session.get("/api/v1/me/").status_code,
        key_client(one).get("/api/v1/me/").status_code,
        key_client(two).get("/api/v1/me/").status_code,
    ]
    assert codes == [200, 200, 200, 200, 429]


def test_path_searches_have_a_stricter_limit_than_reads(organizer, make_key, settings):
    settings.API_THROTTLE_RATES = {"key": "100/min", "user": "100/min", "expensive": "2/min"}
    _, token = make_key(organizer.user)
    client = key_client(token)
    # Invalid bodies still count: the limit protects the search machinery from floods.
    codes = [client.post("/api/v1/path-searches/", {}, format="json").status_code for _ in range(3)]
    assert codes == [400, 400, 429]
    assert client.get("/api/v1/me/").status_code == 200
    runs = [
        client.post("/api/v1/suggestion-runs/", {"groups": "x"}, format="json").status_code
        for _ in range(3)
    ]
    assert runs[-1] == 429
