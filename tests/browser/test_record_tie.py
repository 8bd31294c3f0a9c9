"""A real browser: log in through the login form and record a tie.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright's sync API; no browser is ever
downloaded. Without Chromium the module is skipped with a one-line reason.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from people.models import SideStatus, Tie, TieKind
from tests.factories import PASSWORD, PersonFactory, UserFactory

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
if CHROMIUM is None:
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

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
def plain_http(settings):
    # The live server speaks plain http: no https redirect, cookies not marked Secure.
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def browser_page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread, and Django refuses ORM calls
    # from a thread with a running loop; the test's own ORM calls (factories, assertions) are
    # plain synchronous calls, so allow them. Set per test (not at import) so the variable
    # never leaks into other tests' subprocesses (`check --deploy` flags it).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
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


def test_member_logs_in_and_records_a_tie_in_a_real_browser(plain_http, live_server, browser_page):
    # given: a member with a password, and another listed person
    user = UserFactory(username="mina")
    member = PersonFactory(user=user, display_name="Mina Member")
    other = PersonFactory(display_name="Lena Listed", headline="Runs the tool library")
    page = browser_page

    # when: log in through the real login form
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", "mina")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")
    page.wait_for_url(live_server.url + reverse("people:directory"))

    # and: open the other person's profile and record a tie of strength 4
    page.goto(live_server.url + other.get_absolute_url())
    page.click("text=I know this person")
    page.check("input[name=strength][value='4']")
    page.select_option("#id_kind", TieKind.COLLABORATOR)
    page.fill("#id_context", "We run the Saturday repair cafe together")
    page.click("button:has-text('Record this tie')")
    page.wait_for_url(live_server.url + reverse("people:me_ties"))

    # then: the tie is listed on "People I know"
    ties = page.locator("#ties")
    assert "You recorded that you know Lena Listed." in page.inner_text("main")
    assert "Lena Listed" in ties.inner_text()
    assert "Saturday repair cafe" in ties.inner_text()
    OUTPUT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT_DIR / "record_tie.png"), full_page=True)

    # and: the database holds it, with the member's side rated 4 and confirmed
    tie = Tie.objects.between(member, other).get()
    side = tie.side_of(member)
    assert tie.strength_of(side) == 4
    assert tie.status_of(side) == SideStatus.CONFIRMED
    assert tie.kind == TieKind.COLLABORATOR
