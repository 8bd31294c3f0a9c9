"""Writing a generated DemoNetwork to the database with bulk inserts.

Everything happens in one transaction, so a failed load leaves the database empty and
``seed_demo --if-empty`` simply tries again on the next start.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import models, transaction

from causes.models import Cause, Interest
from network_app.demo.inserts import insert_rows
from network_app.demo.records import DemoNetwork, DemoTie
from network_app.demo.story import STORY_MAX_PEOPLE, link_story_logins
from people import graph_log
from people.models import (
    Affiliation,
    AuditEvent,
    Organization,
    Person,
    Provenance,
    Tie,
    ordered_pair,
)
from people.roles import make_organizer

M = TypeVar("M", bound=models.Model)
T = TypeVar("T")

# Rows per executemany() where COPY is not available (SQLite; PostgreSQL uses COPY, see
# inserts.py). Measured on SQLite with 20,000 people (170,851 ties): 500, 2,000 and 5,000
# rows per batch took 7.6 s, 7.4 s and 8.8 s, within noise; 2,000 keeps memory small.
BATCH_SIZE = 2000
ORGANIZER = Provenance.ORGANIZER.value
PERSON_FIELDS = (
    "public_id",
    "user_id",
    "display_name",
    "pronouns",
    "headline",
    "bio",
    "city",
    "neighbourhood",
    "sector",
    "skills",
    "email",
    "phone",
    "visibility",
    "open_to_introductions",
    "open_to_groups",
    "do_not_contact",
    "monthly_intro_capacity",
    "consent_given_at",
    "review_status",
)
INTEREST_FIELDS = ("person_id", "cause_id", "passion", "offers", "needs")
AFFILIATION_FIELDS = ("person_id", "organization_id", "role", "start", "end")
TIE_FIELDS = (
    "person_a_id",
    "person_b_id",
    "kind",
    "context",
    "since",
    "last_interaction",
    "provenance",
    "a_strength",
    "a_status",
    "a_allows_introductions",
    "a_visible_to_members",
    "b_strength",
    "b_status",
    "b_allows_introductions",
    "b_visible_to_members",
    "recorded_by_id",
)


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str | None  # None when the user already existed and kept its password
    person_name: str | None


def load_network(
    network: DemoNetwork,
    *,
    password: str,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[str], None] = lambda _message: None,
) -> list[DemoLogin]:
    """Insert the network and the demo logins (organizer, member, admin); return the logins.

    The caller checks that the database has no people yet.
    """
    started = time.monotonic()

    def report(message: str) -> None:
        progress(f"{time.monotonic() - started:7.1f}s  {message}")

    with transaction.atomic():
        users, created = _demo_users(password)
        cause_pks = _load_causes(network)
        report(f"{len(cause_pks)} causes")
        orgs = [
            Organization(
                public_id=o.public_id,
                name=o.name,
                kind=o.kind,
                city=network.city,
                neighbourhood=o.neighbourhood,
                website=o.website,
                description=o.description,
            )
            for o in network.organizations
        ]
        org_pks = _pks(Organization, Organization.objects.bulk_create(orgs, batch_size))
        report(f"{len(org_pks)} organizations")

        login_of = {network.organizer: users["organizer"].pk, network.member: users["member"].pk}
        people = (
            (
                p.public_id,
                login_of.get(p.index),
                p.display_name,
                p.pronouns,
                p.headline,
                p.bio,
                network.city,
                p.neighbourhood,
                p.sector,
                p.skills,
                p.email,
                p.phone,
                p.visibility,
                p.open_to_introductions,
                p.open_to_groups,
                p.do_not_contact,
                p.monthly_intro_capacity,
                p.consent_given_at,
                p.review_status,
            )
            for p in network.people
        )
        insert_rows(
            Person,
            PERSON_FIELDS,
            people,
            batch_size=batch_size,
            on_batch=_tenths(len(network.people), "people", report),
        )
        # The database had no people before, so every row is ours.
        pk_of = dict(Person.objects.values_list("public_id", "pk"))
        person_pks = [pk_of[p.public_id] for p in network.people]

        interests = (
            (person_pks[p.index], cause_pks[i.cause_slug], i.passion, i.offers, i.needs)
            for p in network.people
            for i in p.interests
        )
        count = insert_rows(Interest, INTEREST_FIELDS, interests, batch_size=batch_size)
        report(f"{count} interests")
        affiliations = (
            (person_pks[p.index], org_pks[a.organization], a.role, a.start, a.end)
            for p in network.people
            for a in p.affiliations
        )
        count = insert_rows(Affiliation, AFFILIATION_FIELDS, affiliations, batch_size=batch_size)
        report(f"{count} affiliations")

        recorder = users["organizer"].pk
        ties = (_tie(t, person_pks, recorder) for t in network.ties)
        done = insert_rows(
            Tie,
            TIE_FIELDS,
            ties,
            batch_size=batch_size,
            on_batch=_tenths(len(network.ties), "ties", report),
        )

        make_organizer(users["organizer"])
        AuditEvent.objects.create(
            actor_label="seed_demo",
            channel=AuditEvent.Channel.COMMAND,
            action="demo.seed",
            object_type="network",
            object_id=f"seed-{network.seed}",
            after={"people": len(person_pks), "ties": done, "seed": network.seed},
        )
        # A bulk load bypasses the services: every resident path graph rebuilds from scratch.
        graph_log.note_rebuild()
        story: dict[str, Person] = {}
        if len(network.people) <= STORY_MAX_PEOPLE:
            member = Person.objects.get(user=users["member"])
            story = link_story_logins(member=member, hashed_password=make_password(password))
            report(f"story logins: {', '.join(story) or 'none found'}")
    report("committed")
    people_by_login = {
        "organizer": network.people[network.organizer].display_name,
        "member": network.people[network.member].display_name,
        **{username: person.display_name for username, person in story.items()},
    }
    logins = [
        DemoLogin(role, role, password if created[role] else None, people_by_login.get(role))
        for role in ("organizer", "member", "admin")
    ]
    logins += [DemoLogin(role, role, password, people_by_login[role]) for role in story]
    return logins


def _tenths(total: int, label: str, report: Callable[[str], None]) -> Callable[[int], None]:
    """A progress callback that reports about every tenth of ``total`` rows."""
    step = max(total // 10, 1)
    next_report = [step]

    def on_batch(done: int) -> None:
        if done >= next_report[0] or done == total:
            report(f"{done} {label}")
            next_report[0] = done + step

    return on_batch


def _demo_users(password: str) -> tuple[dict[str, Any], dict[str, bool]]:
    """The organizer, member and admin logins, and whether each was created now. A user
    that already exists keeps its password: seeding never resets a real account's
    credentials."""
    user_model = get_user_model()
    hashed = make_password(password)  # hash once: the slow part of creating three users
    users: dict[str, Any] = {}
    created: dict[str, bool] = {}
    for username, staff in (("organizer", False), ("member", False), ("admin", True)):
        user, created[username] = user_model.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@example.org",
                "is_staff": staff,
                "is_superuser": staff,
            },
        )
        if created[username]:
            user.password = hashed
            user.save(update_fields=["password"])
        users[username] = user
    return users, created


def _load_causes(network: DemoNetwork) -> dict[str, int]:
    """Top-level causes first, so children can point at their parent's pk."""
    pks: dict[str, int] = {}
    for top_level in (True, False):
        rows = [
            Cause(
                name=c.name,
                slug=c.slug,
                description=c.description,
                parent_id=None if c.parent_slug is None else pks[c.parent_slug],
            )
            for c in network.causes
            if (c.parent_slug is None) == top_level
        ]
        created = Cause.objects.bulk_create(rows)
        for cause, pk in zip(created, _pks(Cause, created), strict=True):
            pks[cause.slug] = pk
    return pks


