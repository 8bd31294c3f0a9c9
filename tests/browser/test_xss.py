"""Stored XSS in a real browser: hostile names, bios and places never run as script.

A person whose name, pronouns, headline, bio, place, skills and cause notes are script tags,
event handlers, ``"><svg onload=...>`` breakouts, ``javascript:`` links and ``</script>``
breakouts is shown on the directory (also through an htmx swap), the profile, the map (its
data, search list, side panel and the ``json_script`` config carrying a hostile filter) and
the table view. Every hostile payload sets ``window.__xss`` if it ever runs: it must stay
undefined and the text must appear literally.

The Content-Security-Policy must also not break the app: the normal pages (the map draws,
htmx swaps, the path search page polls, the dashboard charts, the admin, the API docs) raise
no CSP violation, and the policy itself blocks an inline handler that gets into a page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from causes.models import Interest
from network_app.models import NetworkSnapshot
from people.models import PathSearch, Person
from people.paths import path_search_execute
from people.roles import make_organizer
from tests.browser.conftest import OUTPUT_DIR, log_in
from tests.factories import CauseFactory, PersonFactory, UserFactory, make_tie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each payload that runs sets window.__xss.
NAME = '<script>window.__xss=1</script>Eve "><svg onload=window.__xss=2>'
PRONOUNS = "<b onmouseover=window.__xss=3>"
HEADLINE = '<img src=x onerror="window.__xss=4">'
BIO = (
    "<script>window.__xss=5</script>\n"
    '<a href="javascript:window.__xss=6">click me</a>\n'
    '"><svg onload="window.__xss=7">\n'
    "</script><script>window.__xss=8</script>\n"
    '<iframe srcdoc="<script>parent.__xss=9</script>"></iframe>\n'
    "<style>body{display:none}</style>"
)
PLACE = "</script><script>window.__xss=10</script>"  # inside the map's json_script config
SKILL = "<img src=x onerror=window.__xss=11>"
OFFERS = "javascript:window.__xss=12"
CAUSE = "<svg/onload=window.__xss=13>Housing"

# Reports every CSP violation of every document to the test, from the document's first moment
# (Playwright injects this through the DevTools protocol, so the policy does not block it).
VIOLATION_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__reportCsp([location.pathname, e.violatedDirective, e.blockedURI || "inline",
                      e.sourceFile + ":" + e.lineNumber, e.sample].join(" | "));
});
"""


