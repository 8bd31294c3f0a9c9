"""A real browser: a running path search turns into path cards without a page reload."""

from __future__ import annotations

import pytest

from people.models import PathSearch
from people.paths import path_search_execute
from tests.browser.conftest import OUTPUT_DIR, log_in
from tests.factories import PersonFactory, UserFactory, make_tie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_result_appears_without_reload(plain_http, live_server, browser_page):
    # given a member, a broker and a target, and a search that has not run yet
    user = UserFactory(username="pia")
    me = PersonFactory(user=user, display_name="Pia Pathfinder")
    broker = PersonFactory(display_name="Bo Broker")
    target = PersonFactory(display_name="Tia Target")
    make_tie(me, broker, strength=5)
    make_tie(broker, target, strength=4)
    # (created directly: through the service, eager Celery would run it at once)
    search = PathSearch.objects.create(requester=user, source=me, target=target)
    page = browser_page
    log_in(page, live_server, "pia")

    # when the member opens the search page while it is pending
    page.goto(live_server.url + search.get_absolute_url())
    assert "Looking for the best paths" in page.inner_text("main")
    page.evaluate("window.__sameDocument = true")
    # ... and the search finishes on the server
    assert path_search_execute(search_id=search.pk)

    # then the path card appears in the same document (htmx polling, no reload)
    page.wait_for_selector("text=65% estimated chance", timeout=30_000)
    assert page.evaluate("window.__sameDocument === true")
    assert "Ask Bo Broker for an introduction" in page.inner_text("main")
    assert page.locator("[hx-trigger]").count() == 0  # polling stopped
    OUTPUT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT_DIR / "path_search.png"), full_page=True)
