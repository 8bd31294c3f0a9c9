"""Admin curation: pages load for admins only, changes are audited, ties keep their rules, the
audit log is read-only, duplicates merge through a confirmation page, and the person list stays
within a fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse

from causes.models import Interest
from people.models import AuditEvent, GraphChange, Person, ReviewStatus, SideStatus, Tie
from tests.factories import (
    AffiliationFactory,
    CauseFactory,
    InterestFactory,
    OrganizationFactory,
    PersonFactory,
    make_tie,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:people_person_changelist")


# --- Helpers ---------------------------------------------------------------------------------


def _field_data(bound: Any) -> dict[str, Any]:
    """The POST data a browser would send for one bound field, unchanged."""
    widget = bound.field.widget
    widget = getattr(widget, "widget", widget)  # unwrap RelatedFieldWidgetWrapper
    value = bound.value()
    name = bound.html_name
    if isinstance(widget, forms.MultiWidget):
        parts = widget.decompress(value)
        return {f"{name}_{i}": "" if part is None else str(part) for i, part in enumerate(parts)}
    if isinstance(widget, forms.CheckboxInput):
        return {name: "on"} if value else {}
    if isinstance(widget, forms.NullBooleanSelect):
        return {name: {True: "true", False: "false"}.get(value, "unknown")}
    if isinstance(value, list | tuple):
        return {name: [str(v) for v in value]}
    return {name: "" if value is None else str(value)}


def change_form_data(response) -> dict[str, Any]:
    """Everything the admin change page would post back if saved without edits."""
    data: dict[str, Any] = {}
    for bound in response.context["adminform"].form:
        data.update(_field_data(bound))
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for bound in formset.management_form:
            data.update(_field_data(bound))
        for form in formset.forms:
            for bound in form:
                data.update(_field_data(bound))
    return data


def add_inline_row(data: dict[str, Any], prefix: str, **fields: Any) -> None:
    """Append one new row to an inline formset in ``data``."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    for name, value in fields.items():
        data[f"{prefix}-{index}-{name}"] = str(value)
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def merge_post(ids: list[int], **extra: Any) -> dict[str, Any]:
    return {"action": "merge_selected", ACTION_CHECKBOX_NAME: [str(i) for i in ids], **extra}


@pytest.fixture
def network() -> dict[str, Any]:
    """A small curated network: people with affiliations, interests and ties both ways."""
    cy = PersonFactory(display_name="Cy Chen")  # the lowest id: Ana is person_b of their tie
    ana = PersonFactory(display_name="Ana Alvarez", phone="555-0101")
    ben = PersonFactory(display_name="Ben Brooks")
    coop = OrganizationFactory(name="Riverside Food Co-op")
    AffiliationFactory(person=ana, organization=coop, role="Board")
    housing = CauseFactory(name="Affordable housing")
    CauseFactory(name="Tenant rights", parent=housing)
    InterestFactory(person=ana, cause=housing, passion=5)
    make_tie(ana, ben, strength=4)
    make_tie(cy, ana, strength=2)
    AuditEvent.objects.create(action="person.update", object_type="person", object_id="x")
    return {"ana": ana, "ben": ben, "cy": cy, "coop": coop, "housing": housing}


# --- Pages load for admins, and only for admins ----------------------------------------------


ADMIN_MODELS = [
    ("people", "person"),
    ("people", "organization"),
    ("people", "affiliation"),
    ("people", "tie"),
    ("people", "auditevent"),
    ("causes", "cause"),
    ("causes", "interest"),
]


@pytest.mark.parametrize(("app", "model"), ADMIN_MODELS)
def test_admin_changelist_and_change_pages_load_with_data(admin_user, network, app, model):
    client = admin_user.client
    changelist = client.get(reverse(f"admin:{app}_{model}_changelist"))
    assert changelist.status_code == 200
    first = changelist.context["cl"].result_list[0]
    change = client.get(reverse(f"admin:{app}_{model}_change", args=[first.pk]))
    assert change.status_code == 200


