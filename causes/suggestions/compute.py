"""Computing one suggestion run: read people, interests and ties, run the engine, store.

Who may be suggested (PRODUCT.md, privacy promises):

- in a group: listed for members, open to groups, not do-not-contact, passion of at least
  ``settings.GROUP_MIN_PASSION`` for the cause or one of its sub-causes;
- in a weaving pair: listed, open to introductions, not do-not-contact;
- as the mutual contact of a pair: listed and able to relay introductions (the path engine's
  ``intermediary``: open, not hidden, not do-not-contact).

Hidden people and people who opted out never reach the engine, so they cannot appear. Ties
count only when usable (``network_app.graph.usable_strength``: consent on both sides, not
disputed).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import networkx as nx
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from causes.models import (
    Cause,
    GroupMember,
    GroupSuggestion,
    Interest,
    SuggestionExclusion,
    SuggestionRun,
    WeavingDismissal,
    WeavingSuggestion,
)
from network_app.graph.groups import (
    Candidate,
    Exclusion,
    GroupScore,
    GroupWeights,
    SearchOptions,
    explain_group,
    suggest_groups,
)
from network_app.graph.weaving import (
    WeaverPerson,
    WeavingPair,
    WeavingWeights,
    community_labels,
    periphery_suggestions,
    weaving_suggestions,
)
from people.models import Affiliation, Person, Sector, Visibility


def _stale_running() -> dt.timedelta:
    """A run still "running" after the task's time limit (plus a minute) was lost with its
    worker and may be claimed again."""
    return dt.timedelta(seconds=settings.SUGGESTIONS_TIME_LIMIT + 60)


Progress = Callable[[int, str], None]


@dataclass
class PersonFacts:
    name: str
    sector: str
    neighbourhood: str
    city: str
    open_to_groups: bool
    open_to_introductions: bool
    organizations: frozenset[int]
    organization_names: tuple[str, ...]


def _listed_people(*, neighbourhood: str = "", city: str = "") -> dict[int, PersonFacts]:
    """Every listed, contactable person (the only people any suggestion may name)."""
    qs = Person.objects.filter(visibility=Visibility.LISTED, do_not_contact=False)
    if neighbourhood:
        qs = qs.filter(neighbourhood=neighbourhood)
    if city:
        qs = qs.filter(city=city)
    people: dict[int, PersonFacts] = {}
    for pk, name, sector, hood, town, groups, intros in qs.values_list(
        "pk",
        "display_name",
        "sector",
        "neighbourhood",
        "city",
        "open_to_groups",
        "open_to_introductions",
    ).iterator(chunk_size=20_000):
        people[pk] = PersonFacts(name, sector, hood, town, groups, intros, frozenset(), ())
    today = timezone.localdate()
    orgs: dict[int, list[tuple[int, str]]] = defaultdict(list)
    current = Affiliation.objects.filter(Q(end__isnull=True) | Q(end__gte=today)).order_by(
        "person_id", "start", "id"
    )
    for person_id, org_id, org_name in current.values_list(
        "person_id", "organization_id", "organization__name"
    ).iterator(chunk_size=20_000):
        if person_id in people:
            orgs[person_id].append((org_id, org_name))
    for pk, found in orgs.items():
        facts = people[pk]
        facts.organizations = frozenset(o for o, _ in found)
        facts.organization_names = tuple(n for _, n in found)
    return people


def _group_candidates(
    cause: Cause, people: dict[int, PersonFacts], children: list[int]
) -> list[Candidate]:
    """Candidates for a cause and its sub-causes: the best passion of each person, and all
    of their offers and needs for those causes."""
    min_passion = settings.GROUP_MIN_PASSION
    best: dict[int, int] = {}
    offers: dict[int, list[str]] = defaultdict(list)
    needs: dict[int, list[str]] = defaultdict(list)
    rows = Interest.objects.filter(
        cause_id__in=[cause.pk, *children], passion__gte=min_passion
    ).values_list("person_id", "passion", "offers", "needs")
    for person_id, passion, offer, need in rows.iterator(chunk_size=20_000):
        facts = people.get(person_id)
        if facts is None or not facts.open_to_groups:
            continue
        best[person_id] = max(passion, best.get(person_id, 0))
        if offer:
            offers[person_id].append(offer)
        if need:
            needs[person_id].append(need)
    sectors = dict(Sector.choices)
    return [
        Candidate(
            id=pk,
            name=people[pk].name,
            passion=passion,
            sector=people[pk].sector,
            sector_label=str(sectors.get(people[pk].sector, people[pk].sector)),
            organizations=people[pk].organizations,
            organization_names=people[pk].organization_names,
            neighbourhood=people[pk].neighbourhood,
            city=people[pk].city,
            offers=tuple(offers[pk]),
            needs=tuple(needs[pk]),
        )
        for pk, passion in sorted(best.items())
    ]


def _exclusions(cause: Cause) -> list[Exclusion]:
    rules = [
        Exclusion(
            members=frozenset(int(i) for i in row.member_ids),
            required=frozenset({row.person_id}) if row.person_id else frozenset(),
            overlap=row.overlap,
        )
        for row in SuggestionExclusion.objects.filter(cause=cause)
    ]
    # A convened group is not proposed again either.
    convened = GroupMember.objects.filter(
        group__cause=cause, group__status=GroupSuggestion.Status.CONVENED
    ).values_list("group_id", "person_id")
    by_group: dict[int, set[int]] = defaultdict(set)
    for group_id, person_id in convened:
        by_group[group_id].add(person_id)
    rules.extend(Exclusion(members=frozenset(m)) for m in by_group.values())
    return rules


def _active_usage() -> dict[int, int]:
    """How many convened groups without an outcome each person is in (they count against
    ``GROUP_MAX_PER_PERSON``)."""
    rows = (
        GroupMember.objects.filter(group__status=GroupSuggestion.Status.CONVENED, group__outcome="")
        .exclude(response=GroupMember.Response.OPTED_OUT)
        .values_list("person_id", flat=True)
    )
    return dict(Counter(rows))


def _role(candidate: Candidate, group: GroupScore) -> str:
    bits = []
    if candidate.sector_label:
        bits.append(candidate.sector_label)
    if candidate.organization_names:
        bits.append(candidate.organization_names[0])
    offered = [m.offer for m in group.matches if m.giver == candidate.id]
    if offered:
        bits.append(f"offers {offered[0]}")
    return " · ".join(bits)[:200]


def _main_place(members: list[Candidate]) -> tuple[str, str]:
    hoods = Counter(c.neighbourhood for c in members if c.neighbourhood)
    cities = Counter(c.city for c in members if c.city)
    hood = ""
    if hoods:
        name, n = hoods.most_common(1)[0]
        if n * 2 > len(members):
            hood = name
    city = cities.most_common(1)[0][0] if cities else ""
    return hood, city


def compute_groups(
    run: SuggestionRun, G: nx.Graph, progress: Progress
) -> tuple[list[GroupSuggestion], list[GroupMember], dict[str, Any]]:
    """Group suggestions for the run's causes (unsaved rows) and statistics."""
    causes = (
        [run.cause]
        if run.cause is not None
        else list(Cause.objects.filter(parent__isnull=True).order_by("name"))
    )
    people = _listed_people(neighbourhood=run.neighbourhood, city=run.city)
    weights = GroupWeights.from_mapping(settings.GROUP_SCORE_WEIGHTS)
    usage = _active_usage()
    children_of: dict[int, list[int]] = defaultdict(list)
    for pk, parent in Cause.objects.filter(parent__isnull=False).values_list("pk", "parent_id"):
        children_of[parent].append(pk)
    groups: list[GroupSuggestion] = []
    members: list[GroupMember] = []
    per_cause: dict[str, int] = {}
    candidates_total = 0
    for index, cause in enumerate(causes):
        progress(15 + int(55 * index / max(1, len(causes))), f"Groups for {cause.name}")
        candidates = _group_candidates(cause, people, children_of.get(cause.pk, []))
        candidates_total += len(candidates)
        options = SearchOptions(
            min_size=settings.GROUP_MIN_SIZE,
            max_size=settings.GROUP_MAX_SIZE,
            max_groups=settings.GROUPS_PER_CAUSE,
            max_per_person=settings.GROUP_MAX_PER_PERSON,
            max_per_organization=settings.GROUP_MAX_PER_ORGANIZATION,
            seed=run.seed,
            seed_limit=max(30, 3 * settings.GROUPS_PER_CAUSE),
            exclusions=_exclusions(cause),
        )
        found = suggest_groups(G, candidates, weights=weights, options=options, usage=usage)
        by_id = {c.id: c for c in candidates}
        per_cause[cause.slug] = len(found)
        for rank, scored in enumerate(found, start=1):
            in_group = [by_id[i] for i in scored.members]
            hood, city = _main_place(in_group)
            group = GroupSuggestion(
                run=run,
                cause=cause,
                neighbourhood=hood,
                city=city,
                rank=rank,
                score=round(scored.score, 6),
                parts={k: round(v, 4) for k, v in scored.parts.items()},
                explanation=[
                    {"text": text, "people": list(ids)}
                    for text, ids in explain_group(scored, by_id, cause_name=cause.name)
                ],
                member_key=",".join(str(i) for i in scored.members),
                is_current=True,
            )
            groups.append(group)
            members.extend(
                GroupMember(group=group, person_id=c.id, role=_role(c, scored), passion=c.passion)
                for c in in_group
            )
    stats = {
        "causes": len(causes),
        "group_candidates": candidates_total,
        "groups": len(groups),
        "groups_per_cause": per_cause,
        "mean_group_score": round(sum(g.score for g in groups) / len(groups), 4) if groups else 0,
    }
    return groups, members, stats


