"""Drawing the demo network's ties (pure Python, no database).

1. Every person gets an *activity* from a Pareto distribution: most people know a handful of
   others, a few hubs know many (a heavy-tailed degree spread).
2. *Focus ties* (about 60%): people meet in foci, namely their block within a neighbourhood,
   the organizations they belong to and cause circles (people in one neighbourhood who care
   about the same top-level cause). Partners are drawn in proportion to activity.
3. *Triadic closure* (about 28%): a person meets a friend of a friend.
4. *Long-range ties* fill up to the target: anyone across the city.

Foci and closure give the high clustering of real social networks; long-range ties keep the
distances short.
"""

from __future__ import annotations

import datetime as dt
from itertools import accumulate

from network_app.demo import vocabulary as vocab
from network_app.demo.records import (
    ANCHOR,
    DemoOrganization,
    DemoPerson,
    DemoTie,
    Dice,
    slugify,
)
from people.models import Provenance, SideStatus

FOCUS_SHARE = 0.60
TRIAD_SHARE = 0.28
BLOCK_SIZE = 25  # people per block within a neighbourhood
CIRCLE_SIZE = 40  # people per cause circle
# Focus weights: how often a person's ties come from their block, organizations, causes.
BLOCK_WEIGHT, ORGANIZATION_WEIGHT, CAUSE_WEIGHT = 0.40, 0.35, 0.25
# Mean strength of a tie by where it comes from (before noise), on the 1..5 scale.
BASE_STRENGTH = {"block": 3.0, "organization": 3.3, "cause": 2.8, "triad": 2.6, "long": 2.7}

SELF_REPORTED = Provenance.SELF_REPORTED.value
ORGANIZER = Provenance.ORGANIZER.value
IMPORT = Provenance.IMPORT.value
INTRODUCTION = Provenance.INTRODUCTION.value
CONFIRMED = SideStatus.CONFIRMED.value
UNANSWERED = SideStatus.UNANSWERED.value
DISPUTED = SideStatus.DISPUTED.value
NUDGE = (-1, 0, 0, 0, 1)

Side = tuple[int | None, str, bool | None, bool]
Origin = tuple[str, ...]


