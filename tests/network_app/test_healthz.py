"""/healthz: public status of the database, cache, broker and worker; 503 when a required part
is down; never a 500 and never a secret."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings

from network_app import health
from network_app.tasks import ping

pytestmark = pytest.mark.django_db

EMBEDDED = {
    "REDIS_URL": "",
    "CELERY_TASK_ALWAYS_EAGER": True,
    "HEALTHZ_REQUIRE_WORKER": False,
    "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
}
CLOSED = "redis://:secret-pass@127.0.0.1:1/0"  # nothing listens on port 1
UNREACHABLE_REDIS = {
    "REDIS_URL": CLOSED,
    "CELERY_BROKER_URL": CLOSED,
    "CELERY_TASK_ALWAYS_EAGER": False,
    "HEALTHZ_REQUIRE_WORKER": True,
    "CACHES": {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED}
    },
}


@override_settings(**EMBEDDED)
def test_healthz_is_ok_for_a_stranger_in_the_embedded_config(stranger, member):
    response = stranger.client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "worker"}
    assert all(check["ok"] for check in body["checks"].values())
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert body["checks"]["broker"]["mode"] == "eager"
    assert body["checks"]["worker"]["mode"] == "eager"
    assert isinstance(body["checks"]["database"]["ms"], float)
    assert response["Cache-Control"].startswith("max-age=0")
    # no data about anybody
    assert member.person.display_name not in response.content.decode()
    assert member.person.email not in response.content.decode()


@override_settings(**UNREACHABLE_REDIS)
def test_healthz_is_503_when_the_cache_and_broker_are_down_and_never_shows_the_password(
    stranger,
):
    response = stranger.client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["database"]["ok"] is True
    for part in ("cache", "broker", "worker"):
        assert body["checks"][part]["ok"] is False
        assert body["checks"][part]["status"] == "down"
        assert body["checks"][part]["required"] is True
        assert body["checks"][part]["error"]
    assert "secret-pass" not in response.content.decode()


@override_settings(
    REDIS_URL="",
    CELERY_BROKER_URL=CLOSED,
    CELERY_TASK_ALWAYS_EAGER=False,
    HEALTHZ_REQUIRE_WORKER=False,
    CACHES=EMBEDDED["CACHES"],
)
def test_an_optional_part_that_is_down_only_degrades_the_status(stranger):
    response = stranger.client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["broker"]["required"] is False
    assert body["checks"]["worker"]["ok"] is False
    assert "secret-pass" not in response.content.decode()


@override_settings(**EMBEDDED)
def test_healthz_answers_only_safe_methods(stranger):
    assert stranger.client.post("/healthz").status_code == 405
    assert stranger.client.head("/healthz").status_code == 200


def test_errors_are_redacted_of_url_passwords_and_configured_secrets():
    with override_settings(REDIS_URL="redis://:hunter22@cache.internal:6379/0"):
        text = health.redact(
            "cannot reach redis://user:pa55word@10.0.0.1:6379/0 (auth hunter22 refused)"
        )

    assert "pa55word" not in text
    assert "hunter22" not in text
    assert "redis://***@10.0.0.1:6379/0" in text


def test_a_failing_check_is_reported_not_raised():
    def broken() -> dict[str, object]:
        raise RuntimeError("boom at redis://:topsecret@db:1/0")

    result = health._timed(broken)

    assert result["ok"] is False
    assert "RuntimeError" in result["error"]
    assert "topsecret" not in result["error"]


@pytest.mark.worker
def test_ping_task_answers_pong():
    # Eager in the embedded config; through the real worker when REDIS_URL is set.
    assert ping.delay().get(timeout=10) == "pong"


@pytest.mark.worker
@pytest.mark.skipif(
    settings.CELERY_TASK_ALWAYS_EAGER, reason="eager mode has no worker (set REDIS_URL)"
)
def test_healthz_counts_the_running_workers(client):
    body = client.get("/healthz").json()

    assert body["checks"]["broker"]["ok"] is True
    assert body["checks"]["worker"]["ok"] is True
    assert body["checks"]["worker"]["workers"] >= 1
