"""Shared fixtures of the browser tests: Debian's Chromium (/usr/bin/chromium) through
Playwright's sync API; no browser is ever downloaded. Without Chromium every browser test is
skipped with a one-line reason."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from tests.factories import PASSWORD

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Skip every browser test, with one reason, when Chromium or Playwright is missing."""
    reason = None
    if CHROMIUM is None:
        reason = "chromium is not installed (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright is not installed (make install)"
    if reason:
        for item in items:
            if "tests/browser/" in str(item.fspath):
                item.add_marker(pytest.mark.skip(reason=reason))


def _serve_one_request_at_a_time_on_sqlite() -> None:
    """On SQLite, the live server's request threads share the test's in-memory connection, and
    two requests at once (a page, and the htmx request it starts while the test already moves
    on) once hung both inside SQLite for good (CI, tests/browser/test_map.py). There the live
    server answers one request at a time (Django then closes each connection after its
    answer); on PostgreSQL every thread has its own connection and the server stays threaded."""
    if django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        return
    from django.core.servers.basehttp import WSGIServer
    from django.test.testcases import LiveServerThread

    class SerialWSGIServer(WSGIServer):
        def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
            # The one serving thread is the live server's, which already uses the overrides.
            super().__init__(*args, **kwargs)

    LiveServerThread.server_class = SerialWSGIServer


_serve_one_request_at_a_time_on_sqlite()


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUTPUT_DIR = Path(django_settings.BASE_DIR) / "test-output"


@pytest.fixture
def plain_http(settings: Any) -> None:
    # The live server speaks plain http: no https redirect, cookies not marked Secure.
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def browser_page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread, and Django refuses ORM calls
    # from a thread with a running loop; the test's own ORM calls (factories, assertions) are
    # plain synchronous calls, so allow them. Set per test (not at import) so the variable
    # never leaks into other tests' subprocesses (`check --deploy` flags it).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(viewport={"width": 1100, "height": 900})
            page = context.new_page()
            page.set_default_timeout(15_000)
            yield page
        finally:
            browser.close()


def log_in(page: Any, live_server: Any, username: str) -> None:
    """Log in through the real login form (password ``tests.factories.PASSWORD``)."""
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")
    page.wait_for_url(live_server.url + reverse("people:directory"))
