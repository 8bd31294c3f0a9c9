"""Database rules for causes and interests, refused by the database, forms, the admin and the
service with a clear error. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.forms import modelform_factory
from django.urls import reverse

from causes.models import Cause, Interest
from causes.services import interest_set
from people.errors import DomainError
from tests.factories import CauseFactory, InterestFactory, PersonFactory

pytestmark = pytest.mark.django_db

InterestModelForm = modelform_factory(Interest, fields=("person", "cause", "passion"))


def refused_by_database(name: str, create, *, sqlite_columns: str | None = None) -> None:
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        create()
    expected = sqlite_columns if connection.vendor == "sqlite" and sqlite_columns else name
    assert expected in str(excinfo.value), str(excinfo.value)


def form_errors(response) -> list[str]:
    form = response.context["adminform"].form
    return [str(m) for messages in form.errors.values() for m in messages]


# --- The database ----------------------------------------------------------------------------


@pytest.mark.parametrize("passion", [0, 6])
def test_database_refuses_a_passion_out_of_range(passion):
    person, cause = PersonFactory(), CauseFactory()
    refused_by_database(
        "interest_passion_range",
        lambda: Interest.objects.create(person_id=person.pk, cause_id=cause.pk, passion=passion),
    )


def test_database_refuses_a_second_interest_in_the_same_cause():
    interest = InterestFactory()
    refused_by_database(
        "interest_unique_person_cause",
        lambda: Interest.objects.create(
            person_id=interest.person_id, cause_id=interest.cause_id, passion=2
        ),
        sqlite_columns="causes_interest.person_id, causes_interest.cause_id",
    )
    assert Interest.objects.count() == 1


def test_database_refuses_a_cause_that_is_its_own_parent():
    cause = CauseFactory()
    cause.parent_id = cause.pk
    refused_by_database("cause_not_own_parent", cause.save)


# --- A ModelForm -----------------------------------------------------------------------------


@pytest.mark.parametrize("passion", [0, 6])
def test_model_form_refuses_a_passion_out_of_range(passion):
    person, cause = PersonFactory(), CauseFactory()
    form = InterestModelForm(data={"person": person.pk, "cause": cause.pk, "passion": passion})
    assert not form.is_valid()
    assert form.non_field_errors() == ["Passion must be between 1 and 5."]


def test_model_form_refuses_a_second_interest_in_the_same_cause():
    interest = InterestFactory()
    form = InterestModelForm(
        data={"person": interest.person.pk, "cause": interest.cause.pk, "passion": 2}
    )
    assert not form.is_valid()
    assert form.non_field_errors() == ["This person already has an interest in this cause."]


# --- The admin -------------------------------------------------------------------------------


@pytest.mark.parametrize("passion", ["0", "6"])
def test_admin_refuses_a_passion_out_of_range(admin_user, passion):
    person, cause = PersonFactory(), CauseFactory()
    response = admin_user.client.post(
        reverse("admin:causes_interest_add"),
        {"person": person.pk, "cause": cause.pk, "passion": passion, "offers": "", "needs": ""},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["passion"] == [
        "Passion must be between 1 and 5."
    ]
    assert not Interest.objects.exists()


def test_admin_refuses_a_second_interest_in_the_same_cause(admin_user):
    interest = InterestFactory()
    response = admin_user.client.post(
        reverse("admin:causes_interest_add"),
        {
            "person": interest.person.pk,
            "cause": interest.cause.pk,
            "passion": "2",
            "offers": "",
            "needs": "",
        },
    )
    assert response.status_code == 200
    assert "This person already has an interest in this cause." in form_errors(response)
    assert Interest.objects.count() == 1


def test_admin_refuses_a_third_level_cause(admin_user):
    # given: Housing > Tenant rights
    housing = CauseFactory(name="Housing")
    tenants = CauseFactory(name="Tenant rights", parent=housing)
    # when: a new cause is placed under the sub-cause
    response = admin_user.client.post(
        reverse("admin:causes_cause_add"),
        {"name": "Eviction defence", "slug": "eviction-defence", "parent": tenants.pk},
    )
    # then
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent"] == [
        "Choose a top-level cause: the taxonomy has two levels."
    ]
    assert not Cause.objects.filter(slug="eviction-defence").exists()


def test_admin_refuses_moving_a_cause_with_sub_causes_under_another(admin_user):
    housing, food = CauseFactory(name="Housing"), CauseFactory(name="Food")
    CauseFactory(name="Tenant rights", parent=housing)

    response = admin_user.client.post(
        reverse("admin:causes_cause_change", args=[housing.pk]),
        {"name": "Housing", "slug": housing.slug, "parent": food.pk, "description": ""},
    )

    assert response.status_code == 200
    assert "sub-causes" in str(response.context["adminform"].form.errors["parent"])
    housing.refresh_from_db()
    assert housing.parent is None


def test_admin_refuses_a_cause_as_its_own_parent(admin_user):
    housing = CauseFactory(name="Housing")
    response = admin_user.client.post(
        reverse("admin:causes_cause_change", args=[housing.pk]),
        {"name": "Housing", "slug": housing.slug, "parent": housing.pk, "description": ""},
    )
    assert response.status_code == 200
    assert "own parent" in str(response.context["adminform"].form.errors)


# --- The service -----------------------------------------------------------------------------


@pytest.mark.parametrize("passion", [0, 6])
def test_service_refuses_a_passion_out_of_range(member, passion):
    with pytest.raises(DomainError, match="between 1 and 5"):
        interest_set(by=member.user, person=member.person, cause=CauseFactory(), passion=passion)
    assert not Interest.objects.exists()


def test_service_changes_the_existing_interest_instead_of_adding_a_second(member):
    cause = CauseFactory()
    interest_set(by=member.user, person=member.person, cause=cause, passion=2)
    interest_set(by=member.user, person=member.person, cause=cause, passion=5)
    assert list(Interest.objects.values_list("passion", flat=True)) == [5]
