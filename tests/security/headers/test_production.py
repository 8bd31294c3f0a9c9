"""Production settings (DEBUG off, a real SECRET_KEY, ALLOWED_HOSTS set) answer real requests
with the security headers and secure cookies.

Runs in a subprocess, because the test runner's own settings are not production's (plain-HTTP
test servers, no HTTPS redirect). ``manage.py check --deploy`` itself is
tests/network_app/test_settings.py::test_deploy_check_reports_no_issue_with_production_settings.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.security.headers.test_headers import EXPECTED_CSP, parse_csp

ROOT = Path(__file__).resolve().parents[3]

# Fetches pages with Django's test client under the production settings and prints what a
# browser would receive. No database is needed for these pages. One setting differs: static
# file names are not hashed (that needs a collectstatic run first); nothing here depends on it.
PROBE = r"""
import json
import django
from django.test import Client
from django.test.utils import override_settings

django.setup()
from django.conf import settings

override_settings(
    STORAGES={
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
).enable()

client = Client(HTTP_HOST="example.org")
login = client.get("/accounts/login/", secure=True)
plain = client.get("/accounts/login/")
health = client.get("/healthz", HTTP_HOST="localhost")
csrf = login.cookies["csrftoken"]
print(json.dumps({
    "status": login.status_code,
    "headers": dict(login.headers),
    "csrf_cookie": {"secure": csrf["secure"], "samesite": csrf["samesite"]},
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "health_status": health.status_code,
    "session_cookie": {
        "secure": settings.SESSION_COOKIE_SECURE,
        "httponly": settings.SESSION_COOKIE_HTTPONLY,
        "samesite": settings.SESSION_COOKIE_SAMESITE,
    },
}))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "TESTING", "SECRET_KEY", "ALLOWED_HOSTS", "REDIS_URL"}
        and not key.startswith(("SECURE_", "SESSION_", "CSRF_", "DJANGO_ALLOW_ASYNC"))
    }
    database = tmp_path_factory.mktemp("production") / "empty.sqlite3"
    env.update(
        DJANGO_SETTINGS_MODULE="network_app.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        # as docker-compose.yml sets it for ALLOWED_HOSTS=example.org in .env
        ALLOWED_HOSTS="example.org,localhost,127.0.0.1",
        DATABASE_URL=f"sqlite:///{database}",
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def test_production_pages_carry_the_policy_and_the_headers(production: dict[str, Any]) -> None:
    headers = production["headers"]

    assert production["status"] == 200
    assert parse_csp(headers["Content-Security-Policy"]) == EXPECTED_CSP
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_production_cookies_are_secure_httponly_and_samesite(production: dict[str, Any]) -> None:
    assert production["csrf_cookie"] == {"secure": True, "samesite": "Lax"}
    assert production["session_cookie"] == {"secure": True, "httponly": True, "samesite": "Lax"}


def test_production_redirects_plain_http_except_the_health_check(
    production: dict[str, Any],
) -> None:
    assert production["plain_status"] == 301
    assert production["plain_location"] == "https://example.org/accounts/login/"
    # docker compose's health check calls http://localhost:8000/healthz inside the container:
    # it gets the health report (200, or 503 here: this probe has no migrated database).
    assert production["health_status"] in (200, 503)
