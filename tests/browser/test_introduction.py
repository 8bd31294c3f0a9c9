"""A real browser: a member asks for an introduction from a path card; the broker and the
target accept in their inboxes; the broker makes the introduction."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from people.models import Introduction, IntroductionState, PathSearch
from people.paths import path_search_execute
from tests.browser.conftest import OUTPUT_DIR, log_in
from tests.factories import PersonFactory, UserFactory, make_tie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def eager_celery():
    """Emails are sent in-process (the live server's thread) in both CI passes."""
    from network_app.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def new_page(page: Any) -> Any:
    """A fresh browser context (its own cookies): another person at another computer."""
    context = page.context.browser.new_context(viewport={"width": 1100, "height": 900})
    fresh = context.new_page()
    fresh.set_default_timeout(15_000)
    return fresh


def test_asking_for_and_accepting_an_introduction_in_a_real_browser(
    plain_http, live_server, browser_page, eager_celery
):
    # given a member, a broker and a target with logins, and a finished path search
    me = PersonFactory(user=UserFactory(username="ria"), display_name="Ria Requester")
    broker = PersonFactory(user=UserFactory(username="bob"), display_name="Bob Broker")
    target = PersonFactory(user=UserFactory(username="tess"), display_name="Tess Target")
    make_tie(me, broker, strength=5)
    make_tie(broker, target, strength=4)
    search = PathSearch.objects.create(requester=me.user, source=me, target=target)
    assert path_search_execute(search_id=search.pk)
    page = browser_page
    log_in(page, live_server, "ria")

    # when the member asks from the path card
    page.goto(live_server.url + search.get_absolute_url())
    page.click("text=Ask Bob Broker for an introduction")
    page.fill("#id_message", "We both organize tenant clinics; I would love to compare notes.")
    page.click("button:has-text('Send my request')")
    intro = Introduction.objects.get()
    page.wait_for_url(live_server.url + intro.get_absolute_url())
    assert "Your request went to Bob Broker" in page.inner_text("main")

    # and the broker accepts from their inbox (htmx swaps the introduction in place)
    bob = new_page(page)
    log_in(bob, live_server, "bob")
    assert "1 unread" in (bob.get_attribute("#nav-inbox .badge", "aria-label") or "")
    bob.goto(live_server.url + reverse("people:introductions"))
    bob.click("a:has-text('Open')")
    bob.wait_for_url(live_server.url + intro.get_absolute_url())
    assert "compare notes" in bob.inner_text("main")
    bob.click("button:has-text('Agree and ask Tess Target')")
    bob.wait_for_selector("text=Thank you: your answer is recorded.")

    # and the target accepts
    tess = new_page(page)
    log_in(tess, live_server, "tess")
    tess.goto(live_server.url + reverse("people:introductions"))
    tess.click("a:has-text('Open')")
    tess.wait_for_url(live_server.url + intro.get_absolute_url())
    assert "Ria Requester would like to meet you" in tess.inner_text("main")
    tess.click("button:has-text('Yes, introduce us')")
    tess.wait_for_selector("text=Thank you: your answer is recorded.")

    # and the broker makes the introduction
    bob.reload()
    bob.click("button:has-text('Make the introduction')")
    bob.wait_for_selector("text=Made")

    # then the requester sees it made, with the target's address to get in touch
    page.reload()
    main = page.inner_text("main")
    assert "Made" in main
    assert target.email in main
    OUTPUT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT_DIR / "introduction.png"), full_page=True)
    intro.refresh_from_db()
    assert intro.state == IntroductionState.MADE