def _weaver_people(G: nx.Graph) -> tuple[dict[int, WeaverPerson], dict[int, PersonFacts]]:
    people = _listed_people()
    causes: dict[int, dict[int, int]] = defaultdict(dict)
    parents = dict(Cause.objects.filter(parent__isnull=False).values_list("pk", "parent_id"))
    # Passion 1 ("curious") is too faint to call a shared cause.
    rows = Interest.objects.filter(passion__gte=2).values_list("person_id", "cause_id", "passion")
    for person_id, cause_id, passion in rows.iterator(chunk_size=50_000):
        if person_id not in people:
            continue
        mine = causes[person_id]
        for key in (cause_id, parents.get(cause_id)):
            if key is not None and passion > mine.get(key, 0):
                mine[key] = passion
    nodes = G._node
    result: dict[int, WeaverPerson] = {}
    for pk, facts in people.items():
        if pk not in G:
            continue
        state = nodes[pk].get("state")
        result[pk] = WeaverPerson(
            id=pk,
            name=facts.name,
            causes=causes.get(pk, {}),
            neighbourhood=facts.neighbourhood,
            city=facts.city,
            eligible=facts.open_to_introductions,
            broker=bool(state is None or state.intermediary),
        )
    return result, people


def _weaving_explanation(
    pair: WeavingPair,
    people: dict[int, WeaverPerson],
    cause_names: dict[int, str],
    degree: Callable[[int], int],
) -> list[dict[str, Any]]:
    a, b = people[pair.person], people[pair.other]
    sentences: list[dict[str, Any]] = []
    cause = cause_names.get(pair.cause or 0, "a cause")
    if pair.kind == WeavingSuggestion.Kind.PERIPHERY:
        ties = degree(a.id)
        has = "no ties yet" if ties == 0 else "only one tie"
        sentences.append({"text": f"{a.name} has {has} in the network.", "people": [a.id]})
        sentences.append(
            {
                "text": f"{b.name} knows {degree(b.id)} people and also cares about {cause}"
                f" ({b.causes.get(pair.cause or 0, 0)}/5; {a.name} "
                f"{a.causes.get(pair.cause or 0, 0)}/5).",
                "people": [a.id, b.id],
            }
        )
    else:
        sentences.append(
            {
                "text": f"{a.name} and {b.name} both care about {cause} "
                f"({a.causes.get(pair.cause or 0, 0)}/5 and {b.causes.get(pair.cause or 0, 0)}/5)"
                " but do not know each other yet.",
                "people": [a.id, b.id],
            }
        )
    if pair.broker is not None and pair.broker_strengths is not None:
        m = people[pair.broker]
        sa, sb = pair.broker_strengths
        sentences.append(
            {
                "text": f"{m.name} knows {a.name} ({sa}/5) and {b.name} ({sb}/5) and could "
                "introduce them.",
                "people": [m.id, a.id, b.id],
            }
        )
    if pair.mutual_contacts > 1:
        sentences.append(
            {"text": f"They have {pair.mutual_contacts} contacts in common.", "people": []}
        )
    if a.neighbourhood and a.neighbourhood == b.neighbourhood:
        sentences.append({"text": f"Both are in {a.neighbourhood}.", "people": []})
    elif a.city and a.city == b.city:
        sentences.append({"text": f"Both are in {a.city}.", "people": []})
    if pair.parts.get("bridging", 0) >= 0.75:
        sentences.append(
            {
                "text": "They are in different parts of the network, so meeting would connect "
                "two groups that barely know each other.",
                "people": [],
            }
        )
    return sentences


