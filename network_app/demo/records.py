"""The demo network's records (plain dataclasses) and the seeded dice they are drawn with."""

from __future__ import annotations

import datetime as dt
import random
import re
import uuid
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")

# Dates are relative to this fixed day, so the same seed gives the same dates on any day.
ANCHOR = dt.date(2026, 6, 1)
ANCHOR_TIME = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class DemoCause:
    slug: str
    name: str
    description: str
    parent_slug: str | None


@dataclass(frozen=True, slots=True)
class DemoOrganization:
    index: int
    public_id: uuid.UUID
    name: str
    kind: str
    neighbourhood: str
    description: str
    website: str


@dataclass(frozen=True, slots=True)
class DemoInterest:
    cause_slug: str
    passion: int
    offers: str
    needs: str


@dataclass(frozen=True, slots=True)
class DemoAffiliation:
    organization: int  # index into DemoNetwork.organizations
    role: str
    start: dt.date | None
    end: dt.date | None


@dataclass(slots=True)
class DemoPerson:
    index: int
    public_id: uuid.UUID
    first_name: str
    display_name: str
    pronouns: str
    headline: str
    bio: str
    neighbourhood: str
    sector: str
    skills: list[str]
    email: str
    phone: str
    visibility: str
    open_to_introductions: bool
    open_to_groups: bool
    do_not_contact: bool
    monthly_intro_capacity: int
    consent_given_at: dt.datetime | None
    review_status: str
    interests: list[DemoInterest] = field(default_factory=list)
    affiliations: list[DemoAffiliation] = field(default_factory=list)


@dataclass(slots=True)
class DemoTie:
    """A tie between the people with indexes ``a < b`` in DemoNetwork.people."""

    a: int
    b: int
    kind: str
    context: str
    since: dt.date | None
    last_interaction: dt.date | None
    provenance: str
    a_strength: int | None
    a_status: str
    a_allows_introductions: bool | None
    a_visible_to_members: bool
    b_strength: int | None
    b_status: str
    b_allows_introductions: bool | None
    b_visible_to_members: bool


@dataclass
class DemoNetwork:
    seed: int
    city: str
    neighbourhoods: list[str]
    causes: list[DemoCause]
    organizations: list[DemoOrganization]
    people: list[DemoPerson]
    ties: list[DemoTie]
    organizer: int  # index of the person the "organizer" login is linked to
    member: int  # index of the person the "member" login is linked to


class Dice:
    """A seeded ``random.Random`` with the few fast draws the generator needs.

    ``random.choice`` and ``randrange`` cost a few microseconds each; a million ties need
    tens of millions of draws, so these use one ``random()`` call each.
    """

    __slots__ = ("random", "rng")

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.random = self.rng.random

    def below(self, n: int) -> int:
        return int(self.random() * n)

    def between(self, low: int, high: int) -> int:
        """An integer in ``low..high``, both included."""
        return low + int(self.random() * (high - low + 1))

    def choice(self, items: Sequence[T]) -> T:
        return items[int(self.random() * len(items))]

    def chance(self, p: float) -> bool:
        return self.random() < p

    def weighted(self, items: Sequence[T], cum: Sequence[float]) -> T:
        """One item drawn in proportion to its weight (``cum``: cumulative weights)."""
        position = bisect_right(cum, self.random() * cum[-1])
        return items[min(position, len(items) - 1)]

    def rounded(self, x: float) -> int:
        """``x`` rounded up or down at random, so the expected value is ``x``."""
        whole = int(x)
        return whole + (1 if self.random() < x - whole else 0)

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
