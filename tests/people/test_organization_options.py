"""The directory's organization filter: the page carries the chosen organization only, and the
select loads the others with htmx from /people/organizations/ (a page of links without
script). Only organizations of people the viewer may see are offered."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from people.models import Person, Visibility
from tests.conftest import Persona
from tests.factories import AffiliationFactory, OrganizationFactory, PersonFactory

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("people:directory")
OPTIONS = reverse("people:organization_options")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def organizations(organizers_only_person: Person) -> dict[str, Any]:
    listed = PersonFactory(display_name="Lena Listed")
    hidden = PersonFactory(display_name="Hugo Hidden", visibility=Visibility.HIDDEN)
    made = {
        "listed": OrganizationFactory(name="Riverton Food Co-op"),
        "other": OrganizationFactory(name="Old Mill Tenants"),
        "organizers": OrganizationFactory(name="Quiet Funders Circle"),
        "hidden": OrganizationFactory(name="Secret Society"),
    }
    AffiliationFactory(person=listed, organization=made["listed"])
    AffiliationFactory(person=listed, organization=made["other"])
    AffiliationFactory(person=organizers_only_person, organization=made["organizers"])
    AffiliationFactory(person=hidden, organization=made["hidden"])
    return made


def test_the_directory_page_carries_only_the_chosen_organization(
    member: Persona, organizations: dict[str, Any]
) -> None:
    page = member.client.get(DIRECTORY).content.decode()
    assert 'id="f-organization"' in page and f'hx-get="{OPTIONS}"' in page
    assert "Riverton Food Co-op" not in page
    chosen = organizations["listed"]
    filtered = member.client.get(DIRECTORY, {"organization": str(chosen.public_id)})
    body = filtered.content.decode()
    assert f'<option value="{chosen.public_id}" selected>Riverton Food Co-op</option>' in body
    assert "Old Mill Tenants" not in body
    assert "Lena Listed" in body  # the filter applies


def test_the_select_loads_the_organizations_the_viewer_may_see(
    member: Persona, organizer: Persona, organizations: dict[str, Any]
) -> None:
    for_member = member.client.get(OPTIONS, **HTMX)
    assert for_member.status_code == 200
    tags = for_member.content.decode()
    assert tags.startswith('<option value="">Any organization</option>')
    assert "Riverton Food Co-op" in tags and "Old Mill Tenants" in tags
    assert "Quiet Funders Circle" not in tags  # only through a person marked organizers only
    assert "Secret Society" not in tags  # only through a hidden person
    assert " selected" not in tags
    for_organizer = organizer.client.get(OPTIONS, **HTMX).content.decode()
    assert "Quiet Funders Circle" in for_organizer
    assert "Secret Society" not in for_organizer


def test_the_chosen_organization_comes_back_selected(
    member: Persona, organizations: dict[str, Any]
) -> None:
    chosen = organizations["other"]
    tags = member.client.get(OPTIONS, {"organization": str(chosen.public_id)}, **HTMX)
    body = tags.content.decode()
    assert body.count(" selected") == 1
    assert f'<option value="{chosen.public_id}" selected>Old Mill Tenants</option>' in body


@pytest.mark.parametrize(
    "value",
    [
        '"><script>alert(1)</script>',
        "not-a-uuid",
        "x" * 5000,
        "00000000-0000-0000-0000-000000000000",
    ],
)
def test_an_unknown_or_hostile_choice_selects_nothing(
    member: Persona, organizations: dict[str, Any], value: str
) -> None:
    response = member.client.get(OPTIONS, {"organization": value}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert " selected" not in body
    assert "<script>" not in body


def test_without_script_a_page_links_each_organization_to_the_directory(
    member: Persona, organizations: dict[str, Any]
) -> None:
    page = member.client.get(OPTIONS)
    assert page.status_code == 200
    body = page.content.decode()
    chosen = organizations["listed"]
    assert f'href="{DIRECTORY}?organization={chosen.public_id}"' in body
    assert "Secret Society" not in body and "Quiet Funders Circle" not in body
    assert "Browse the organizations" in member.client.get(DIRECTORY).content.decode()


def test_strangers_are_sent_to_log_in(client: Any) -> None:
    assert client.get(OPTIONS, **HTMX).status_code == 302
    assert client.get(OPTIONS).status_code == 302