@pytest.mark.parametrize(("app", "model"), [m for m in ADMIN_MODELS if m[1] != "auditevent"])
def test_admin_add_pages_load(admin_user, app, model):
    assert admin_user.client.get(reverse(f"admin:{app}_{model}_add")).status_code == 200


def test_person_page_shows_affiliations_interests_and_ties_in_both_directions(admin_user, network):
    response = admin_user.client.get(
        reverse("admin:people_person_change", args=[network["ana"].pk])
    )
    page = response.content.decode()
    assert "Riverside Food Co-op" in page
    assert "Affordable housing" in page
    assert "Ben Brooks" in page  # Ana is person_a of this tie
    assert "Cy Chen" in page  # and person_b of this one
    prefixes = {i.formset.prefix for i in response.context["inline_admin_formsets"]}
    assert {"affiliations", "interests", "ties_as_a", "ties_as_b"} <= prefixes


def test_person_search_and_filters_work(admin_user, network):
    found = admin_user.client.get(CHANGELIST, {"q": "Alvarez"})
    assert [p.display_name for p in found.context["cl"].result_list] == ["Ana Alvarez"]
    filtered = admin_user.client.get(CHANGELIST, {"review_status__exact": "needs_attention"})
    assert list(filtered.context["cl"].result_list) == []


def test_cause_list_shows_how_many_people_care(admin_user, network):
    response = admin_user.client.get(reverse("admin:causes_cause_changelist"))
    counts = {c.name: c.interest_count for c in response.context["cl"].result_list}
    assert counts == {"Affordable housing": 1, "Tenant rights": 0}


