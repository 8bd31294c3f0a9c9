"""'My profile': profile fields, causes and privacy settings, and creating a profile."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from causes.models import Interest
from people.models import AuditEvent, Person, Visibility
from tests.factories import CauseFactory, InterestFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

ME = reverse("people:me")
PRIVACY = reverse("people:me_privacy")
CAUSES = reverse("people:me_causes")


@pytest.fixture(autouse=True)
def _plain_http(settings):
    # Production defaults redirect http to https; the test client speaks plain http.
    settings.SECURE_SSL_REDIRECT = False


def profile_data(person: Person, **changes: Any) -> dict[str, Any]:
    data = {
        "display_name": person.display_name,
        "pronouns": person.pronouns,
        "headline": person.headline,
        "bio": person.bio,
        "city": person.city,
        "neighbourhood": person.neighbourhood,
        "sector": person.sector,
        "skills": ", ".join(person.skills),
        "email": person.email,
        "phone": person.phone,
    }
    data.update(changes)
    return data


def privacy_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "visibility": Visibility.LISTED,
        "open_to_introductions": "on",
        "open_to_groups": "on",
        "monthly_intro_capacity": 5,
        "email_notifications": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def causes_data(rows: list[dict[str, Any]], initial: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {
        "interests-TOTAL_FORMS": len(rows),
        "interests-INITIAL_FORMS": initial,
        "interests-MIN_NUM_FORMS": 0,
        "interests-MAX_NUM_FORMS": 1000,
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"interests-{i}-{key}"] = value
    return data


def test_my_profile_page_shows_my_forms(member):
    response = member.client.get(ME)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Save my profile" in body and "Save my causes" in body and "Save my privacy" in body
    assert member.person.email in body


def test_member_updates_their_profile_and_is_redirected_with_a_message(member):
    # when
    response = member.client.post(
        ME,
        profile_data(member.person, headline="Tenant organizer", skills="Spanish, grant writing"),
        follow=True,
    )

    # then
    assert response.redirect_chain == [(ME, 302)]
    assert b"Your profile is saved." in response.content
    member.person.refresh_from_db()
    assert member.person.headline == "Tenant organizer"
    assert member.person.skills == ["Spanish", "grant writing"]
    assert member.person.consent_given_at is not None


def test_a_ten_thousand_character_bio_is_a_form_error(member):
    response = member.client.post(ME, profile_data(member.person, bio="x" * 10_000))
    assert response.status_code == 200
    assert b"Ensure this value has at most 4000 characters" in response.content
    member.person.refresh_from_db()
    assert member.person.bio == ""


def test_an_empty_name_and_bad_email_are_form_errors(member):
    response = member.client.post(
        ME, profile_data(member.person, display_name="", email="not-an-email")
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "This field is required." in body
    assert "Enter a valid email address." in body
    # The page header still shows the saved name, not the rejected one.
    assert "Mina Member" in body


def test_an_unknown_sector_is_a_form_error(member):
    response = member.client.post(ME, profile_data(member.person, sector="pirate"))
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content


def test_member_adds_changes_and_removes_causes(member):
    # given
    food = CauseFactory(name="Food security")
    housing = CauseFactory(name="Housing")

    # when: add a cause
    response = member.client.post(
        CAUSES,
        causes_data([{"cause": food.pk, "passion": 4, "offers": "Kitchen", "needs": "Vans"}]),
    )

    # then
    assert response.status_code == 302
    interest = Interest.objects.get(person=member.person)
    assert (interest.cause, interest.passion, interest.offers) == (food, 4, "Kitchen")

    # when: change it to another cause, then remove it
    member.client.post(
        CAUSES,
        causes_data(
            [{"cause": housing.pk, "original_cause": food.pk, "passion": 5}, {"passion": 3}],
            initial=1,
        ),
    )
    assert list(Interest.objects.filter(person=member.person).values_list("cause", "passion")) == [
        (housing.pk, 5)
    ]
    member.client.post(
        CAUSES,
        causes_data(
            [{"cause": housing.pk, "original_cause": housing.pk, "passion": 5, "DELETE": "on"}],
            initial=1,
        ),
    )
    assert not Interest.objects.filter(person=member.person).exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"passion": 0}, "Select a valid choice"),
        ({"passion": 9}, "Select a valid choice"),
        ({"cause": 999_999}, "Select a valid choice"),
        ({"offers": "x" * 301}, "at most 300 characters"),
    ],
)
def test_bad_cause_input_is_a_form_error_and_saves_nothing(member, row, message):
    food = CauseFactory(name="Food security")
    data = {"cause": food.pk, "passion": 3, **row}
    response = member.client.post(CAUSES, causes_data([data]))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Interest.objects.filter(person=member.person).exists()


def test_the_same_cause_twice_is_a_form_error(member):
    food = CauseFactory(name="Food security")
    response = member.client.post(
        CAUSES, causes_data([{"cause": food.pk, "passion": 3}, {"cause": food.pk, "passion": 4}])
    )
    assert response.status_code == 200
    assert b"twice" in response.content
    assert not Interest.objects.filter(person=member.person).exists()


def test_member_changes_privacy_settings(member, other_member):
    # when
    response = member.client.post(
        PRIVACY,
        privacy_data(
            visibility=Visibility.HIDDEN,
            open_to_introductions=None,
            do_not_contact="on",
            monthly_intro_capacity=2,
            do_not_introduce=[other_member.person.pk],
        ),
        follow=True,
    )

    # then
    assert b"Your privacy settings are saved." in response.content
    member.person.refresh_from_db()
    assert member.person.visibility == Visibility.HIDDEN
    assert member.person.open_to_introductions is False
    assert member.person.do_not_contact is True
    assert member.person.monthly_intro_capacity == 2
    assert list(member.person.do_not_introduce.all()) == [other_member.person]
    assert not AuditEvent.objects.exists()  # a person's own changes are not audited


def test_privacy_page_explains_each_visibility_choice(member):
    body = member.client.get(ME).content.decode()
    assert "Organizers cannot override this." in body
    assert "only organizers (network weavers) see your profile" in body


def test_an_intro_capacity_out_of_range_is_a_form_error(member):
    response = member.client.post(PRIVACY, privacy_data(monthly_intro_capacity=1000))
    assert response.status_code == 200
    assert b"less than or equal to 100" in response.content


def test_a_hidden_person_cannot_be_picked_or_named_in_the_block_list(member, hidden_member):
    body = member.client.get(ME).content.decode()
    assert "Hana Hidden" not in body
    response = member.client.post(PRIVACY, privacy_data(do_not_introduce=[hidden_member.person.pk]))
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content


def test_a_blocked_person_who_became_hidden_stays_blocked_after_saving(member):
    blocked = PersonFactory(display_name="Bea Blocked")
    member.person.do_not_introduce.add(blocked)
    blocked.visibility = Visibility.HIDDEN
    blocked.save()
    member.client.post(PRIVACY, privacy_data())
    assert list(member.person.do_not_introduce.all()) == [blocked]


def test_user_without_a_profile_creates_one_that_starts_organizers_only():
    # given
    user = UserFactory(username="newbie")
    client = Client()
    client.force_login(user)

    # when
    page = client.get(ME)
    response = client.post(ME, {"display_name": "Nora New", "sector": "", "skills": ""})

    # then
    assert b"Create my profile" in page.content
    assert response.status_code == 302
    person = Person.objects.get(user__username="newbie")
    assert person.display_name == "Nora New"
    assert person.visibility == Visibility.ORGANIZERS
    assert person.consent_given_at is not None


def test_user_without_a_profile_is_asked_to_create_one_before_recording_ties(member):
    user = UserFactory(username="newbie")
    client = Client()
    client.force_login(user)
    response = client.get(reverse("people:me_ties"))
    assert response.status_code == 302
    assert response.url == ME


def test_my_interests_show_on_my_profile_forms(member):
    InterestFactory(person=member.person, cause=CauseFactory(name="Urban farming"), passion=2)
    body = member.client.get(ME).content.decode()
    assert "Urban farming" in body
