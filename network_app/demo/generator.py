"""The demo network as plain Python objects: deterministic, no database.

``generate_network(people=400, seed=7)`` returns the same city, causes, organizations,
people and ties every time for the same arguments: everything is drawn from one
``random.Random(seed)``, and dates hang off a fixed anchor date, not today. How ties get
their clustering and hubs is explained in ``network_app.demo.ties``.
"""

from __future__ import annotations

import math

from network_app.demo import vocabulary as vocab
from network_app.demo.population import make_causes, make_organizations, make_people
from network_app.demo.records import ANCHOR_TIME, DemoNetwork, DemoPerson, DemoTie, Dice
from network_app.demo.ties import make_ties
from people.models import ReviewStatus, Visibility


def average_degree_for(people: int) -> float:
    """Target average degree: 10 up to 400 people, rising slowly to 20 at 100,000 (real
    networks densify as they grow)."""
    if people <= 400:
        return min(10.0, max(people - 1, 0) * 0.5)
    return 10.0 + 10.0 * math.log(people / 400) / math.log(250)


def generate_network(*, people: int = 400, seed: int = 7) -> DemoNetwork:
    """Build the demo network for ``people`` people from ``seed``, without the database.

    Examples
    --------
    >>> net = generate_network(people=50, seed=1)
    >>> len(net.people), net.people[0] == generate_network(people=50, seed=1).people[0]
    (50, True)
    """
    if people < 2:
        raise ValueError("The demo network needs at least 2 people.")
    dice = Dice(seed)
    causes = make_causes()
    organizations = make_organizations(dice, people)
    persons = make_people(dice, people, organizations)
    target = round(people * average_degree_for(people) / 2)
    ties, degree = make_ties(dice, persons, organizations, target)
    organizer, member = _pick_demo_people(dice, persons, ties, degree)
    return DemoNetwork(
        seed=seed,
        city=vocab.CITY,
        neighbourhoods=list(vocab.NEIGHBOURHOODS),
        causes=causes,
        organizations=organizations,
        people=persons,
        ties=ties,
        organizer=organizer,
        member=member,
    )


def _pick_demo_people(
    dice: Dice, persons: list[DemoPerson], ties: list[DemoTie], degree: list[int]
) -> tuple[int, int]:
    """The people behind the demo logins: the organizer is a well-connected weaver, the
    member an ordinary member who is not tied to the organizer directly."""
    eligible = [
        p.index
        for p in persons
        if p.visibility == Visibility.LISTED and p.open_to_introductions and not p.do_not_contact
    ]
    if len(eligible) < 2:
        eligible = [p.index for p in persons]
    organizer = max(eligible, key=lambda i: (degree[i], -i))
    near = {t.a if t.b == organizer else t.b for t in ties if organizer in (t.a, t.b)}
    average = sum(degree) / len(degree)
    ordinary = [
        i
        for i in eligible
        if i != organizer and i not in near and average / 2 <= degree[i] <= average * 1.5
    ]
    fallback = [i for i in eligible if i != organizer]
    member = dice.choice(ordinary or fallback)
    for index in (organizer, member):
        person = persons[index]
        person.visibility = Visibility.LISTED.value
        person.open_to_introductions = True
        person.do_not_contact = False
        person.consent_given_at = person.consent_given_at or ANCHOR_TIME
        person.review_status = ReviewStatus.APPROVED.value
    return organizer, member