def make_ties(
    dice: Dice,
    persons: list[DemoPerson],
    organizations: list[DemoOrganization],
    target: int,
) -> tuple[list[DemoTie], list[int]]:
    """About ``target`` ties with clustering and hubs; returns (ties, degree of each person)."""
    n = len(persons)
    target = min(target, n * (n - 1) // 2)
    activity = [min(dice.rng.paretovariate(2.1), 30.0) for _ in range(n)]
    mean_activity = sum(activity) / n
    # Ties each person starts: half their target degree, since they receive about as many.
    starts = [a / mean_activity * target / n for a in activity]

    labels, members, person_foci = _make_foci(dice, persons, organizations)
    member_cum = [list(accumulate(activity[p] for p in group)) for group in members]
    seen: set[int] = set()
    adjacency: list[list[int]] = [[] for _ in range(n)]
    edges: list[tuple[int, int, Origin, int]] = []  # a, b, origin, mutual contact

    def connect(i: int, j: int, origin: Origin, mutual: int = -1) -> bool:
        if i == j:
            return False
        a, b = (i, j) if i < j else (j, i)
        key = a * n + b
        if key in seen:
            return False
        seen.add(key)
        adjacency[i].append(j)
        adjacency[j].append(i)
        edges.append((a, b, origin, mutual))
        return True

    # 1. Focus ties.
    for i in range(n):
        foci = person_foci[i]
        if not foci:
            continue
        focus_ids = [f for f, _w in foci]
        focus_cum = list(accumulate(w for _f, w in foci))
        for _ in range(dice.rounded(starts[i] * FOCUS_SHARE)):
            for _attempt in range(3):
                f = dice.weighted(focus_ids, focus_cum)
                if connect(i, dice.weighted(members[f], member_cum[f]), labels[f]):
                    break
    # 2. Triadic closure: a friend of a friend.
    for i in range(n):
        for _ in range(dice.rounded(starts[i] * TRIAD_SHARE)):
            for _attempt in range(3):
                if not adjacency[i]:
                    break
                j = dice.choice(adjacency[i])
                if connect(i, dice.choice(adjacency[j]), ("triad",), j):
                    break
    # 3. Long-range ties fill up to the target.
    everyone = list(range(n))
    activity_cum = list(accumulate(activity))
    budget = 20 * max(target - len(edges), 0) + 100
    while len(edges) < target and budget > 0:
        budget -= 1
        connect(dice.weighted(everyone, activity_cum), dice.below(n), ("long",))

    ties = [tie_attributes(dice, persons, *edge) for edge in edges]
    return ties, [len(neighbours) for neighbours in adjacency]


def _make_foci(
    dice: Dice, persons: list[DemoPerson], organizations: list[DemoOrganization]
) -> tuple[list[Origin], list[list[int]], list[list[tuple[int, float]]]]:
    """Blocks, organizations and cause circles: (labels, members, foci of each person)."""
    labels: list[Origin] = []
    members: list[list[int]] = []
    person_foci: list[list[tuple[int, float]]] = [[] for _ in persons]

    def add(label: Origin, group: list[int], weight: float) -> None:
        if len(group) < 2:
            return
        labels.append(label)
        members.append(group)
        for person in group:
            person_foci[person].append((len(labels) - 1, weight))

    top_of = {slugify(child): name for name, _d, kids in vocab.CAUSES for child, _cd in kids}
    top_of.update({slugify(name): name for name, _d, _k in vocab.CAUSES})
    by_hood: dict[str, list[int]] = {}
    circles: dict[tuple[str, str], list[int]] = {}
    org_members: dict[int, list[int]] = {}
    for p in persons:
        by_hood.setdefault(p.neighbourhood, []).append(p.index)
        for top in dict.fromkeys(top_of[i.cause_slug] for i in p.interests):
            circles.setdefault((p.neighbourhood, top), []).append(p.index)
        for aff in p.affiliations:
            org_members.setdefault(aff.organization, []).append(p.index)
    for hood, group in by_hood.items():
        dice.rng.shuffle(group)
        blocks = max(1, len(group) // BLOCK_SIZE)
        streets = vocab.NEIGHBOURHOODS[hood]
        for b in range(blocks):
            add(("block", hood, streets[b % len(streets)]), group[b::blocks], BLOCK_WEIGHT)
    for org, group in sorted(org_members.items()):
        add(("organization", organizations[org].name), group, ORGANIZATION_WEIGHT)
    for (hood, top), group in circles.items():
        dice.rng.shuffle(group)
        chunks = max(1, len(group) // CIRCLE_SIZE)
        for c in range(chunks):
            add(("cause", hood, top), group[c::chunks], CAUSE_WEIGHT)
    return labels, members, person_foci


def tie_attributes(
    dice: Dice, persons: list[DemoPerson], a: int, b: int, origin: Origin, mutual: int
) -> DemoTie:
    """Kind, context, dates, provenance and both sides of one tie."""
    random = dice.random
    where = origin[0]
    template, kind = dice.choice(vocab.CONTEXTS[where])
    years_ago = 1 + int(random() * (20 if where == "block" else 15))
    since = dt.date(ANCHOR.year - years_ago, 1 + int(random() * 12), 1 + int(random() * 28))
    roll = random()
    provenance = SELF_REPORTED if roll < 0.78 else ORGANIZER if roll < 0.90 else IMPORT
    if where == "long" and random() < 0.03:
        template, kind, provenance = "introduced through Smallbatch", "introduced", INTRODUCTION
        since = ANCHOR - dt.timedelta(days=30 + int(random() * 270))
    hood = persons[a].neighbourhood
    top = origin[2] if where == "cause" else "Affordable housing"
    context = template.format(
        o=origin[1] if where == "organization" else "",
        n=origin[1] if where in ("block", "cause") else hood,
        st=origin[2] if where == "block" else vocab.NEIGHBOURHOODS[hood][0],
        c=vocab.CITY,
        y=since.year,
        cause=top.lower(),
        event=vocab.EVENTS[top].format(c=vocab.CITY, n=hood),
        m=persons[mutual].first_name if mutual >= 0 else "",
    )
    days = (ANCHOR - since).days
    last = None if random() < 0.2 else ANCHOR - dt.timedelta(days=int(random() * min(days, 700)))

    recorded = max(1, min(5, round(dice.rng.gauss(BASE_STRENGTH[where], 0.85))))
    if provenance == SELF_REPORTED:
        # One person recorded the tie; the other mostly answered, sometimes not yet.
        roll = random()
        if roll < 0.015:
            other: Side = (None, DISPUTED, False, False)
        elif roll < 0.15:
            other = (None, UNANSWERED, None, False)
        else:
            other = _answered(dice, max(1, min(5, recorded + dice.choice(NUDGE))))
        mine = _answered(dice, recorded)
        side_a, side_b = (mine, other) if random() < 0.5 else (other, mine)
    elif provenance == INTRODUCTION:
        side_a, side_b = _answered(dice, recorded), _answered(dice, recorded)
    else:
        # Recorded by an organizer or an import: both sides carry the recorded strength
        # until each person answers.
        side_a, side_b = (
            _answered(dice, max(1, min(5, recorded + dice.choice(NUDGE))))
            if random() < 0.55
            else (recorded, UNANSWERED, None, False)
            for _side in range(2)
        )
    return DemoTie(
        a,
        b,
        kind,
        context,
        since,
        last,
        provenance,
        *side_a,
        *side_b,
    )


def _answered(dice: Dice, strength: int) -> Side:
    """A confirmed side: mostly allowed for introductions and visible, sometimes private."""
    return (strength, CONFIRMED, dice.random() >= 0.08, dice.random() >= 0.10)
