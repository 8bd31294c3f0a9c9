"""Directory and profile pages: privacy is enforced in what the HTML contains."""

from __future__ import annotations

import pytest
from django.urls import reverse

from people.models import Visibility
from tests.factories import (
    AffiliationFactory,
    CauseFactory,
    InterestFactory,
    PersonFactory,
    make_tie,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _plain_http(settings):
    # Production defaults redirect http to https; the test client speaks plain http.
    settings.SECURE_SSL_REDIRECT = False


DIRECTORY = reverse("people:directory")


def profile_url(person) -> str:
    return reverse("people:profile", kwargs={"public_id": person.public_id})


@pytest.mark.parametrize(
    "url_name",
    ["people:directory", "people:me", "people:me_ties", "causes:list"],
)
def test_stranger_is_sent_to_the_login_page(stranger, url_name):
    response = stranger.client.get(reverse(url_name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_stranger_is_sent_to_login_from_profile_record_tie_and_cause_pages(stranger, member):
    cause = CauseFactory(name="Food security")
    urls = [
        profile_url(member.person),
        reverse("people:record_tie", kwargs={"public_id": member.person.public_id}),
        reverse("causes:detail", kwargs={"slug": cause.slug}),
    ]
    for url in urls:
        response = stranger.client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url


def test_root_redirects_to_the_directory(member):
    response = member.client.get("/")
    assert response.status_code == 302
    assert response.url == DIRECTORY


def test_login_page_renders_for_a_stranger(stranger):
    response = stranger.client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="password"' in response.content


def test_member_sees_listed_people_but_not_hidden_or_organizers_only(
    member, other_member, hidden_member, organizers_only_person
):
    body = member.client.get(DIRECTORY).content.decode()
    assert "Omar Other" in body
    assert "Hana Hidden" not in body
    assert "Otto Organizers-Only" not in body


def test_organizer_sees_organizers_only_people_but_never_hidden(
    organizer, hidden_member, organizers_only_person
):
    body = organizer.client.get(DIRECTORY).content.decode()
    assert "Otto Organizers-Only" in body
    assert "Hana Hidden" not in body


def test_admin_on_the_site_never_sees_hidden_people(admin_user, hidden_member):
    body = admin_user.client.get(DIRECTORY).content.decode()
    assert "Hana Hidden" not in body


def test_hidden_person_is_absent_even_when_searched_for_by_name(member, hidden_member):
    body = member.client.get(DIRECTORY, {"q": "Hana"}).content.decode()
    assert "Hana Hidden" not in body
    assert "0 people" in body


def test_directory_search_and_filters_narrow_the_list(member):
    # given
    housing = CauseFactory(name="Housing")
    tenants = CauseFactory(name="Tenant rights", parent=housing)
    org = AffiliationFactory(
        person=PersonFactory(display_name="Ana Affiliated", neighbourhood="Harbour")
    ).organization
    InterestFactory(person=PersonFactory(display_name="Tomas Tenant"), cause=tenants)
    PersonFactory(display_name="Nia Neighbour", neighbourhood="Harbour", sector="food")
    PersonFactory(display_name="Zed Elsewhere", neighbourhood="Uptown")

    def names(**params) -> str:
        return member.client.get(DIRECTORY, params).content.decode()

    # then: a top-level cause includes its sub-causes
    body = names(cause="housing")
    assert "Tomas Tenant" in body and "Zed Elsewhere" not in body
    body = names(neighbourhood="harbour")
    assert "Nia Neighbour" in body and "Ana Affiliated" in body and "Zed Elsewhere" not in body
    body = names(sector="food")
    assert "Nia Neighbour" in body and "Ana Affiliated" not in body
    body = names(organization=str(org.public_id))
    assert "Ana Affiliated" in body and "Nia Neighbour" not in body
    body = names(q="zed")
    assert "Zed Elsewhere" in body and "Nia Neighbour" not in body


def test_garbage_filters_give_a_clear_error_not_a_crash(member):
    response = member.client.get(
        DIRECTORY, {"organization": "not-a-uuid", "sector": "pirate", "page": "banana"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "This filter was ignored" in body
    assert "valid UUID" in body


def test_directory_paginates(member, settings):
    settings.DIRECTORY_PAGE_SIZE = 3
    for n in range(7):
        PersonFactory(display_name=f"Paged Person {n}")
    first = member.client.get(DIRECTORY).content.decode()
    assert "Page 1 of 3" in first
    last = member.client.get(DIRECTORY, {"page": 3}).content.decode()
    assert "Page 3 of 3" in last


def test_directory_filter_options_never_name_hidden_peoples_neighbourhood(member):
    PersonFactory(display_name="Secret", neighbourhood="Secret Cove", visibility=Visibility.HIDDEN)
    body = member.client.get(DIRECTORY).content.decode()
    assert "Secret Cove" not in body


def test_directory_query_count_does_not_grow_with_the_page(
    member, settings, django_assert_max_num_queries
):
    # given: many people with several interests each
    settings.DIRECTORY_PAGE_SIZE = 50
    causes = [CauseFactory(name=f"Cause {n}") for n in range(3)]
    for n in range(40):
        person = PersonFactory(display_name=f"Busy Person {n:02d}")
        for cause in causes:
            InterestFactory(person=person, cause=cause)
    member.client.get(DIRECTORY)  # warm the session

    # then: a fixed number of queries, not one per person
    with django_assert_max_num_queries(12):
        response = member.client.get(DIRECTORY)
    assert response.content.decode().count('class="person-card"') == 41


def test_directory_htmx_request_returns_only_the_results(member, other_member):
    response = member.client.get(DIRECTORY, {"q": "Omar"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert 'id="results"' in body
    assert "<html" not in body
    assert "Omar Other" in body


def test_directory_htmx_history_restore_gets_the_whole_page(member):
    response = member.client.get(
        DIRECTORY, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert b"<html" in response.content


def test_profile_shows_causes_organizations_and_visible_ties(member, other_member):
    # given
    cause = CauseFactory(name="Food security")
    InterestFactory(
        person=other_member.person, cause=cause, passion=5, offers="Kitchen space", needs="Drivers"
    )
    AffiliationFactory(person=other_member.person, role="Board chair")
    friend = PersonFactory(display_name="Fay Friend")
    make_tie(other_member.person, friend)

    # when
    body = member.client.get(profile_url(other_member.person)).content.decode()

    # then
    assert "Food security" in body
    assert "passion 5/5" in body
    assert "Kitchen space" in body and "Drivers" in body
    assert "Board chair" in body
    assert "Fay Friend" in body
    assert "I know this person" in body


def test_profile_hides_ties_a_side_keeps_from_members(member, other_member):
    private = PersonFactory(display_name="Pia Private")
    make_tie(other_member.person, private, visible=False)
    body = member.client.get(profile_url(other_member.person)).content.decode()
    assert "Pia Private" not in body


def test_profile_never_names_a_hidden_person_in_a_tie(member, hidden_member, other_member):
    make_tie(other_member.person, hidden_member.person)
    make_tie(member.person, hidden_member.person)
    for url in (profile_url(other_member.person), profile_url(member.person)):
        body = member.client.get(url).content.decode()
        assert "Hana Hidden" not in body


def test_hidden_profile_is_not_found_for_everyone_but_its_person(
    member, organizer, admin_user, hidden_member
):
    url = profile_url(hidden_member.person)
    for persona in (member, organizer, admin_user):
        response = persona.client.get(url)
        assert response.status_code == 404
        assert b"Hana Hidden" not in response.content
    assert hidden_member.client.get(url).status_code == 200


def test_organizers_only_profile_shows_to_organizers_not_members(
    member, organizer, organizers_only_person
):
    url = profile_url(organizers_only_person)
    assert member.client.get(url).status_code == 404
    assert organizer.client.get(url).status_code == 200


def test_unknown_profile_is_not_found(member):
    url = reverse("people:profile", kwargs={"public_id": "00000000-0000-0000-0000-000000000000"})
    assert member.client.get(url).status_code == 404
    assert member.client.get("/people/not-a-uuid/").status_code == 404


def test_private_email_shows_only_to_the_person_and_admins(
    member, other_member, organizer, admin_user
):
    url = profile_url(member.person)
    email = member.person.email
    assert email
    assert email.encode() in member.client.get(url).content
    assert email.encode() in admin_user.client.get(url).content
    assert email.encode() not in other_member.client.get(url).content
    assert email.encode() not in organizer.client.get(url).content


def test_nav_shows_the_viewer_and_admin_link_only_for_staff(member, admin_user):
    body = member.client.get(DIRECTORY).content.decode()
    assert "Mina Member" in body
    assert reverse("admin:index") not in body
    assert reverse("admin:index") in admin_user.client.get(DIRECTORY).content.decode()


def test_logout_is_a_post_that_ends_the_session(member):
    response = member.client.post(reverse("logout"))
    assert response.status_code == 302
    assert member.client.get(DIRECTORY).status_code == 302


def test_pages_use_no_inline_scripts_and_no_cdn(member, other_member):
    body = member.client.get(DIRECTORY).content.decode()
    assert "<script>" not in body
    assert "/static/vendor/htmx/htmx.min.js" in body
    assert 'src="http' not in body
    assert 'href="http' not in body


def test_password_reset_sends_a_link_by_email(stranger, member, mailoutbox):
    response = stranger.client.post(reverse("password_reset"), {"email": member.user.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/reset/" in mailoutbox[0].body
    page = stranger.client.get(response.url)
    assert b"Check your email" in page.content


def test_profile_offers_to_find_a_path_to_the_person_but_not_to_myself(member, other_member):
    reach = reverse(
        "people:path_search_create", kwargs={"public_id": other_member.person.public_id}
    )
    assert reach in member.client.get(profile_url(other_member.person)).content.decode()
    own = member.client.get(profile_url(member.person)).content.decode()
    assert "How can I reach" not in own