@pytest.mark.parametrize("persona", ["member", "organizer", "stranger"])
def test_people_who_are_not_staff_are_sent_to_the_admin_login(request, persona, network):
    client = request.getfixturevalue(persona).client
    for url in (
        reverse("admin:index"),
        CHANGELIST,
        reverse("admin:people_person_change", args=[network["ana"].pk]),
        reverse("admin:people_auditevent_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_organizer_cannot_merge_through_the_admin(organizer, network):
    response = organizer.client.post(
        CHANGELIST, merge_post([network["ana"].pk, network["ben"].pk], keep="x", confirm="1")
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert Person.objects.filter(pk=network["ben"].pk).exists()


# --- The audit log is read-only --------------------------------------------------------------


def test_audit_log_cannot_be_added_changed_or_deleted_even_by_a_superuser(admin_user, network):
    client = admin_user.client
    event = AuditEvent.objects.get()
    assert client.get(reverse("admin:people_auditevent_add")).status_code == 403
    change = client.post(
        reverse("admin:people_auditevent_change", args=[event.pk]), {"action": "forged"}
    )
    assert change.status_code == 403
    delete = client.post(
        reverse("admin:people_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    changelist = client.get(reverse("admin:people_auditevent_changelist"))
    assert "delete_selected" not in changelist.content.decode()
    event.refresh_from_db()
    assert event.action == "person.update"


# --- Admin changes are audited ---------------------------------------------------------------


def test_admin_change_to_a_person_writes_an_audit_event_with_before_and_after(admin_user, network):
    # given
    ana = network["ana"]
    url = reverse("admin:people_person_change", args=[ana.pk])
    data = change_form_data(admin_user.client.get(url))
    data["headline"] = "Co-op board chair"
    data["visibility"] = "hidden"
    # when
    response = admin_user.client.post(url, data)
    # then
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.get(action="person.update", object_id=str(ana.public_id))
    assert event.channel == AuditEvent.Channel.ADMIN
    assert event.actor == admin_user.user
    assert event.before == {"headline": "Neighbourhood organizer", "visibility": "listed"}
    assert event.after == {"headline": "Co-op board chair", "visibility": "hidden"}


def test_saving_a_person_without_changes_writes_no_audit_event(admin_user, network):
    url = reverse("admin:people_person_change", args=[network["ana"].pk])
    data = change_form_data(admin_user.client.get(url))
    response = admin_user.client.post(url, data)
    assert response.status_code == 302
    # Opening the page is logged as a read of contact details (issue 9), not as a change.
    changes = AuditEvent.objects.filter(actor=admin_user.user)
    assert not changes.exclude(action="person.contact_viewed").exists()


def test_adding_a_tie_on_a_person_page_stores_it_in_order_and_audits_it(admin_user, network):
    # given: Ben has a higher id than Cy, so a tie added on Ben's page is stored (Cy, Ben)
    ben, cy = network["ben"], network["cy"]
    url = reverse("admin:people_person_change", args=[ben.pk])
    data = change_form_data(admin_user.client.get(url))
    add_inline_row(
        data,
        "ties_as_a",
        person_b=cy.pk,
        kind="neighbour",
        context="Same street",
        a_strength=5,
        a_status="confirmed",
        b_strength=2,
        b_status="unanswered",
    )
    # when
    response = admin_user.client.post(url, data)
    # then: Ben's answers stayed on Ben's side
    assert response.status_code == 302
    tie = Tie.objects.between(ben, cy).get()
    assert (tie.person_a_id, tie.person_b_id) == (cy.pk, ben.pk)
    assert (tie.b_strength, tie.b_status) == (5, SideStatus.CONFIRMED)
    assert (tie.a_strength, tie.a_status) == (2, SideStatus.UNANSWERED)
    assert tie.recorded_by == admin_user.user
    assert AuditEvent.objects.filter(action="tie.create", object_id=str(tie.public_id)).exists()


def test_editing_a_tie_where_the_person_is_second_changes_their_own_side(admin_user, network):
    # given: the tie is stored (Cy, Ana), so it shows under Ana's "more ties"
    ana, cy = network["ana"], network["cy"]
    url = reverse("admin:people_person_change", args=[ana.pk])
    page = admin_user.client.get(url)
    assert f'href="{reverse("admin:people_person_change", args=[cy.pk])}">Cy Chen' in (
        page.content.decode()
    )
    data = change_form_data(page)
    # when: "this person's strength" on that row is set
    data["ties_as_b-0-b_strength"] = "5"
    response = admin_user.client.post(url, data)
    # then
    assert response.status_code == 302
    tie = Tie.objects.between(ana, cy).get()
    assert (tie.a_strength, tie.b_strength) == (2, 5)
    assert AuditEvent.objects.get(action="tie.update").after == {"b_strength": 5}


def test_a_tie_added_twice_on_a_person_page_is_a_form_error(admin_user, network):
    ana, ben = network["ana"], network["ben"]
    url = reverse("admin:people_person_change", args=[ben.pk])
    data = change_form_data(admin_user.client.get(url))
    add_inline_row(
        data,
        "ties_as_a",
        person_b=ana.pk,
        kind="friend",
        a_status="unanswered",
        b_status="unanswered",
    )

    response = admin_user.client.post(url, data)

    assert response.status_code == 200
    assert "These two people already have a tie" in response.content.decode()
    assert Tie.objects.count() == 2


def test_a_self_tie_on_a_person_page_is_a_form_error(admin_user, network):
    ana = network["ana"]
    url = reverse("admin:people_person_change", args=[ana.pk])
    data = change_form_data(admin_user.client.get(url))
    add_inline_row(
        data,
        "ties_as_a",
        person_b=ana.pk,
        kind="friend",
        a_status="unanswered",
        b_status="unanswered",
    )

    response = admin_user.client.post(url, data)

    assert response.status_code == 200
    assert "two different people" in response.content.decode()
    assert Tie.objects.count() == 2


def test_admin_change_to_a_tie_is_audited(admin_user, network):
    tie = Tie.objects.between(network["ana"], network["ben"]).get()
    url = reverse("admin:people_tie_change", args=[tie.pk])
    data = change_form_data(admin_user.client.get(url))
    data["a_strength"] = "1"

    response = admin_user.client.post(url, data)

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="tie.update")
    assert event.before == {"a_strength": 4}
    assert event.after == {"a_strength": 1}
    # the path graphs hear about it
    assert GraphChange.objects.filter(
        kind=GraphChange.Kind.TIE, person_id=tie.person_a_id, other_id=tie.person_b_id
    ).exists()


def test_deleting_a_tie_in_the_admin_is_audited(admin_user, network):
    tie = Tie.objects.between(network["ana"], network["ben"]).get()
    response = admin_user.client.post(
        reverse("admin:people_tie_delete", args=[tie.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Tie.objects.filter(pk=tie.pk).exists()
    event = AuditEvent.objects.get(action="tie.delete")
    assert event.before["person_a_id"] == tie.person_a_id


def test_review_actions_set_the_status_and_are_audited(admin_user, network):
    ana, ben = network["ana"], network["ben"]
    response = admin_user.client.post(
        CHANGELIST, {"action": "mark_reviewed", ACTION_CHECKBOX_NAME: [ana.pk, ben.pk]}
    )
    assert response.status_code == 302
    assert set(Person.objects.filter(review_status=ReviewStatus.APPROVED)) == {ana, ben}
    assert AuditEvent.objects.filter(action="person.update", channel="admin").count() == 2

    admin_user.client.post(
        CHANGELIST, {"action": "mark_needs_attention", ACTION_CHECKBOX_NAME: [ana.pk]}
    )
    ana.refresh_from_db()
    assert ana.review_status == ReviewStatus.NEEDS_ATTENTION


# --- Merging duplicates through the admin ----------------------------------------------------


def test_merge_action_shows_a_confirmation_page_then_merges(admin_user, network):
    # given: a duplicate of Ana who knows Ben (shared contact) and Cy's cousin
    ana, ben = network["ana"], network["ben"]
    duplicate = PersonFactory(display_name="Ana Alvarez (dup)", headline="")
    cousin = PersonFactory(display_name="Cousin")
    make_tie(duplicate, ben, strength=5)
    make_tie(duplicate, cousin)
    InterestFactory(person=duplicate, cause=network["housing"], passion=2, offers="Meeting room")
    client = admin_user.client

    # when: the two are selected for the action
    confirm = client.post(CHANGELIST, merge_post([ana.pk, duplicate.pk]))

    # then: a confirmation page with both profiles and their counts
    assert confirm.status_code == 200
    assert "admin/people/person/merge_confirmation.html" in [t.name for t in confirm.templates]
    page = confirm.content.decode()
    assert "Ana Alvarez" in page and "Ana Alvarez (dup)" in page
    cards = {c["person"].pk: c for c in confirm.context["cards"]}
    ana_counts = (cards[ana.pk]["ties"], cards[ana.pk]["interests"], cards[ana.pk]["affiliations"])
    assert ana_counts == (2, 1, 1)
    assert (cards[duplicate.pk]["ties"], cards[duplicate.pk]["interests"]) == (2, 1)
    assert confirm.context["shared_contacts"] == 1
    assert Person.objects.filter(pk=duplicate.pk).exists()  # nothing merged yet

    # when: the admin keeps Ana and confirms
    done = client.post(
        CHANGELIST, merge_post([ana.pk, duplicate.pk], keep=str(ana.public_id), confirm="Merge")
    )

    # then
    assert done.status_code == 302
    assert done["Location"] == reverse("admin:people_person_change", args=[ana.pk])
    assert not Person.objects.filter(pk=duplicate.pk).exists()
    assert {t.other(ana).display_name for t in Tie.objects.involving(ana)} == {
        "Ben Brooks",
        "Cy Chen",
        "Cousin",
    }
    shared = Tie.objects.between(ana, ben).get()
    assert shared.strength_of(shared.side_of(ana)) == 5  # the duplicate's stronger rating
    assert Interest.objects.get(person_id=ana.pk).offers == "Meeting room"
    [message] = messages_of(done)
    assert "Merged Ana Alvarez (dup) into Ana Alvarez" in message
    assert "1 ties moved, 1 merged into existing ties" in message
    assert AuditEvent.objects.filter(action="person.merge", channel="admin").count() == 1


@pytest.mark.parametrize("count", [1, 3])
def test_merge_action_needs_exactly_two_people(admin_user, network, count):
    people = [network["ana"], network["ben"], network["cy"]][:count]

    response = admin_user.client.post(CHANGELIST, merge_post([p.pk for p in people]))

    assert response.status_code == 302
    assert any("Select exactly two people to merge" in m for m in messages_of(response))
    assert Person.objects.count() == 3


def test_merge_without_choosing_whom_to_keep_asks_again(admin_user, network):
    ana, ben = network["ana"], network["ben"]
    response = admin_user.client.post(CHANGELIST, merge_post([ana.pk, ben.pk], confirm="Merge"))
    assert response.status_code == 200
    assert "Choose which of the two profiles to keep." in response.content.decode()
    assert Person.objects.count() == 3


def test_merge_with_a_tampered_selection_does_not_crash(admin_user, network):
    response = admin_user.client.post(
        CHANGELIST, {"action": "merge_selected", ACTION_CHECKBOX_NAME: ["abc", "1; drop"]}
    )
    assert response.status_code in (200, 302)
    assert Person.objects.count() == 3


# --- Scale -----------------------------------------------------------------------------------


def test_person_changelist_runs_a_bounded_number_of_queries(
    admin_user, django_assert_max_num_queries
):
    for i in range(30):
        person = PersonFactory(display_name=f"Person {i:02d}", city="Riverton")
        if i % 3 == 0:
            make_tie(person, PersonFactory())
    with django_assert_max_num_queries(8):
        response = admin_user.client.get(CHANGELIST)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 40  # 30 people and their 10 contacts


def test_tie_changelist_runs_a_bounded_number_of_queries(admin_user, django_assert_max_num_queries):
    for _ in range(30):
        make_tie(PersonFactory(), PersonFactory())
    with django_assert_max_num_queries(8):
        response = admin_user.client.get(reverse("admin:people_tie_changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 30


@pytest.mark.django_db(transaction=True)
def test_two_admins_adding_the_same_tie_at_once_get_a_form_error_not_a_500(admin_user):
    """The race: both forms validate before either row exists. The other admin's tie is
    committed (from another connection) just before this admin's insert, which then breaks the
    unique pair; the admin sees the usual duplicate error with their input kept. PostgreSQL
    only: SQLite's in-memory test database locks whole tables across connections."""
    import threading

    if connection.vendor != "postgresql":
        pytest.skip("needs two concurrent connections (runs in CI's PostgreSQL pass)")

    from django.db.models.signals import pre_save

    ana = PersonFactory(display_name="Ana Alvarez")
    ben = PersonFactory(display_name="Ben Brooks")
    low, high = sorted((ana, ben), key=lambda p: p.pk)
    raced: list[bool] = []

    def other_admin_commits_first(sender: Any, instance: Tie, **kwargs: Any) -> None:
        if raced:  # only once, and not for the other admin's own insert
            return
        raced.append(True)

        def insert() -> None:
            try:
                make_tie(low, high, strength=3)
            finally:
                connection.close()

        worker = threading.Thread(target=insert)
        worker.start()
        worker.join()

    pre_save.connect(other_admin_commits_first, sender=Tie)
    try:
        response = admin_user.client.post(
            reverse("admin:people_tie_add"),
            {
                "person_a": str(low.pk),
                "person_b": str(high.pk),
                "kind": "friend",
                "context": "Met at the tenants' assembly",
                "provenance": "organizer",
                "a_strength": "4",
                "a_status": "unanswered",
                "b_status": "unanswered",
            },
        )
    finally:
        pre_save.disconnect(other_admin_commits_first, sender=Tie)

    assert response.status_code == 200
    page = response.content.decode()
    assert "These two people already have a tie" in page
    assert "Met at the tenants&#x27; assembly" in page
    assert Tie.objects.count() == 1
    assert not AuditEvent.objects.filter(action="tie.create", channel="admin").exists()
