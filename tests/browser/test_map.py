"""A real browser on the organizer's network map of the demo network.

Seeds the demo network (300 people), computes a metrics snapshot, logs in as the demo
organizer, loads the map, filters it by a cause, clicks a person and checks the side panel.
Saves a screenshot under test-output/. Uses Debian's Chromium; skipped without it.
"""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse

from causes.models import Cause
from network_app import dashboard
from network_app.models import NetworkSnapshot

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
DEMO_PASSWORD = "map-test-password"


@pytest.fixture
def plain_http(settings):
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def browser_page(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(30_000)
            yield page
        finally:
            browser.close()


@pytest.fixture
def demo_network(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    call_command("seed_demo", people=300, stdout=StringIO())
    snapshot = NetworkSnapshot.objects.create()
    assert dashboard.snapshot_compute(snapshot_id=snapshot.pk)


def _log_in(page, base_url: str) -> None:
    page.goto(base_url + reverse("login"))
    page.fill("#id_username", "organizer")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")
    page.wait_for_url(base_url + reverse("people:directory"))


def test_an_organizer_filters_the_demo_map_by_cause_and_opens_a_person(
    plain_http, live_server, browser_page, demo_network
):
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _log_in(page, live_server.url)

    # when: the map loads
    page.goto(live_server.url + reverse("dashboard:map"))
    page.wait_for_selector("#network-map[data-ready='true']")
    everyone = int(page.get_attribute("#network-map", "data-people") or 0)
    assert everyone > 250
    assert page.locator("#network-map canvas").count() > 0

    # and: filter by the cause with the most people
    cause = max(Cause.objects.filter(parent=None), key=lambda c: c.interests.count())
    page.select_option("#id_cause", cause.slug)
    page.click("button:has-text('Apply filters')")
    page.wait_for_url(f"**cause={cause.slug}**")
    page.wait_for_selector("#network-map[data-ready='true']")
    filtered = int(page.get_attribute("#network-map", "data-people") or 0)
    assert 0 < filtered < everyone

    # and: click the person drawn biggest (where Cytoscape put them on the canvas)
    config = page.evaluate("() => JSON.parse(document.getElementById('map-config').textContent)")
    assert f"cause={cause.slug}" in config["dataUrl"]
    page.evaluate("() => document.getElementById('network-map').scrollIntoView({block: 'start'})")
    # Cytoscape reads the container's new offset on the scroll event, a frame later.
    page.wait_for_timeout(400)
    target = page.evaluate(
        """() => {
            const cy = window.smallbatchMap;
            const node = cy.nodes().max(n => n.degree()).ele;
            const pos = node.renderedPosition();
            const box = document.getElementById('network-map').getBoundingClientRect();
            return {x: box.left + pos.x, y: box.top + pos.y, name: node.data('label')};
        }"""
    )
    page.mouse.click(target["x"], target["y"])

    # then: the side panel shows their summary, metrics and actions
    panel = page.locator("#map-panel .person-panel")
    panel.wait_for()
    assert target["name"] in panel.locator(".panel-name").inner_text()
    text = panel.inner_text()
    assert "Brokerage (betweenness)" in text
    assert "Profile" in text
    from people.models import Person

    organizer_name = Person.objects.get(user__username="organizer").display_name
    assert ("Find a path to" in text) is (target["name"] != organizer_name)
    assert "Suggest introductions" in text
    OUTPUT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT_DIR / "network_map.png"), full_page=True)
    assert errors == []


def test_the_dashboard_overview_draws_its_trend_charts(
    plain_http, live_server, browser_page, demo_network
):
    page = browser_page
    _log_in(page, live_server.url)

    page.goto(live_server.url + reverse("dashboard:overview"))

    page.wait_for_selector(".chart .uplot")
    assert page.locator(".chart .uplot").count() == 5
    assert "Bring them in" in page.inner_text("#weaver-actions")
    OUTPUT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT_DIR / "dashboard.png"), full_page=True)
