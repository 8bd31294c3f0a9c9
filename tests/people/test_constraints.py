"""Database rules for people, organizations, affiliations and ties.

Each rule is refused three ways with a clear error: by the database (an IntegrityError that
names the constraint), by a ModelForm and the admin add form (a form error, nothing saved), and
by the service (a TieError). Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.forms import modelform_factory
from django.urls import reverse

from people.errors import TieError
from people.models import Affiliation, Organization, Person, Tie
from people.services import tie_record
from tests.factories import (
    AffiliationFactory,
    OrganizationFactory,
    PersonFactory,
    make_tie,
)

pytestmark = pytest.mark.django_db

# SQLite names the columns, not the constraint, when a UNIQUE constraint fails.
SQLITE_UNIQUE_COLUMNS = {
    "tie_unique_pair": "people_tie.person_a_id, people_tie.person_b_id",
    "person_unique_external_id": "people_person.external_source, people_person.external_id",
    "tie_unique_external_id": "people_tie.external_source, people_tie.external_id",
    "organization_unique_external_id": (
        "people_organization.external_source, people_organization.external_id"
    ),
    "affiliation_unique_role": (
        "people_affiliation.person_id, people_affiliation.organization_id, people_affiliation.role"
    ),
}


def assert_names_constraint(error: IntegrityError, name: str) -> None:
    message = str(error)
    if connection.vendor == "sqlite" and name in SQLITE_UNIQUE_COLUMNS:
        assert SQLITE_UNIQUE_COLUMNS[name] in message, message
    else:
        assert name in message, message


def refused_by_database(name: str, create) -> None:
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        create()
    assert_names_constraint(excinfo.value, name)


TieForm = modelform_factory(
    Tie,
    fields=("person_a", "person_b", "kind", "provenance", "a_strength", "a_status", "b_status"),
)


def tie_form_data(one: Person, other: Person, **extra) -> dict:
    return {
        "person_a": one.pk,
        "person_b": other.pk,
        "kind": "colleague",
        "provenance": "organizer",
        "a_status": "unanswered",
        "b_status": "unanswered",
        **extra,
    }


def admin_tie_data(one: Person, other: Person, **extra) -> dict:
    data = {
        **tie_form_data(one, other),
        "context": "",
        "since": "",
        "last_interaction": "",
        "a_strength": "3",
        "b_strength": "3",
        "a_allows_introductions": "unknown",
        "b_allows_introductions": "unknown",
        "external_source": "",
        "external_id": "",
    }
    data.update(extra)
    return data


def form_errors(response) -> list[str]:
    """Every error message the admin form shows (form-wide and per field)."""
    form = response.context["adminform"].form
    return [str(m) for messages in form.errors.values() for m in messages]


# --- The database ----------------------------------------------------------------------------


def test_database_refuses_a_reversed_duplicate_tie():
    one, other = PersonFactory(), PersonFactory()
    make_tie(one, other)
    refused_by_database(
        "tie_ordered_pair", lambda: Tie.objects.create(person_a_id=other.pk, person_b_id=one.pk)
    )
    assert Tie.objects.count() == 1


def test_database_refuses_the_same_pair_twice():
    one, other = PersonFactory(), PersonFactory()
    make_tie(one, other)
    refused_by_database(
        "tie_unique_pair", lambda: Tie.objects.create(person_a_id=one.pk, person_b_id=other.pk)
    )


def test_database_refuses_a_self_tie():
    person = PersonFactory()
    refused_by_database(
        "tie_ordered_pair", lambda: Tie.objects.create(person_a_id=person.pk, person_b_id=person.pk)
    )


@pytest.mark.parametrize("strength", [0, 6])
@pytest.mark.parametrize("side", ["a", "b"])
def test_database_refuses_a_strength_out_of_range(side, strength):
    one, other = PersonFactory(), PersonFactory()
    refused_by_database(
        f"tie_{side}_strength_range",
        lambda: Tie.objects.create(
            person_a_id=one.pk, person_b_id=other.pk, **{f"{side}_strength": strength}
        ),
    )


def test_database_refuses_an_affiliation_ending_before_it_starts():
    person, organization = PersonFactory(), OrganizationFactory()
    refused_by_database(
        "affiliation_end_after_start",
        lambda: Affiliation.objects.create(
            person_id=person.pk,
            organization_id=organization.pk,
            start=dt.date(2024, 5, 1),
            end=dt.date(2024, 4, 30),
        ),
    )


def test_database_refuses_the_same_role_twice_in_one_organization():
    affiliation = AffiliationFactory(role="Treasurer")
    refused_by_database(
        "affiliation_unique_role",
        lambda: Affiliation.objects.create(
            person_id=affiliation.person_id,
            organization_id=affiliation.organization_id,
            role="Treasurer",
        ),
    )


def test_database_refuses_a_duplicate_external_id_of_a_person():
    PersonFactory(external_source="eventbrite", external_id="42")
    refused_by_database(
        "person_unique_external_id",
        lambda: PersonFactory(external_source="eventbrite", external_id="42"),
    )


def test_people_without_an_external_id_do_not_collide():
    PersonFactory(external_source="eventbrite", external_id="")
    PersonFactory(external_source="eventbrite", external_id="")
    assert Person.objects.count() == 2


def test_database_refuses_a_duplicate_external_id_of_a_tie_and_an_organization():
    one, other, third = PersonFactory(), PersonFactory(), PersonFactory()
    make_tie(one, other, external_source="crm", external_id="t-1")
    refused_by_database(
        "tie_unique_external_id",
        lambda: make_tie(one, third, external_source="crm", external_id="t-1"),
    )
    OrganizationFactory(external_source="crm", external_id="o-1")
    refused_by_database(
        "organization_unique_external_id",
        lambda: OrganizationFactory(external_source="crm", external_id="o-1"),
    )


def test_database_refuses_an_intro_capacity_over_one_hundred():
    refused_by_database(
        "person_intro_capacity_range", lambda: PersonFactory(monthly_intro_capacity=101)
    )


# --- A ModelForm (validate_constraints) ------------------------------------------------------


def test_model_form_refuses_a_reversed_duplicate_tie_with_a_clear_error():
    one, other = PersonFactory(), PersonFactory()
    make_tie(one, other)

    form = TieForm(data=tie_form_data(other, one))

    assert not form.is_valid()
    assert "stored once per pair" in str(form.errors)
    assert Tie.objects.count() == 1


def test_model_form_refuses_the_same_pair_twice():
    one, other = PersonFactory(), PersonFactory()
    make_tie(one, other)

    form = TieForm(data=tie_form_data(one, other))

    assert not form.is_valid()
    assert form.non_field_errors() == ["These two people already have a tie."]


def test_model_form_refuses_a_self_tie():
    person = PersonFactory()
    form = TieForm(data=tie_form_data(person, person))
    assert not form.is_valid()
    assert "two different people" in str(form.errors)


@pytest.mark.parametrize("strength", [0, 6])
def test_model_form_refuses_a_strength_out_of_range(strength):
    one, other = PersonFactory(), PersonFactory()
    form = TieForm(data=tie_form_data(one, other, a_strength=strength))
    assert not form.is_valid()
    assert "Strength must be between 1 and 5." in str(form.errors)


def test_model_form_refuses_an_affiliation_ending_before_it_starts():
    person, organization = PersonFactory(), OrganizationFactory()
    AffiliationForm = modelform_factory(
        Affiliation, fields=("person", "organization", "start", "end")
    )
    form = AffiliationForm(
        data={
            "person": person.pk,
            "organization": organization.pk,
            "start": "2024-05-01",
            "end": "2024-04-30",
        }
    )
    assert not form.is_valid()
    assert form.non_field_errors() == ["An affiliation cannot end before it starts."]


def test_model_form_refuses_a_duplicate_external_id():
    PersonFactory(external_source="eventbrite", external_id="42")
    PersonForm = modelform_factory(
        Person,
        fields=("display_name", "visibility", "review_status", "external_source", "external_id"),
    )
    form = PersonForm(
        data={
            "display_name": "Copy",
            "visibility": "listed",
            "review_status": "new",
            "external_source": "eventbrite",
            "external_id": "42",
        }
    )
    assert not form.is_valid()
    assert Person.objects.count() == 1


# --- The admin add form ----------------------------------------------------------------------


def test_admin_refuses_a_reversed_duplicate_tie(admin_user):
    # given
    one, other = PersonFactory(), PersonFactory()
    make_tie(one, other)
    # when: the same pair, entered the other way round
    response = admin_user.client.post(reverse("admin:people_tie_add"), admin_tie_data(other, one))
    # then
    assert response.status_code == 200
    assert "These two people already have a tie." in form_errors(response)
    assert Tie.objects.count() == 1


def test_admin_stores_a_reversed_pair_in_order_with_its_sides_swapped(admin_user):
    one, other = PersonFactory(), PersonFactory()
    assert one.pk < other.pk

    response = admin_user.client.post(
        reverse("admin:people_tie_add"),
        admin_tie_data(other, one, a_strength="5", b_strength="2", a_status="confirmed"),
    )

    assert response.status_code == 302
    tie = Tie.objects.get()
    assert (tie.person_a_id, tie.person_b_id) == (one.pk, other.pk)
    # "other" entered 5 and confirmed on its side; that side is now b
    assert (tie.b_strength, tie.b_status) == (5, "confirmed")
    assert (tie.a_strength, tie.a_status) == (2, "unanswered")


def test_admin_refuses_a_self_tie(admin_user):
    person = PersonFactory()
    response = admin_user.client.post(
        reverse("admin:people_tie_add"), admin_tie_data(person, person)
    )
    assert response.status_code == 200
    assert any("two different people" in e for e in form_errors(response))
    assert not Tie.objects.exists()


@pytest.mark.parametrize("strength", ["0", "6"])
def test_admin_refuses_a_strength_out_of_range(admin_user, strength):
    one, other = PersonFactory(), PersonFactory()
    response = admin_user.client.post(
        reverse("admin:people_tie_add"), admin_tie_data(one, other, b_strength=strength)
    )
    assert response.status_code == 200
    assert "Strength must be between 1 and 5" in str(
        response.context["adminform"].form.errors["b_strength"]
    )
    assert not Tie.objects.exists()


def test_admin_refuses_an_affiliation_ending_before_it_starts(admin_user):
    person, organization = PersonFactory(), OrganizationFactory()
    response = admin_user.client.post(
        reverse("admin:people_affiliation_add"),
        {
            "person": person.pk,
            "organization": organization.pk,
            "role": "Chair",
            "start": "2024-05-01",
            "end": "2024-04-30",
        },
    )
    assert response.status_code == 200
    assert "An affiliation cannot end before it starts." in form_errors(response)
    assert not Affiliation.objects.exists()


def test_admin_refuses_a_duplicate_external_id_of_an_organization(admin_user):
    OrganizationFactory(external_source="crm", external_id="o-1")
    response = admin_user.client.post(
        reverse("admin:people_organization_add"),
        {
            "name": "Copy",
            "kind": "nonprofit",
            "external_source": "crm",
            "external_id": "o-1",
            "affiliations-TOTAL_FORMS": "0",
            "affiliations-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert form_errors(response)
    assert Organization.objects.count() == 1


# --- The service -----------------------------------------------------------------------------


def test_service_refuses_a_self_tie(member):
    with pytest.raises(TieError, match="two different people"):
        tie_record(by=member.user, person=member.person, other=member.person, strength=3)
    assert not Tie.objects.exists()


@pytest.mark.parametrize("strength", [0, 6])
def test_service_refuses_a_strength_out_of_range(member, other_member, strength):
    with pytest.raises(TieError, match="between 1 and 5"):
        tie_record(
            by=member.user, person=member.person, other=other_member.person, strength=strength
        )
    assert not Tie.objects.exists()


def test_service_records_a_reversed_pair_on_the_existing_tie(member, other_member):
    # given: omar recorded the tie first
    tie_record(by=other_member.user, person=other_member.person, other=member.person, strength=2)
    # when: mina records it from her side
    tie, created = tie_record(
        by=member.user, person=member.person, other=other_member.person, strength=4
    )
    # then: still one tie, each side rated by its own person
    assert not created
    assert Tie.objects.count() == 1
    assert tie.strength_of(tie.side_of(member.person)) == 4
    assert tie.strength_of(tie.side_of(other_member.person)) == 2
