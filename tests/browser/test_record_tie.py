"""A real browser: log in through the login form and record a tie."""

from __future__ import annotations

import pytest
from django.urls import reverse

from people.models import SideStatus, Tie, TieKind
from tests.browser.conftest import OUTPUT_DIR, log_in
from tests.factories import PersonFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_logs_in_and_records_a_tie_in_a_real_browser(plain_http, live_server, browser_page):
    # given: a member with a password, and another listed person
    user = UserFactory(username="mina")
    member = PersonFactory(user=user, display_name="Mina Member")
    other = PersonFactory(display_name="Lena Listed", headline="Runs the tool library")
    page = browser_page

    # when: log in through the real login form
    log_in(page, live_server, "mina")

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
