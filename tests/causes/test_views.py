"""Cause pages: counts and lists include only the people the viewer may see."""

from __future__ import annotations

import pytest
from django.urls import reverse

from people.models import Visibility
from tests.factories import CauseFactory, InterestFactory, PersonFactory

pytestmark = pytest.mark.django_db

CAUSES = reverse("causes:list")


@pytest.fixture(autouse=True)
def _plain_http(settings):
    # Production defaults redirect http to https; the test client speaks plain http.
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def housing(member, other_member, hidden_member, organizers_only_person):
    """Housing with a sub-cause; cared about by a listed, a hidden and an organizers-only
    person."""
    housing = CauseFactory(name="Housing", description="Homes people can afford.")
    tenants = CauseFactory(name="Tenant rights", parent=housing)
    InterestFactory(person=other_member.person, cause=tenants, passion=5, offers="Legal clinic")
    InterestFactory(person=member.person, cause=housing, passion=2, needs="A meeting room")
    InterestFactory(person=hidden_member.person, cause=housing, passion=5)
    InterestFactory(person=organizers_only_person, cause=tenants, passion=4)
    return housing


def main_of(response) -> str:
    """The page's main content, without the nav (which names the viewer)."""
    return response.content.decode().split('<main id="main"', 1)[1]


def detail_url(cause) -> str:
    return reverse("causes:detail", kwargs={"slug": cause.slug})


def test_stranger_is_sent_to_login(stranger, housing):
    for url in (CAUSES, detail_url(housing)):
        response = stranger.client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_cause_list_counts_only_people_the_member_may_see(member, housing):
    body = member.client.get(CAUSES).content.decode()
    assert "Housing" in body and "Tenant rights" in body
    # Housing: Mina (direct) + Omar (via the sub-cause); never Hana or Otto.
    assert "2 people" in body


def test_cause_list_counts_organizers_only_people_for_organizers(organizer, housing):
    body = organizer.client.get(CAUSES).content.decode()
    assert "3 people" in body


def test_cause_page_lists_visible_people_by_passion_with_offers_and_needs(member, housing):
    body = main_of(member.client.get(detail_url(housing)))
    assert "Omar Other" in body and "Mina Member" in body
    assert body.index("Omar Other") < body.index("Mina Member")  # passion 5 before 2
    assert "Legal clinic" in body and "A meeting room" in body
    assert "Hana Hidden" not in body
    assert "Otto Organizers-Only" not in body


def test_cause_page_shows_organizers_only_people_to_organizers_never_hidden(organizer, housing):
    body = organizer.client.get(detail_url(housing)).content.decode()
    assert "Otto Organizers-Only" in body
    assert "Hana Hidden" not in body


def test_sub_cause_page_lists_only_its_own_people(member, housing):
    tenants = housing.children.get()
    body = main_of(member.client.get(detail_url(tenants)))
    assert "Omar Other" in body
    assert "Mina Member" not in body


def test_cause_page_paginates(member, settings):
    settings.DIRECTORY_PAGE_SIZE = 2
    cause = CauseFactory(name="Transit")
    for _ in range(5):
        InterestFactory(person=PersonFactory(visibility=Visibility.LISTED), cause=cause)
    body = member.client.get(detail_url(cause), {"page": "2"}).content.decode()
    assert "Page 2 of 3" in body
    assert member.client.get(detail_url(cause), {"page": "999"}).status_code == 200


def test_unknown_cause_is_not_found(member):
    assert member.client.get("/causes/no-such-cause/").status_code == 404


def test_cause_pages_use_a_bounded_number_of_queries(
    member, settings, django_assert_max_num_queries
):
    settings.DIRECTORY_PAGE_SIZE = 50
    parents = [CauseFactory(name=f"Parent {n}") for n in range(4)]
    for parent in parents:
        for m in range(3):
            child = CauseFactory(name=f"{parent.name} child {m}", parent=parent)
            InterestFactory(person=PersonFactory(), cause=child)
    member.client.get(CAUSES)
    with django_assert_max_num_queries(8):
        member.client.get(CAUSES)
    with django_assert_max_num_queries(10):
        member.client.get(detail_url(parents[0]))
