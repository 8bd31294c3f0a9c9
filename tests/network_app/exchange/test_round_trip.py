"""Export, then import into an empty database: people, causes, interests and ties come back,
for every format."""

from __future__ import annotations

import pytest

from causes.models import Cause, Interest
from network_app.exchange.exporter import export_network
from people.models import Organization, Person, Tie
from people.roles import viewer_for
from tests.factories import (
    AffiliationFactory,
    CauseFactory,
    InterestFactory,
    OrganizationFactory,
    PersonFactory,
    make_tie,
)
from tests.network_app.exchange.helpers import run_import

pytestmark = pytest.mark.django_db

FORMATS = {
    "csv": "export.zip",
    "graphml": "export.graphml",
    "gexf": "export.gexf",
    "kumu": "export.json",
}


def _network(organizer):
    housing = CauseFactory(name="Affordable housing", slug="affordable-housing")
    tenants = Cause.objects.create(name="Tenant rights", slug="tenant-rights", parent=housing)
    food = CauseFactory(name="Food security", slug="food-security")
    people = [organizer.person] + [
        PersonFactory(
            display_name=name,
            headline="=cmd|' /C calc'!A0" if i == 0 else "Weaver",
            skills=["facilitation", "grants"] if i == 1 else [],
        )
        for i, name in enumerate(["Ana Reyes", "Ben Okafor", "Chen Li", "Zoë Ångström"])
    ]
    org = OrganizationFactory(name="Riverton Co-op")
    AffiliationFactory(person=people[1], organization=org, role="Board member")
    InterestFactory(person=people[1], cause=housing, passion=5, offers="Space", needs="Help")
    InterestFactory(person=people[2], cause=food, passion=2)
    InterestFactory(person=people[4], cause=tenants, passion=4)
    make_tie(people[0], people[1], strength=5)
    make_tie(people[1], people[2], strength=3)
    make_tie(people[2], people[3], strength=1, other_strength=4)  # effective strength 1
    make_tie(people[3], people[4], strength=2)


def _state():
    people = {
        p.display_name: (p.headline, p.neighbourhood, p.city, p.sector, tuple(p.skills))
        for p in Person.objects.all()
    }
    causes = set(Cause.objects.values_list("name", "slug"))
    interests = set(Interest.objects.values_list("person__display_name", "cause__name", "passion"))
    ties = {
        (
            frozenset((t.person_a.display_name, t.person_b.display_name)),
            t.effective_strength,
            t.kind,
        )
        for t in Tie.objects.select_related("person_a", "person_b")
    }
    return people, causes, interests, ties


def _empty_database():
    Tie.objects.all().delete()
    Interest.objects.all().delete()
    Person.objects.all().delete()
    Organization.objects.all().delete()
    Cause.objects.filter(parent__isnull=False).delete()
    Cause.objects.all().delete()


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_then_import_into_an_empty_database_reproduces_the_network(organizer, fmt):
    # given
    _network(organizer)
    people, causes, interests, ties = _state()
    content, _, _ = export_network(viewer=viewer_for(organizer.user), fmt=fmt, filters={})
    # when
    _empty_database()
    result = run_import(content, name=FORMATS[fmt])
    # then
    assert result.applied, result.report["issues"]
    new_people, new_causes, new_interests, new_ties = _state()
    assert new_people == people
    assert {name for name, _ in new_causes} >= {name for name, _ in causes if name}
    if fmt == "csv":
        assert new_causes == causes
        assert Cause.objects.get(slug="tenant-rights").parent.slug == "affordable-housing"
        assert Person.objects.get(display_name="Ana Reyes").affiliations.get().role == (
            "Board member"
        )
    assert new_interests == {(p, c, n) for p, c, n in interests}
    assert {(pair, s) for pair, s, _ in new_ties} == {(pair, s) for pair, s, _ in ties}
    assert new_ties == ties
    # and importing the same export again changes nothing
    again = run_import(content, name=FORMATS[fmt])
    assert again.plan.totals()["created"] == 0
    assert _state() == (new_people, new_causes, new_interests, new_ties)
