"""Weaver actions and trends for the organizer dashboard (reads, always given the viewer).

Actions turn the latest snapshot into things to do: members with no or one tie (bring them in),
single-point bridges (add redundancy), communities joined by one or two ties (build bridges:
candidate pairs who share a cause), stale introductions and brokers near their capacity. The
snapshot stores person ids only; names are read here through the visibility rules, so a person
who hid after the snapshot is not shown.

Introductions and small-batch groups come from other parts of the product: they are counted
when their models exist (``people.Introduction``, ``causes.GroupSuggestion``), else the trend
shows zeros with a note.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from network_app.dashboard import map_people_q, snapshot_latest
from network_app.models import NetworkSnapshot, PersonMetric
from people.models import Person, Tie, Visibility
from people.roles import Viewer

ACTION_LIMIT = 12
TREND_MONTHS = 12
TREND_SNAPSHOTS = 60


@dataclass
class PersonAction:
    person: Person
    degree: int = 0
    cut_off: int = 0
    suggestions: list[tuple[Person, str]] = field(default_factory=list)


@dataclass
class BridgeAction:
    size_a: int
    size_b: int
    links: list[tuple[Person, Person]]
    candidates: list[tuple[Person, Person, str]]


@dataclass
class WeaverActions:
    snapshot: NetworkSnapshot | None = None
    loose_total: int = 0
    loose: list[PersonAction] = field(default_factory=list)
    cut_points: list[PersonAction] = field(default_factory=list)
    bridges: list[BridgeAction] = field(default_factory=list)
    stale_introductions: list[Any] = field(default_factory=list)
    brokers: list[tuple[Person, int, int]] = field(default_factory=list)
    introductions_available: bool = False


def _visible(viewer: Viewer, pks: list[int]) -> dict[int, Person]:
    if not pks:
        return {}
    return {p.pk: p for p in Person.objects.filter(map_people_q(viewer), pk__in=set(pks))}


def _causes_of(pks: set[int]) -> dict[int, dict[int, tuple[str, int]]]:
    """``{person: {cause_root_id: (name, passion)}}`` (sub-causes count as their parent)."""
    from causes.models import Interest

    result: dict[int, dict[int, tuple[str, int]]] = defaultdict(dict)
    rows = Interest.objects.filter(person_id__in=pks).values_list(
        "person_id", "cause_id", "cause__name", "cause__parent_id", "cause__parent__name", "passion"
    )
    for person_id, cause_id, name, parent_id, parent_name, passion in rows:
        root, root_name = (parent_id, parent_name) if parent_id else (cause_id, name)
        best = result[person_id].get(root)
        if best is None or passion > best[1]:
            result[person_id][root] = (root_name, passion)
    return result


def _tied_pairs(pks: set[int]) -> set[tuple[int, int]]:
    return set(
        Tie.objects.filter(person_a_id__in=pks, person_b_id__in=pks).values_list(
            "person_a_id", "person_b_id"
        )
    )


def introduction_suggestions(
    *, viewer: Viewer, person: Person, snapshot: NetworkSnapshot | None, limit: int = 5
) -> list[tuple[Person, str]]:
    """Well-connected people the viewer may see who share a cause with ``person`` and do not
    know them yet, best connected first: who ``person`` could be introduced to."""
    causes = _causes_of({person.pk}).get(person.pk, {})
    if not causes:
        return []
    from causes.models import Interest

    roots = list(causes)
    sharing = (
        Interest.objects.filter(Q(cause_id__in=roots) | Q(cause__parent_id__in=roots))
        .filter(passion__gte=3)
        .exclude(person_id=person.pk)
        .filter(person__in=Person.objects.filter(map_people_q(viewer)))
        .exclude(person__do_not_contact=True)
        .values_list("person_id", "cause_id", "cause__parent_id")
    )
    cause_of: dict[int, int] = {}
    for pid, cause_id, parent_id in sharing[:5000]:
        cause_of.setdefault(pid, parent_id or cause_id)
    known = set(Tie.objects.involving(person.pk).values_list("person_a_id", "person_b_id"))
    known_ids = {a for a, _ in known} | {b for _, b in known}
    candidates = [pid for pid in cause_of if pid not in known_ids]
    degree: dict[int, int] = {}
    if snapshot is not None and candidates:
        degree = dict(
            PersonMetric.objects.filter(snapshot=snapshot, person_id__in=candidates).values_list(
                "person_id", "degree"
            )
        )
    candidates.sort(key=lambda pid: (-degree.get(pid, 0), pid))
    chosen = candidates[:limit]
    people = _visible(viewer, chosen)
    return [(people[pid], causes[cause_of[pid]][0]) for pid in chosen if pid in people]


def weaver_actions(*, viewer: Viewer) -> WeaverActions:
    """The weaver actions panel for the viewer, from the latest snapshot."""
    result = WeaverActions(snapshot=snapshot_latest())
    snapshot = result.snapshot
    if snapshot is not None:
        loose = (
            PersonMetric.objects.filter(snapshot=snapshot, degree__lte=1)
            .filter(person__in=Person.objects.filter(map_people_q(viewer)))
            .order_by("degree", "person__display_name", "person_id")
        )
        result.loose_total = loose.count()
        rows = list(loose.values_list("person_id", "degree")[:ACTION_LIMIT])
        people = _visible(viewer, [pk for pk, _ in rows])
        result.loose = [PersonAction(person=people[pk], degree=d) for pk, d in rows if pk in people]
        cuts = [(int(pk), int(n)) for pk, n in snapshot.findings.get("cut_points", [])]
        people = _visible(viewer, [pk for pk, _ in cuts])
        result.cut_points = [
            PersonAction(person=people[pk], cut_off=n) for pk, n in cuts if pk in people
        ][:ACTION_LIMIT]
        result.bridges = _bridge_actions(viewer, snapshot)
    _introduction_actions(viewer, result)
    return result


def _bridge_actions(viewer: Viewer, snapshot: NetworkSnapshot) -> list[BridgeAction]:
    links = snapshot.findings.get("community_links", [])[:6]
    if not links:
        return []
    communities = {c for link in links for c in (link["a"], link["b"])}
    members: dict[int, list[int]] = defaultdict(list)
    for pk, community in (
        PersonMetric.objects.filter(snapshot=snapshot, community__in=communities)
        .filter(person__in=Person.objects.filter(map_people_q(viewer)))
        .values_list("person_id", "community")
    ):
        members[community].append(pk)
    everyone = {pk for pks in members.values() for pk in pks}
    causes = _causes_of(everyone)
    tied = _tied_pairs(everyone)
    link_people = _visible(viewer, [pk for link in links for t in link["ties"] for pk in t])
    actions: list[BridgeAction] = []
    for link in links:
        pairs: list[tuple[int, int, str, int]] = []
        for a in members.get(link["a"], []):
            for root, (name, passion) in causes.get(a, {}).items():
                for b in members.get(link["b"], []):
                    other = causes.get(b, {}).get(root)
                    if other is None or (min(a, b), max(a, b)) in tied:
                        continue
                    pairs.append((a, b, name, passion + other[1]))
            if len(pairs) > 2000:
                break
        pairs.sort(key=lambda p: (-p[3], p[0], p[1]))
        picked: list[tuple[int, int, str, int]] = []
        used: set[int] = set()
        for pair in pairs:
            if pair[0] in used or pair[1] in used:
                continue
            picked.append(pair)
            used.update(pair[:2])
            if len(picked) == 3:
                break
        people = _visible(viewer, [pk for p in picked for pk in p[:2]])
        actions.append(
            BridgeAction(
                size_a=link["size_a"],
                size_b=link["size_b"],
                links=[
                    (link_people[a], link_people[b])
                    for a, b in link["ties"]
                    if a in link_people and b in link_people
                ],
                candidates=[
                    (people[a], people[b], name)
                    for a, b, name, _ in picked
                    if a in people and b in people
                ],
            )
        )
    return actions


def _introduction_actions(viewer: Viewer, result: WeaverActions) -> None:
    """Stale introductions and broker load, when the introductions part exists."""
    try:
        from people.introductions import selectors as intro
    except ImportError:
        return
    stale = getattr(intro, "introduction_list_stale", None)
    load = getattr(intro, "broker_load_this_month", None)
    if stale is None or load is None:
        return
    from django.conf import settings

    result.introductions_available = True
    days = int(getattr(settings, "INTRODUCTION_STALE_DAYS", 7))
    # The panel names the requester and the target: never a hidden one.
    result.stale_introductions = list(
        stale(viewer=viewer, older_than_days=days)
        .exclude(requester__visibility=Visibility.HIDDEN)
        .exclude(target__visibility=Visibility.HIDDEN)[:ACTION_LIMIT]
    )
    result.brokers = [
        (person, used, capacity)
        for person, used, capacity in load(viewer=viewer)
        if capacity and used >= max(1, capacity - 1) and person.visibility != Visibility.HIDDEN
    ][:ACTION_LIMIT]


# =============================================================================================
# Trends
# =============================================================================================


def _months(now: dt.datetime) -> list[dt.date]:
    local = timezone.localtime(now).date().replace(day=1)
    months = []
    year, month = local.year, local.month
    for _ in range(TREND_MONTHS):
        months.append(dt.date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(months))


def _per_month(qs: Any, field_name: str, months: list[dt.date]) -> list[int]:
    start = timezone.make_aware(dt.datetime.combine(months[0], dt.time()))
    counts = {
        (row["m"].date() if isinstance(row["m"], dt.datetime) else row["m"]): row["n"]
        for row in qs.filter(**{f"{field_name}__gte": start})
        .annotate(m=TruncMonth(field_name))
        .values("m")
        .annotate(n=Count("id"))
        .order_by()
    }
    return [counts.get(m, 0) for m in months]


def dashboard_trends(*, viewer: Viewer) -> dict[str, Any]:
    """Series for the small charts: per month (new ties, introductions made, groups convened)
    and per snapshot (density, isolated members). Plain numbers, no names."""
    months = _months(timezone.now())
    ties = Tie.objects.exclude(person_a__visibility=Visibility.HIDDEN).exclude(
        person_b__visibility=Visibility.HIDDEN
    )
    trends: dict[str, Any] = {
        "months": [m.isoformat() for m in months],
        "new_ties": _per_month(ties, "created_at", months),
        "notes": [],
    }
    try:
        introduction = apps.get_model("people", "Introduction")
    except LookupError:
        trends["introductions_made"] = [0] * len(months)
        trends["notes"].append("Introductions are not recorded yet: shown as 0.")
    else:
        made = introduction.objects.filter(state="made")
        trends["introductions_made"] = _per_month(made, "decided_at", months)
    try:
        group = apps.get_model("causes", "GroupSuggestion")
    except LookupError:
        trends["groups_convened"] = [0] * len(months)
        trends["notes"].append("Small-batch groups are not recorded yet: shown as 0.")
    else:
        trends["groups_convened"] = _groups_convened(group, months)
    snapshots = list(
        NetworkSnapshot.objects.filter(
            status=NetworkSnapshot.Status.DONE, finished_at__isnull=False
        )
        .order_by("-finished_at", "-id")
        .values_list("finished_at", "density", "isolated", "people", "ties")[:TREND_SNAPSHOTS]
    )
    snapshots.reverse()
    trends["snapshots"] = {
        "at": [int(at.timestamp()) for at, *_ in snapshots if at is not None],
        "density": [round(d, 5) for _, d, *_ in snapshots],
        "isolated": [i for _, _, i, *_ in snapshots],
        "people": [p for *_, p, _ in snapshots],
        "ties": [t for *_, t in snapshots],
    }
    return trends


def _groups_convened(model: Any, months: list[dt.date]) -> list[int]:
    names = {f.name for f in model._meta.get_fields()}
    status_field = next((n for n in ("status", "state") if n in names), None)
    date_field = next(
        (n for n in ("convened_at", "decided_at", "updated_at", "created_at") if n in names), None
    )
    if status_field is None or date_field is None:
        return [0] * len(months)
    qs = model.objects.filter(**{status_field: "convened"})
    return _per_month(qs, date_field, months)