def _pks(model: type[models.Model], objs: Sequence[Any]) -> list[int]:
    """The primary keys of freshly bulk-created rows, in order.

    PostgreSQL and SQLite 3.35+ return them from the INSERT; other databases do not, so the
    rows are looked up by their unique public id (or slug) instead.
    """
    if all(obj.pk is not None for obj in objs):
        return [obj.pk for obj in objs]
    key = "slug" if model is Cause else "public_id"
    found = dict(
        model._default_manager.filter(
            **{f"{key}__in": [getattr(o, key) for o in objs]}
        ).values_list(key, "pk")
    )
    return [found[getattr(o, key)] for o in objs]


def _tie(t: DemoTie, person_pks: list[int], recorder: int) -> tuple[Any, ...]:
    """A Tie row (TIE_FIELDS) stored under the model's rule person_a_id < person_b_id."""
    pk_a, pk_b = person_pks[t.a], person_pks[t.b]
    a_side = (t.a_strength, t.a_status, t.a_allows_introductions, t.a_visible_to_members)
    b_side = (t.b_strength, t.b_status, t.b_allows_introductions, t.b_visible_to_members)
    low, high = ordered_pair(pk_a, pk_b)
    if low != pk_a:  # primary keys came out in another order than indexes: swap the sides
        a_side, b_side = b_side, a_side
    return (
        low,
        high,
        t.kind,
        t.context,
        t.since,
        t.last_interaction,
        t.provenance,
        *a_side,
        *b_side,
        recorder if t.provenance == ORGANIZER else None,
    )
