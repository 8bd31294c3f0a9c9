"""The organizers' audit log page: who may read it, what it shows, what it never reveals."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from network_app.apikeys.services import api_key_create
from people.models import AuditEvent, Person, Tie
from people.services import audit_record, person_update, snapshot
from tests.factories import PersonFactory, make_tie

pytestmark = pytest.mark.django_db
URL = reverse("dashboard:audit")


def _page(client: Any, **query: Any) -> str:
    response = client.get(URL, query)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- who may read it -------------------------------------------------------------------------


def test_a_stranger_is_sent_to_log_in(stranger: Any) -> None:
    response = stranger.client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("persona", ["member", "other_member", "hidden_member"])
def test_members_are_refused(persona: str, request: pytest.FixtureRequest, admin_user: Any) -> None:
    who = request.getfixturevalue(persona)
    person_update(by=admin_user.user, person=who.person, data={"headline": "Secret change"})
    response = who.client.get(URL)
    assert response.status_code == 403
    assert b"Secret change" not in response.content


@pytest.mark.parametrize("persona", ["organizer", "admin_user"])
def test_organizers_and_admins_read_the_log(persona: str, request: pytest.FixtureRequest) -> None:
    who = request.getfixturevalue(persona)
    api_key_create(by=who.user, name="CRM sync", scopes=["people:read"])
    page = _page(who.client)
    assert "api_key.create" in page and "CRM sync" in page


# --- what it shows ---------------------------------------------------------------------------


def test_events_show_newest_first_with_before_and_after(
    admin_user: Any, organizer: Any, member: Any
) -> None:
    # given: two changes to the member, one after the other
    person_update(by=admin_user.user, person=member.person, data={"headline": "Baker"})
    person_update(by=admin_user.user, person=member.person, data={"headline": "Pastry chef"})
    # when
    page = _page(organizer.client)
    # then: the later change comes first, each with before -> after in words
    later = page.index("Baker → Pastry chef")
    earlier = page.index("→ Baker")
    assert later < earlier
    assert "Mina Member" in page and "ada" in page and "Web pages" in page


def test_the_log_is_paginated(admin_user: Any, organizer: Any, member: Any) -> None:
    for n in range(55):
        audit_record(
            actor=admin_user.user, action="person.update", obj=member.person, after={"n": n}
        )
    first = _page(organizer.client)
    assert "55 events" in first and "Page 1 of 2" in first
    second = _page(organizer.client, page=2)
    assert second.count("<tr>") - 1 == 5  # five rows (plus the header row)


def test_filters_by_channel_action_actor_and_object(
    admin_user: Any, organizer: Any, member: Any, other_member: Any
) -> None:
    # given: an admin change, an API-channel change and an organizer's key
    person_update(by=admin_user.user, person=member.person, data={"headline": "Admin edit"})
    person_update(
        by=admin_user.user,
        person=other_member.person,
        data={"headline": "Partner edit"},
        channel=AuditEvent.Channel.API,
    )
    api_key_create(by=organizer.user, name="Mailer", scopes=["people:read"])

    def shown(**query: Any) -> set[str]:
        page = _page(organizer.client, **query)
        return {t for t in ("Admin edit", "Partner edit", "Mailer") if t in page}

    assert shown() == {"Admin edit", "Partner edit", "Mailer"}
    assert shown(channel="api") == {"Partner edit"}
    assert shown(action="api_key.create") == {"Mailer"}
    assert shown(actor=organizer.user.pk) == {"Mailer"}
    assert shown(actor=admin_user.user.pk) == {"Admin edit", "Partner edit"}
    assert shown(object_type="person", object_id=str(member.person.public_id)) == {"Admin edit"}


@pytest.mark.parametrize(
    "query",
    [
        {"channel": "nope"},
        {"action": "<script>"},
        {"actor": "x"},
        {"object_type": "' OR 1=1"},
        {"object_id": "a\x00b"},
        {"object_id": "x" * 65},
    ],
)
def test_a_bad_filter_answers_400_not_500(organizer: Any, query: dict[str, str]) -> None:
    assert organizer.client.get(URL, query).status_code == 400


def test_a_page_number_out_of_range_shows_the_last_page(organizer: Any) -> None:
    assert organizer.client.get(URL, {"page": "999999999"}).status_code == 200
    assert organizer.client.get(URL, {"page": "abc"}).status_code == 200


def test_the_dashboard_links_to_the_log(organizer: Any) -> None:
    page = organizer.client.get(reverse("dashboard:table")).content.decode()
    assert f'href="{URL}"' in page


def test_the_actor_filter_offers_only_organizers_and_admins(
    organizer: Any, member: Any, admin_user: Any
) -> None:
    page = _page(organizer.client)
    assert ">olga<" in page and ">ada<" in page and ">mina<" not in page


# --- privacy ---------------------------------------------------------------------------------


def test_events_about_a_hidden_person_are_masked(
    admin_user: Any, organizer: Any, hidden_member: Any
) -> None:
    # given: an admin changed the hidden member's headline
    person_update(by=admin_user.user, person=hidden_member.person, data={"headline": "Nurse"})
    # when
    page = _page(organizer.client)
    # then: the event is there, but names no one and shows nothing about them
    assert "person.update" in page and "a hidden person" in page and "details hidden" in page
    assert "Hana" not in page and "Nurse" not in page
    assert str(hidden_member.person.public_id) not in page


def test_a_person_who_hides_later_is_masked_in_earlier_events(
    admin_user: Any, organizer: Any, member: Any
) -> None:
    person_update(by=admin_user.user, person=member.person, data={"headline": "Baker"})
    Person.objects.filter(pk=member.person.pk).update(visibility="hidden")
    page = _page(organizer.client)
    assert "Mina" not in page and "Baker" not in page and "a hidden person" in page


def test_ties_with_a_hidden_person_are_masked_even_after_deletion(
    admin_user: Any, organizer: Any, member: Any, hidden_member: Any, other_member: Any
) -> None:
    from people.services import TIE_AUDITED_FIELDS

    hidden_tie = make_tie(member.person, hidden_member.person, context="Night shift")
    open_tie = make_tie(member.person, other_member.person, context="Choir")
    for tie in (hidden_tie, open_tie):
        audit_record(
            actor=admin_user.user,
            action="tie.update",
            obj=tie,
            before={"context": ""},
            after=snapshot(tie, TIE_AUDITED_FIELDS),
        )
    # the admin deletes the hidden tie (the admin's event keeps the pair's ids)
    audit_record(
        actor=admin_user.user,
        action="tie.delete",
        obj=hidden_tie,
        before={"person_a_id": hidden_tie.person_a_id, "person_b_id": hidden_tie.person_b_id},
    )
    Tie.objects.filter(pk=hidden_tie.pk).delete()
    page = _page(organizer.client)
    assert "Night shift" not in page and "Hana" not in page
    assert page.count("tie between a hidden persons") == 2
    assert "tie between Mina Member and Omar Other" in page and "Choir" in page


def test_people_named_inside_values_are_masked_when_hidden(
    admin_user: Any, organizer: Any, member: Any, hidden_member: Any, other_member: Any
) -> None:
    audit_record(
        actor=admin_user.user,
        action="person.do_not_introduce",
        obj=member.person,
        before={"do_not_introduce": []},
        after={
            "do_not_introduce": [
                str(hidden_member.person.public_id),
                str(other_member.person.public_id),
            ]
        },
    )
    page = _page(organizer.client)
    assert "a hidden person, Omar Other" in page
    assert "Hana" not in page and str(hidden_member.person.public_id) not in page


def test_contact_details_are_never_shown_in_the_log(
    admin_user: Any, organizer: Any, member: Any
) -> None:
    person_update(
        by=admin_user.user,
        person=member.person,
        data={"email": "mina.new@example.org", "phone": "+44 20 7946 0000"},
    )
    for who in (organizer, admin_user):
        page = _page(who.client)
        assert "mina.new@example.org" not in page and "7946" not in page
        assert "contact detail, not shown" in page


def test_a_hidden_member_who_acted_is_not_named(
    organizer: Any, hidden_member: Any, member: Any
) -> None:
    # A hidden member's own action that was audited (an API key is always audited).
    audit_record(actor=hidden_member.user, action="group.respond", obj=member.person)
    page = _page(organizer.client)
    assert "hana" not in page.lower()


def test_an_erased_persons_events_stay_masked(admin_user: Any, organizer: Any) -> None:
    gone = PersonFactory(display_name="Gina Gone")
    person_update(by=admin_user.user, person=gone, data={"headline": "Teacher"})
    from django.db import transaction

    from network_app.exchange.personal import _person_delete

    with transaction.atomic():
        _person_delete(gone)
    page = _page(organizer.client)
    assert "person.update" in page and "Gina" not in page and "Teacher" not in page


def test_the_page_runs_a_bounded_number_of_queries(
    admin_user: Any,
    organizer: Any,
    member: Any,
    other_member: Any,
    django_assert_max_num_queries: Any,
) -> None:
    def add(n: int) -> None:
        for i in range(n):
            person = PersonFactory()
            person_update(by=admin_user.user, person=person, data={"headline": f"h{i}"})
            tie = make_tie(member.person, person)
            audit_record(
                actor=admin_user.user, action="tie.update", obj=tie, after={"context": "x"}
            )

    add(3)
    with django_assert_max_num_queries(20) as small:
        _page(organizer.client)
    add(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        _page(organizer.client)