def compute_weaving(
    run: SuggestionRun, G: nx.Graph, progress: Progress
) -> tuple[list[WeavingSuggestion], dict[str, Any]]:
    """Weaving suggestions for the whole network (unsaved rows) and statistics."""
    progress(72, "Weaving: reading people and causes")
    people, _facts = _weaver_people(G)
    dismissed = list(WeavingDismissal.objects.values_list("person_low_id", "person_high_id"))
    progress(78, "Weaving: finding communities")
    labels = community_labels(G, seed=run.seed)
    progress(84, "Weaving: closing triangles")
    pairs = weaving_suggestions(
        G,
        people,
        weights=WeavingWeights.from_mapping(settings.WEAVING_SCORE_WEIGHTS),
        limit=settings.WEAVING_MAX_SUGGESTIONS,
        max_per_person=settings.WEAVING_MAX_PER_PERSON,
        communities=labels,
        excluded_pairs=dismissed,
    )
    progress(90, "Weaving: bringing in the periphery")
    periphery = periphery_suggestions(
        G, people, limit=settings.WEAVING_MAX_SUGGESTIONS, excluded_pairs=dismissed
    )
    cause_names = dict(Cause.objects.values_list("pk", "name"))

    def degree(pk: int) -> int:
        from network_app.graph import usable_strength

        return sum(1 for other in G._adj[pk] if usable_strength(G, pk, other) is not None)

    rows = []
    for rank, pair in enumerate([*pairs, *periphery], start=1):
        rows.append(
            WeavingSuggestion(
                run=run,
                kind=pair.kind,
                person_id=pair.person,
                other_id=pair.other,
                broker_id=pair.broker,
                cause_id=pair.cause,
                rank=rank,
                score=round(pair.score, 6),
                parts={k: round(v, 4) for k, v in pair.parts.items()},
                explanation=_weaving_explanation(pair, people, cause_names, degree),
                mutual_contacts=pair.mutual_contacts,
            )
        )
    stats = {"weaving": len(pairs), "periphery": len(periphery), "weaving_people": len(people)}
    return rows, stats


