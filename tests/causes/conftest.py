"""A small food-security network for the suggestion tests (groups and weaving).

Mina (the ``member`` persona) and Owen (``other_member``) with five listed people, plus three
people who must never appear in a suggestion: a hidden member, a person closed to groups and
introductions, and a person marked do-not-contact. The three are tied to everybody and care a
lot, so a leak would show.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from causes.models import Cause, SuggestionRun
from causes.suggestions.compute import run_execute
from people.models import Person, Sector
from tests.conftest import Persona
from tests.factories import (
    AffiliationFactory,
    CauseFactory,
    InterestFactory,
    OrganizationFactory,
    PersonFactory,
    make_tie,
)


@dataclass
class Network:
    cause: Cause
    sub_cause: Cause
    people: dict[str, Person]
    forbidden: list[Person]

    def run(self, **fields: object) -> SuggestionRun:
        """Compute a run in this process (the task's body, without a broker)."""
        values: dict[str, object] = {"include_groups": True, "include_weaving": True, "seed": 7}
        values.update(fields)
        run = SuggestionRun.objects.create(**values)
        assert run_execute(run_id=run.pk)
        run.refresh_from_db()
        return run


@pytest.fixture
def network(
    member: Persona, other_member: Persona, organizer: Persona, hidden_member: Persona
) -> Network:
    food = CauseFactory(name="Food security", slug="food-security")
    kitchens = CauseFactory(name="Community kitchens", slug="community-kitchens", parent=food)
    assert member.person is not None and other_member.person is not None
    assert hidden_member.person is not None
    people: dict[str, Person] = {"mina": member.person, "owen": other_member.person}
    sectors = [Sector.FOOD, Sector.HOUSING, Sector.ARTS, Sector.FAITH, Sector.LABOUR]
    for name, sector in zip(["Ana", "Ben", "Cy", "Dee", "Eve"], sectors, strict=True):
        people[name.lower()] = PersonFactory.create(display_name=f"{name} Example", sector=sector)
    people["mina"].sector = Sector.GOVERNMENT
    people["mina"].save()
    co_op = OrganizationFactory(name="Harbour Housing Co-op")
    AffiliationFactory(person=people["ana"], organization=co_op)
    for key in people:
        InterestFactory(person=people[key], cause=food, passion=4)
    InterestFactory(person=people["ana"], cause=kitchens, passion=5, offers="a commercial kitchen")
    people["ben"].interests.filter(cause=food).update(needs="Commercial kitchen time")
    for a, b in [
        ("mina", "ana"),
        ("ana", "ben"),
        ("ben", "cy"),
        ("cy", "dee"),
        ("dee", "eve"),
        ("eve", "owen"),
        ("mina", "cy"),
        ("owen", "dee"),
    ]:
        make_tie(people[a], people[b], strength=4)
    for i, outsider in enumerate(PersonFactory.create_batch(6)):
        make_tie(outsider, list(people.values())[i % len(people)], strength=3)

    hidden = hidden_member.person
    closed = PersonFactory(
        display_name="Nora Nogroups", open_to_groups=False, open_to_introductions=False
    )
    dnc = PersonFactory(display_name="Dan Donotcontact", do_not_contact=True)
    forbidden = [hidden, closed, dnc]
    for person in forbidden:
        InterestFactory(person=person, cause=food, passion=5, offers="a commercial kitchen")
        for other in people.values():
            make_tie(person, other, strength=5)
    return Network(cause=food, sub_cause=kitchens, people=people, forbidden=forbidden)