class Watch:
    """CSP violations (events and console messages) and script errors seen by a page."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.reports: list[str] = []
        self.console: list[str] = []
        self.errors: list[str] = []
        page.expose_function("__reportCsp", lambda report: self.reports.append(str(report)))
        page.add_init_script(VIOLATION_LISTENER)
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))

    def _on_console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.console.append(f"{self.page.url}: {message.text}")

    def violations(self) -> list[str]:
        return self.reports + self.console

    def xss(self) -> Any:
        return self.page.evaluate("window.__xss")


def assert_no_script_ran(watch: Watch, where: str) -> None:
    page = watch.page
    assert watch.xss() is None, f"{where}: a hostile payload ran (window.__xss={watch.xss()})"
    assert page.locator("main svg, main iframe, main img[src='x']").count() == 0, where
    assert page.locator("[href^='javascript:' i], [onerror], [onload]").count() == 0, where
    assert watch.errors == [], where


@pytest.fixture
def organizer_and_eve() -> tuple[Any, Person]:
    user = UserFactory(username="olive")
    me = PersonFactory(user=user, display_name="Olive Organizer", neighbourhood="Old Mill")
    make_organizer(user)
    eve = PersonFactory(
        display_name=NAME,
        pronouns=PRONOUNS,
        headline=HEADLINE,
        bio=BIO,
        neighbourhood=PLACE,
        skills=[SKILL],
    )
    Interest.objects.create(
        person=eve, cause=CauseFactory(name=CAUSE), passion=5, offers=OFFERS, needs=BIO[:200]
    )
    friend = PersonFactory(display_name="Fay Friend")
    make_tie(me, eve, strength=4)
    make_tie(eve, friend, strength=3)
    return user, eve


def test_hostile_profile_text_never_runs_as_script_anywhere(
    plain_http: None, live_server: Any, browser_page: Any, organizer_and_eve: tuple[Any, Person]
) -> None:
    user, eve = organizer_and_eve
    page = browser_page
    watch = Watch(page)
    log_in(page, live_server, user.username)

    # the directory shows the hostile name and headline as text
    assert_no_script_ran(watch, "directory")
    card = page.locator(".person-card", has_text="Eve")
    assert NAME in card.inner_text()
    assert HEADLINE in card.inner_text()
    assert f"({PRONOUNS})" in card.inner_text()

    # ... also after an htmx swap of the results, and with the payload reflected in the search box
    page.evaluate("window.__sameDocument = true")
    page.fill("#f-q", "Eve")
    page.click("button:has-text('Search')")
    page.wait_for_url("**q=Eve**")
    assert page.evaluate("window.__sameDocument") is True
    assert NAME in page.locator(".person-card", has_text="Eve").inner_text()
    assert_no_script_ran(watch, "directory after an htmx swap")
    page.goto(live_server.url + reverse("people:directory") + "?" + urlencode({"q": NAME}))
    assert page.input_value("#f-q") == NAME
    assert_no_script_ran(watch, "directory with a hostile search")

    # the profile shows every field literally
    page.goto(live_server.url + eve.get_absolute_url())
    assert page.inner_text("h1") == f"{NAME} ({PRONOUNS})"
    bio = page.inner_text(".bio")
    for line in BIO.splitlines():
        assert line in bio
    main = page.inner_text("main")
    for text in (HEADLINE, PLACE, SKILL, OFFERS, CAUSE):
        assert text in main
    assert page.locator("main a", has_text="click me").count() == 0  # no link was made
    assert_no_script_ran(watch, "profile")

    # the map: its data (labels, search list) and the side panel, opened by focusing on Eve
    page.goto(live_server.url + reverse("dashboard:map") + f"?focus={eve.public_id}&steps=1")
    page.wait_for_selector("#network-map[data-ready='true']")
    page.wait_for_selector("#map-panel .panel-name")
    assert page.inner_text("#map-panel .panel-name") == NAME
    assert HEADLINE in page.inner_text("#map-panel")
    labels = page.evaluate("window.smallbatchMap.nodes().map(n => n.data('label'))")
    assert NAME in labels
    options = page.evaluate(
        "Array.from(document.querySelectorAll('#map-people option'), o => o.value)"
    )
    assert NAME in options
    assert_no_script_ran(watch, "map with the side panel")

    # ... clicking Eve's node on the canvas loads the same panel again
    page.evaluate("document.getElementById('map-panel').textContent = ''")
    page.evaluate(f"window.smallbatchMap.getElementById('{eve.public_id}').emit('tap')")
    page.wait_for_selector("#map-panel .panel-name")
    assert page.inner_text("#map-panel .panel-name") == NAME
    assert_no_script_ran(watch, "map side panel after a tap")

    # the map filtered by the hostile neighbourhood: the filter is echoed in the page's
    # json_script config (a closing </script> inside it must not end the element)
    hostile_filter = urlencode({"neighbourhood": PLACE})
    page.goto(live_server.url + reverse("dashboard:map") + "?" + hostile_filter)
    page.wait_for_selector("#network-map[data-ready='true']")
    assert page.input_value("#id_neighbourhood") == PLACE
    assert int(page.get_attribute("#network-map", "data-people") or 0) == 1
    config = page.evaluate("JSON.parse(document.getElementById('map-config').textContent)")
    assert "neighbourhood=" in config["dataUrl"]
    assert_no_script_ran(watch, "map filtered by a hostile neighbourhood")

    # the table view of the same data
    page.goto(live_server.url + reverse("dashboard:table"))
    assert NAME in page.inner_text("main")
    assert_no_script_ran(watch, "table view")

    # the panel as a page of its own
    page.goto(live_server.url + reverse("dashboard:person", args=[eve.public_id]))
    assert page.inner_text("h2.panel-name") == NAME
    assert_no_script_ran(watch, "person panel page")

    # nothing was even attempted: escaping alone kept every payload inert
    assert watch.violations() == []
    OUTPUT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT_DIR / "xss_panel_page.png"), full_page=True)


def test_the_policy_blocks_inline_code_that_gets_into_a_page(
    plain_http: None, live_server: Any, browser_page: Any, organizer_and_eve: tuple[Any, Person]
) -> None:
    # Defence in depth: if a template ever forgot to escape, the browser would still refuse
    # to run an inline handler or script (simulated by inserting markup into a real page).
    user, eve = organizer_and_eve
    page = browser_page
    watch = Watch(page)
    log_in(page, live_server, user.username)
    page.goto(live_server.url + eve.get_absolute_url())

    page.evaluate(
        """() => {
            document.querySelector('main').insertAdjacentHTML('beforeend',
                '<img src="data:," onerror="window.__xss=1">'
                + '<a id="js-link" href="javascript:window.__xss=2">x</a>'
                + '<p id="styled" style="display:none">styled</p>');
            const s = document.createElement('script');
            s.textContent = 'window.__xss = 3';
            document.body.appendChild(s);
        }"""
    )
    page.click("#js-link")
    page.wait_for_timeout(500)  # violation reports are delivered asynchronously

    assert watch.xss() is None
    assert len(watch.reports) >= 3, watch.reports
    violated = " ".join(watch.violations())
    assert "script-src" in violated
    assert "style-src" in violated
    assert page.is_visible("#styled")  # the inline style was refused too


def test_normal_pages_raise_no_csp_violation(
    plain_http: None, live_server: Any, browser_page: Any, organizer_and_eve: tuple[Any, Person]
) -> None:
    user, eve = organizer_and_eve
    user.is_staff = True
    user.is_superuser = True
    user.save()
    me = Person.objects.get(user=user)
    NetworkSnapshot.objects.create()  # the dashboard and map also work before any snapshot
    page = browser_page
    watch = Watch(page)
    log_in(page, live_server, user.username)

    # the directory swaps its results with htmx
    page.evaluate("window.__sameDocument = true")
    page.fill("#f-q", "Fay")
    page.click("button:has-text('Search')")
    page.wait_for_url("**q=Fay**")
    assert page.evaluate("window.__sameDocument") is True
    assert page.locator(".person-card").count() == 1

    # the map draws with Cytoscape and loads a side panel
    page.goto(live_server.url + reverse("dashboard:map") + f"?focus={eve.public_id}&steps=2")
    page.wait_for_selector("#network-map[data-ready='true']")
    page.wait_for_selector("#map-panel .panel-name")
    assert page.locator("#network-map canvas").count() > 0
    page.click("#map-relayout")
    page.wait_for_timeout(300)

    # the dashboard draws its charts with uPlot
    page.goto(live_server.url + reverse("dashboard:overview"))
    page.wait_for_load_state("load")

    # a pending path search turns into path cards by htmx polling
    search = PathSearch.objects.create(requester=user, source=me, target=eve)
    page.goto(live_server.url + search.get_absolute_url())
    page.evaluate("window.__sameDocument = true")
    assert path_search_execute(search_id=search.pk)
    page.wait_for_selector(".path-person", timeout=30_000)
    assert page.evaluate("window.__sameDocument") is True
    assert page.locator("[hx-trigger]").count() == 0

    # the API docs render Swagger UI from our own static files
    page.goto(live_server.url + reverse("api:docs"))
    page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    page.wait_for_selector(".opblock-tag", timeout=30_000)

    # the browsable API
    page.goto(live_server.url + reverse("api:person-list"))
    page.wait_for_selector(".response-info")

    # the admin: index, a list, a form with its widgets
    for url in (
        reverse("admin:index"),
        reverse("admin:people_person_changelist"),
        reverse("admin:people_person_change", args=[eve.pk]),
    ):
        page.goto(live_server.url + url)
        page.wait_for_load_state("load")
    assert page.locator("#person_form").count() == 1

    # the two-factor page shows its QR code (inline SVG, no style attributes)
    page.goto(live_server.url + reverse("accounts:two_factor"))
    assert page.locator(".qr-code svg").is_visible()

    assert watch.violations() == []
    assert watch.errors == []
