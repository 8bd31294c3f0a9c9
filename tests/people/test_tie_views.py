"""'People I know': recording a tie and answering my side of one."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from people.models import Provenance, SideStatus, Tie, TieKind
from tests.factories import PersonFactory, make_tie

pytestmark = pytest.mark.django_db

ME_TIES = reverse("people:me_ties")


@pytest.fixture(autouse=True)
def _plain_http(settings):
    # Production defaults redirect http to https; the test client speaks plain http.
    settings.SECURE_SSL_REDIRECT = False


def record_url(person) -> str:
    return reverse("people:record_tie", kwargs={"public_id": person.public_id})


def side_url(tie: Tie) -> str:
    return reverse("people:tie_side", kwargs={"tie_id": tie.public_id})


def side_data(tie: Tie, **values: Any) -> dict[str, Any]:
    data = {"strength": "3", "status": SideStatus.CONFIRMED, "allows_introductions": "yes"}
    data.update(values)
    prefix = f"tie-{tie.public_id}-"
    return {prefix + key: value for key, value in data.items() if value is not None}


def record_data(**values: Any) -> dict[str, Any]:
    data = {
        "strength": "4",
        "kind": TieKind.COLLABORATOR,
        "context": "Food co-op board",
        "since": "2021-05-01",
        "allows_introductions": "on",
        "visible_to_members": "on",
    }
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}


def test_member_records_a_tie_and_is_redirected_to_people_i_know(member, other_member):
    # when
    response = member.client.post(record_url(other_member.person), record_data(), follow=True)

    # then
    assert response.redirect_chain == [(ME_TIES, 302)]
    assert b"You recorded that you know Omar Other." in response.content
    assert b"Omar Other" in response.content
    tie = Tie.objects.between(member.person, other_member.person).get()
    side = tie.side_of(member.person)
    assert tie.strength_of(side) == 4
    assert tie.status_of(side) == SideStatus.CONFIRMED
    assert tie.status_of("b" if side == "a" else "a") == SideStatus.UNANSWERED
    assert tie.kind == TieKind.COLLABORATOR
    assert tie.provenance == Provenance.SELF_REPORTED


def test_record_tie_form_shows_for_a_visible_person(member, other_member):
    response = member.client.get(record_url(other_member.person))
    assert response.status_code == 200
    assert b"I know Omar Other" in response.content


def test_member_cannot_record_a_tie_with_themself(member):
    response = member.client.post(record_url(member.person), record_data())
    assert response.status_code == 200
    assert b"you cannot record one with yourself" in response.content
    assert not Tie.objects.exists()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"strength": "9"}, "Select a valid choice"),
        ({"strength": None}, "This field is required"),
        ({"kind": "enemy"}, "Select a valid choice"),
        ({"since": "2999-01-01"}, "This date is in the future"),
        ({"since": "yesterday-ish"}, "Enter a valid date"),
        ({"context": "x" * 500}, "at most 240 characters"),
    ],
)
def test_bad_tie_input_is_a_form_error_and_saves_nothing(member, other_member, values, message):
    response = member.client.post(record_url(other_member.person), record_data(**values))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Tie.objects.exists()


def test_member_cannot_record_a_tie_with_someone_they_cannot_see(
    member, hidden_member, organizers_only_person
):
    for person in (hidden_member.person, organizers_only_person):
        assert member.client.get(record_url(person)).status_code == 404
        assert member.client.post(record_url(person), record_data()).status_code == 404
    assert not Tie.objects.exists()


def test_recording_an_existing_tie_updates_my_side(member, other_member):
    tie = make_tie(member.person, other_member.person, strength=2)
    member.client.post(record_url(other_member.person), record_data(strength="5"))
    tie.refresh_from_db()
    assert tie.strength_of(tie.side_of(member.person)) == 5
    assert Tie.objects.count() == 1


def test_people_i_know_lists_ties_others_recorded_about_me(member, other_member):
    # given: an organizer-recorded tie the member has not answered
    tie = make_tie(member.person, other_member.person, status=SideStatus.UNANSWERED, allows=None)
    tie.provenance = Provenance.ORGANIZER
    tie.save()

    # when
    body = member.client.get(ME_TIES).content.decode()

    # then
    assert "Omar Other" in body
    assert "Recorded by an organizer" in body
    assert "Not answered yet" in body
    assert side_url(tie) in body


def test_people_i_know_never_names_a_hidden_person(member, hidden_member):
    make_tie(member.person, hidden_member.person)
    body = member.client.get(ME_TIES).content.decode()
    assert "Hana Hidden" not in body
    assert "Someone with a hidden profile" in body


def test_member_confirms_rates_and_disputes_their_side(member, other_member):
    # given
    tie = make_tie(member.person, other_member.person, status=SideStatus.UNANSWERED, allows=None)
    side = tie.side_of(member.person)
    other_side = "b" if side == "a" else "a"

    # when: confirm and rate 5, forbid introductions
    response = member.client.post(
        side_url(tie), side_data(tie, strength="5", allows_introductions="no"), follow=True
    )

    # then
    assert response.redirect_chain == [(ME_TIES, 302)]
    assert b"Your side of the tie is saved." in response.content
    tie.refresh_from_db()
    assert tie.strength_of(side) == 5
    assert tie.status_of(side) == SideStatus.CONFIRMED
    assert tie.allows_introductions_of(side) is False
    assert tie.visible_to_members_of(side) is False  # unticked checkbox
    assert tie.status_of(other_side) == SideStatus.UNANSWERED  # the other side is untouched

    # when: dispute, unrated, introductions not answered
    member.client.post(
        side_url(tie),
        side_data(tie, strength="", status=SideStatus.DISPUTED, allows_introductions=""),
    )
    tie.refresh_from_db()
    assert tie.status_of(side) == SideStatus.DISPUTED
    assert tie.strength_of(side) is None
    assert tie.allows_introductions_of(side) is None


def test_a_bad_side_rating_is_a_form_error(member, other_member):
    tie = make_tie(member.person, other_member.person, strength=3)
    response = member.client.post(side_url(tie), side_data(tie, strength="9"))
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    tie.refresh_from_db()
    assert tie.strength_of(tie.side_of(member.person)) == 3


def test_member_cannot_change_a_side_of_someone_elses_tie(member, other_member):
    tie = make_tie(other_member.person, PersonFactory(display_name="Tess Third"), strength=3)
    response = member.client.post(side_url(tie), side_data(tie, strength="1"))
    assert response.status_code == 404
    tie.refresh_from_db()
    assert (tie.a_strength, tie.b_strength) == (3, 3)


def test_organizer_cannot_override_a_members_side(organizer, member, other_member):
    tie = make_tie(member.person, other_member.person, strength=3)
    response = organizer.client.post(side_url(tie), side_data(tie, strength="1"))
    assert response.status_code == 404
    tie.refresh_from_db()
    assert (tie.a_strength, tie.b_strength) == (3, 3)


def test_tie_side_only_accepts_post(member, other_member):
    tie = make_tie(member.person, other_member.person)
    assert member.client.get(side_url(tie)).status_code == 405


def test_htmx_side_update_returns_just_the_form(member, other_member):
    tie = make_tie(member.person, other_member.person, strength=3)
    response = member.client.post(
        side_url(tie), side_data(tie, strength="2"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert "Saved." in body
    tie.refresh_from_db()
    assert tie.strength_of(tie.side_of(member.person)) == 2


def test_search_on_people_i_know_finds_visible_people_only(
    member, other_member, hidden_member, organizers_only_person
):
    body = member.client.get(ME_TIES, {"q": "O"}).content.decode()
    assert "Omar Other" in body
    assert record_url(other_member.person) in body
    assert "Otto Organizers-Only" not in body
    assert "Hana Hidden" not in body


def test_profile_offers_i_know_this_person_and_links_to_the_form(member, other_member):
    url = reverse("people:profile", kwargs={"public_id": other_member.person.public_id})
    body = member.client.get(url).content.decode()
    assert record_url(other_member.person) in body


def test_people_i_know_query_count_does_not_grow_with_the_ties(
    member, django_assert_max_num_queries
):
    for n in range(25):
        make_tie(member.person, PersonFactory(display_name=f"Known {n:02d}"))
    member.client.get(ME_TIES)
    with django_assert_max_num_queries(10):
        response = member.client.get(ME_TIES)
    assert response.content.decode().count('class="tie"') == 25


def test_a_profile_lists_ties_strongest_first_thirty_a_page(member):
    hub = PersonFactory(display_name="Hana Hub")
    for i in range(33):
        make_tie(hub, PersonFactory(display_name=f"Contact {i:02d}"), strength=1 + i % 4)
    strongest = PersonFactory(display_name="Zed Strongest")
    make_tie(hub, strongest, strength=5)
    url = reverse("people:profile", args=[hub.public_id])

    first = member.client.get(url)
    second = member.client.get(url, {"ties_page": 2})

    page1, page2 = first.content.decode(), second.content.decode()
    assert "Knows <small>(34)</small>" in page1
    assert page1.index("Zed Strongest") < page1.index("Contact 03")  # 5 before 4
    assert "Ties 1\u201330 of 34" in page1 and "More ties" in page1
    assert "Ties 31\u201334 of 34" in page2
    shown = [f"Contact {i:02d}" for i in range(33)] + ["Zed Strongest"]
    assert all((name in page1) != (name in page2) for name in shown)  # each on one page
    weakest = [f"Contact {i:02d}" for i in range(33) if i % 4 == 0]  # strength 1
    assert sum(name in page2 for name in weakest) == 4  # the last page holds the weakest
