"""A real browser: the directory's organization select loads its options after the page (htmx)
and filters the directory by the one chosen, which stays selected."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.conftest import log_in
from tests.factories import AffiliationFactory, OrganizationFactory, PersonFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_organization_filter_loads_its_choices_and_filters(
    plain_http, live_server, browser_page
):
    user = UserFactory(username="mina")
    PersonFactory(user=user, display_name="Mina Member")
    coop = OrganizationFactory(name="Riverton Food Co-op")
    tenants = OrganizationFactory(name="Old Mill Tenants")
    AffiliationFactory(person=PersonFactory(display_name="Lena Listed"), organization=coop)
    AffiliationFactory(person=PersonFactory(display_name="Theo Tenant"), organization=tenants)
    page = browser_page
    log_in(page, live_server, "mina")

    page.goto(live_server.url + reverse("people:directory"))
    # the choices arrive after the page: "Any organization" and the two organizations (the
    # waits use locators: the page's CSP forbids the eval behind wait_for_function)
    options = page.locator("#f-organization option")
    options.nth(2).wait_for(state="attached")
    assert options.count() == 3
    page.select_option("#f-organization", label="Riverton Food Co-op")
    page.click("button:has-text('Search')")
    page.wait_for_url(f"**organization={coop.public_id}**")
    cards = page.locator(".person-card")
    page.locator(".person-card", has_text="Theo Tenant").wait_for(state="detached")
    assert cards.count() == 1
    assert "Lena Listed" in cards.first.inner_text()

    # a full load of the filtered page keeps the choice, and loads the others again
    page.reload()
    options.nth(2).wait_for(state="attached")
    assert options.count() == 3
    assert page.input_value("#f-organization") == str(coop.public_id)
    assert page.locator(".person-card").count() == 1
