"""docker-compose.yml: the web service's health check uses /healthz and really works.

There is no Docker engine here, so the file is parsed (PyYAML, a dependency of
drf-spectacular) and the web service's health check command is run as it is written, against
a live test server instead of the container's port 8000.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.network_app.test_settings import variables_documented_in_env_example

ROOT = Path(__file__).resolve().parents[3]
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_TEXT)
APP_SERVICES = ("web", "worker", "beat")
CONTAINER_URL = "http://localhost:8000"

EMBEDDED = {
    "REDIS_URL": "",
    "CELERY_TASK_ALWAYS_EAGER": True,
    "HEALTHZ_REQUIRE_WORKER": False,
    "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
}
CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1
REDIS_DOWN = {
    "REDIS_URL": CLOSED,
    "CELERY_BROKER_URL": CLOSED,
    "CELERY_TASK_ALWAYS_EAGER": False,
    "HEALTHZ_REQUIRE_WORKER": True,
    "CACHES": {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED}
    },
}


def web_healthcheck() -> list[str]:
    test = COMPOSE["services"]["web"]["healthcheck"]["test"]
    assert isinstance(test, list) and test[0] == "CMD", "exec form: no shell needed in the image"
    return [str(word) for word in test[1:]]


def run_healthcheck(base_url: str) -> subprocess.CompletedProcess[str]:
    command = [word.replace(CONTAINER_URL, base_url) for word in web_healthcheck()]
    assert command[0] == "python"
    return subprocess.run(
        [sys.executable, *command[1:]], capture_output=True, text=True, timeout=60, check=False
    )


def test_the_web_health_check_calls_healthz_on_the_port_gunicorn_binds() -> None:
    web = COMPOSE["services"]["web"]

    assert f"'{CONTAINER_URL}/healthz'" in " ".join(web_healthcheck())
    assert "-b 0.0.0.0:8000" in " ".join(web["command"])
    assert all(key in web["healthcheck"] for key in ("interval", "timeout", "retries"))
    # the check's Host header (localhost) is always allowed, whatever .env sets
    assert "localhost" in web["environment"]["ALLOWED_HOSTS"].split(",")[1:]


def test_worker_and_beat_wait_for_healthy_databases_and_web_applies_migrations() -> None:
    for name in APP_SERVICES:
        depends = COMPOSE["services"][name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
    assert "migrate" in " ".join(COMPOSE["services"]["web"]["command"])


def test_every_variable_compose_sets_or_reads_is_documented_in_env_example() -> None:
    documented = variables_documented_in_env_example()
    set_for_the_app = {
        name for service in APP_SERVICES for name in COMPOSE["services"][service]["environment"]
    }
    read_from_env = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE_TEXT))

    assert {"DATABASE_URL", "SECRET_KEY", "POSTGRES_PASSWORD"} <= set_for_the_app | read_from_env
    assert sorted((set_for_the_app | read_from_env) - documented) == []


@pytest.mark.usefixtures("transactional_db")
def test_the_health_check_command_passes_when_healthy_and_fails_when_redis_is_down(
    live_server: Any, settings: Any
) -> None:
    for name, value in EMBEDDED.items():
        setattr(settings, name, value)
    healthy = run_healthcheck(live_server.url)

    for name, value in REDIS_DOWN.items():
        setattr(settings, name, value)
    down = run_healthcheck(live_server.url)

    assert healthy.returncode == 0, healthy.stderr
    assert down.returncode != 0
    assert "503" in down.stderr