def run_execute(*, run_id: int) -> bool:
    """Claim and compute one run on this process's resident graph, then store its results.

    Idempotent: the row is claimed with a conditional update (``pending``, or ``running`` for
    longer than the task's time limit), so a redelivered task does nothing twice. Returns whether
    this call ran it.
    """
    from people.resident_graph import resident_graph

    now = timezone.now()
    claimed = SuggestionRun.objects.filter(
        Q(status=SuggestionRun.Status.PENDING)
        | Q(status=SuggestionRun.Status.RUNNING, started_at__lt=now - _stale_running()),
        pk=run_id,
    ).update(status=SuggestionRun.Status.RUNNING, started_at=now, progress=5, stage="Starting")
    if not claimed:
        return False
    run = SuggestionRun.objects.select_related("cause").get(pk=run_id)
    started = time.perf_counter()

    def progress(percent: int, stage: str) -> None:
        SuggestionRun.objects.filter(pk=run_id).update(progress=percent, stage=stage[:120])

    try:
        progress(8, "Loading the network")
        resident = resident_graph()
        resident.refresh()
        G = resident.graph
        stats: dict[str, Any] = {"people": G.number_of_nodes(), "ties": G.number_of_edges()}
        groups: list[GroupSuggestion] = []
        members: list[GroupMember] = []
        weaving: list[WeavingSuggestion] = []
        if run.include_groups:
            groups, members, group_stats = compute_groups(run, G, progress)
            stats.update(group_stats)
        if run.include_weaving:
            weaving, weaving_stats = compute_weaving(run, G, progress)
            stats.update(weaving_stats)
        progress(95, "Saving")
        _store(run, groups, members, weaving)
    except Exception:
        SuggestionRun.objects.filter(pk=run_id).update(
            status=SuggestionRun.Status.FAILED,
            error="The run failed. Please try again in a moment.",
            finished_at=timezone.now(),
            compute_ms=(time.perf_counter() - started) * 1000,
            progress=100,
        )
        raise
    stats["seconds"] = round(time.perf_counter() - started, 3)
    SuggestionRun.objects.filter(pk=run_id).update(
        status=SuggestionRun.Status.DONE,
        progress=100,
        stage="Done",
        graph_version=resident.version,
        stats=stats,
        finished_at=timezone.now(),
        compute_ms=(time.perf_counter() - started) * 1000,
    )
    return True


def _store(
    run: SuggestionRun,
    groups: list[GroupSuggestion],
    members: list[GroupMember],
    weaving: list[WeavingSuggestion],
) -> None:
    with transaction.atomic():
        if run.include_groups:
            # The new groups replace the current suggestions of the same causes and scope;
            # the old rows stay (with their run) for comparison.
            causes = {g.cause_id for g in groups}
            if run.cause_id is not None:
                causes.add(run.cause_id)
            else:
                causes |= set(
                    Cause.objects.filter(parent__isnull=True).values_list("pk", flat=True)
                )
            GroupSuggestion.objects.filter(
                cause_id__in=causes,
                is_current=True,
                status=GroupSuggestion.Status.SUGGESTED,
                run__neighbourhood=run.neighbourhood,
                run__city=run.city,
            ).exclude(run=run).update(is_current=False)
            GroupSuggestion.objects.bulk_create(groups, batch_size=500)
            for m in members:
                m.group_id = m.group.pk
            GroupMember.objects.bulk_create(members, batch_size=1000)
        if weaving:
            WeavingSuggestion.objects.bulk_create(weaving, batch_size=1000)
