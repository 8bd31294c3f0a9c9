"""factory_boy factories for the domain models."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.utils.text import slugify

from causes.models import Cause, Interest
from people.models import (
    Affiliation,
    Organization,
    OrganizationKind,
    Person,
    Sector,
    SideStatus,
    Tie,
    TieKind,
    Visibility,
    ordered_pair,
)

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.save()


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    display_name = factory.Sequence(lambda n: f"Person {n:04d}")
    headline = "Neighbourhood organizer"
    city = "Riverton"
    neighbourhood = "Old Mill"
    sector = Sector.NONPROFIT
    visibility = Visibility.LISTED
    email = factory.LazyAttribute(lambda p: f"{slugify(p.display_name)}@example.org")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    kind = OrganizationKind.NONPROFIT
    city = "Riverton"


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation

    person = factory.SubFactory(PersonFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = "Member"


class CauseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cause
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Cause {n}")
    slug = factory.LazyAttribute(lambda c: slugify(c.name))


class InterestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interest

    person = factory.SubFactory(PersonFactory)
    cause = factory.SubFactory(CauseFactory)
    passion = 4


def make_tie(
    one: Person,
    other: Person,
    *,
    strength: int = 4,
    other_strength: int | None = None,
    visible: bool = True,
    allows: bool | None = True,
    status: str = SideStatus.CONFIRMED,
    kind: str = TieKind.COLLEAGUE,
    **extra: Any,
) -> Tie:
    """A tie both sides have answered (confirmed, visible, allowed) unless told otherwise."""
    low, high = ordered_pair(one.pk, other.pk)
    return Tie.objects.create(
        person_a_id=low,
        person_b_id=high,
        kind=kind,
        a_strength=strength,
        b_strength=strength if other_strength is None else other_strength,
        a_status=status,
        b_status=status,
        a_allows_introductions=allows,
        b_allows_introductions=allows,
        a_visible_to_members=visible,
        b_visible_to_members=visible,
        **extra,
    )
