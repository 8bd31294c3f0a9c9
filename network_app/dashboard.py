"""The organizer dashboard: snapshot services and the reads behind the map, the table and the
person panel.

Who is on the map: the people the viewer may see (``people.selectors.person_visibility_q``) minus
anybody hidden, even the viewer themself ("a person can hide from the map"); ties the viewer may
see (``tie_visibility_q``) between two people on the map, never a disputed one. Filters are
applied in the database query, so hidden data never reaches the browser. The metrics job uses
the same network (nobody hidden, no disputed tie), computed over all of it.

Weaver actions live in :mod:`network_app.weaver`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from network_app.graph.metrics import build_graph, network_metrics
from network_app.models import NetworkSnapshot, PersonMetric
from network_app.queue import enqueue_on_commit, time_limits
from people import selectors
from people.filters import PersonFilter
from people.models import Person, SideStatus, Tie, Visibility
from people.roles import Viewer
from people.selectors import person_visibility_q, tie_visibility_q

logger = logging.getLogger(__name__)

# Beyond this many people the map shows the best connected ones (the table still lists all).
MAP_MAX_PEOPLE = 10_000
STRENGTH_CHOICES = (1, 2, 3, 4, 5)
METRIC_FIELDS = ("degree", "weighted_degree", "betweenness", "closeness", "eigenvector")


def can_use_dashboard(viewer: Viewer) -> bool:
    """Organizers (and staff) only: members and strangers are refused."""
    return viewer.is_authenticated and (viewer.is_organizer or viewer.is_staff)


# =============================================================================================
# Snapshots (services)
# =============================================================================================


def _fail_lost_snapshots() -> None:
    # A snapshot running longer than the job's hard time limit was lost with its worker.
    limit = timezone.now() - dt.timedelta(seconds=settings.DASHBOARD_METRICS_TIME_LIMIT + 60)
    NetworkSnapshot.objects.filter(
        Q(status=NetworkSnapshot.Status.RUNNING, started_at__lt=limit)
        | Q(status=NetworkSnapshot.Status.PENDING, created_at__lt=limit)
    ).update(status=NetworkSnapshot.Status.FAILED, error="Lost: the job did not finish in time.")


def snapshot_request(
    *, by: Any = None, trigger: str = NetworkSnapshot.Trigger.MANUAL
) -> tuple[NetworkSnapshot, bool]:
    """Ask for a new metrics snapshot and enqueue its job after commit.

    Returns ``(snapshot, created)``: when a snapshot is already waiting or running, that one is
    returned (a double click or the nightly run during a manual one computes once).
    """
    from network_app.tasks import compute_metrics_snapshot

    _fail_lost_snapshots()
    in_flight = NetworkSnapshot.objects.filter(
        status__in=[NetworkSnapshot.Status.PENDING, NetworkSnapshot.Status.RUNNING]
    ).first()
    if in_flight is not None:
        return in_flight, False
    try:
        with transaction.atomic():
            snapshot = NetworkSnapshot.objects.create(
                trigger=trigger,
                requested_by=by if getattr(by, "is_authenticated", False) else None,
            )
            limit = int(settings.DASHBOARD_METRICS_TIME_LIMIT)
            snapshot_id = snapshot.pk
            # Redis down: the snapshot stays pending for the sweeper (network_app.queue).
            enqueue_on_commit(
                compute_metrics_snapshot,
                (snapshot_id,),
                what=f"metrics snapshot {snapshot_id}",
                **time_limits(limit),
            )
    except IntegrityError:
        # Another request created one between the check and the insert.
        existing = NetworkSnapshot.objects.filter(
            status__in=[NetworkSnapshot.Status.PENDING, NetworkSnapshot.Status.RUNNING]
        ).first()
        if existing is None:
            raise
        return existing, False
    return snapshot, True


def metrics_graph() -> nx.Graph:
    """The network of the metrics job: everybody not hidden, every tie between two of them
    that nobody disputes, weighted by effective strength (unrated counts as
    ``settings.PATH_UNRATED_STRENGTH``)."""
    unrated = settings.PATH_UNRATED_STRENGTH
    people = Person.objects.exclude(visibility=Visibility.HIDDEN).values_list("pk", flat=True)
    ties = (
        Tie.objects.exclude(a_status=SideStatus.DISPUTED)
        .exclude(b_status=SideStatus.DISPUTED)
        .values_list("person_a_id", "person_b_id", "a_strength", "b_strength")
    )
    return build_graph(
        people.iterator(chunk_size=20_000),
        ((a, b, _effective(sa, sb, unrated)) for a, b, sa, sb in ties.iterator(chunk_size=20_000)),
    )


def _effective(sa: int | None, sb: int | None, unrated: int) -> int:
    rated = [s for s in (sa, sb) if s is not None]
    return min(rated) if rated else unrated


def snapshot_compute(*, snapshot_id: int) -> bool:
    """Compute a pending snapshot: claim it (a redelivered message does nothing twice), read
    the network, compute every metric, store the per-person rows, prune old ones."""
    claimed = NetworkSnapshot.objects.filter(
        pk=snapshot_id, status=NetworkSnapshot.Status.PENDING
    ).update(status=NetworkSnapshot.Status.RUNNING, started_at=timezone.now())
    if not claimed:
        return False
    started = time.perf_counter()
    try:
        G = metrics_graph()
        read_seconds = time.perf_counter() - started
        metrics = network_metrics(G)
        with transaction.atomic():
            snapshot = NetworkSnapshot.objects.select_for_update().get(pk=snapshot_id)
            for name in (
                "people",
                "ties",
                "density",
                "components",
                "largest_component",
                "average_clustering",
                "average_path_length",
                "isolated",
                "peripheral",
                "communities",
                "bridges",
                "sampled",
                "pivots",
            ):
                setattr(snapshot, name, getattr(metrics, name))
            snapshot.findings = {
                "cut_points": [[c.node, c.cut_off] for c in metrics.cut_points[:200]],
                "community_links": [
                    {
                        "a": link.a,
                        "b": link.b,
                        "size_a": link.size_a,
                        "size_b": link.size_b,
                        "ties": [list(t) for t in link.ties],
                    }
                    for link in metrics.community_links[:50]
                ],
                "seconds": {"read": round(read_seconds, 3), **metrics.seconds},
            }
            PersonMetric.objects.bulk_create(
                (
                    PersonMetric(
                        snapshot_id=snapshot_id,
                        person_id=pk,
                        degree=m.degree,
                        weighted_degree=m.weighted_degree,
                        betweenness=m.betweenness,
                        closeness=m.closeness,
                        eigenvector=m.eigenvector,
                        community=m.community,
                        x=m.x,
                        y=m.y,
                    )
                    for pk, m in metrics.per_person.items()
                ),
                batch_size=5_000,
            )
            snapshot.status = NetworkSnapshot.Status.DONE
            snapshot.finished_at = timezone.now()
            snapshot.compute_seconds = round(time.perf_counter() - started, 3)
            snapshot.save()
        _prune_person_metrics()
    except Exception as exc:
        logger.exception("metrics snapshot %s failed", snapshot_id)
        NetworkSnapshot.objects.filter(pk=snapshot_id).update(
            status=NetworkSnapshot.Status.FAILED,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:300],
        )
        raise
    return True


def _prune_person_metrics() -> None:
    keep = max(1, int(settings.DASHBOARD_KEEP_PERSON_METRICS))
    old = list(
        NetworkSnapshot.objects.filter(status=NetworkSnapshot.Status.DONE)
        .order_by("-finished_at", "-id")
        .values_list("pk", flat=True)[keep:]
    )
    if old:
        PersonMetric.objects.filter(snapshot_id__in=old).delete()


def snapshot_latest() -> NetworkSnapshot | None:
    """The newest finished snapshot (network totals only: no names)."""
    return (
        NetworkSnapshot.objects.filter(status=NetworkSnapshot.Status.DONE)
        .order_by("-finished_at", "-id")
        .first()
    )


def snapshot_in_flight() -> NetworkSnapshot | None:
    """The snapshot waiting or running, if any."""
    return NetworkSnapshot.objects.filter(
        status__in=[NetworkSnapshot.Status.PENDING, NetworkSnapshot.Status.RUNNING]
    ).first()


# =============================================================================================
# Map and table (selectors)
# =============================================================================================


@dataclass
class MapFilters:
    """Validated map filters (from :class:`network_app.dashboard_views.MapFilterForm`)."""

    cause: str = ""
    neighbourhood: str = ""
    sector: str = ""
    organization: str = ""
    min_strength: int = 1
    focus: str = ""
    steps: int = 1

    def person_filter_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name in ("cause", "neighbourhood", "sector", "organization"):
            value = getattr(self, name)
            if value:
                data[name] = value
        return data


@dataclass
class MapData:
    """People and ties of the map view, for JSON, the table and exports."""

    people: list[dict[str, Any]] = field(default_factory=list)
    ties: list[tuple[int, int, int]] = field(default_factory=list)
    snapshot: NetworkSnapshot | None = None
    truncated: int = 0
    focus: dict[str, Any] | None = None


def map_people_q(viewer: Viewer) -> Q:
    """People who may appear on the viewer's map: visible to them and not hidden."""
    return person_visibility_q(viewer) & ~Q(visibility=Visibility.HIDDEN)


def map_people_visible_to(*, viewer: Viewer, filters: MapFilters) -> QuerySet[Person]:
    """The people of the map before focusing (the person filters, in the query)."""
    qs = Person.objects.filter(map_people_q(viewer))
    data = filters.person_filter_data()
    if data:
        qs = PersonFilter(data, queryset=qs, viewer=viewer).qs
    return qs


def _strength_q(min_strength: int) -> Q:
    """Ties whose effective strength (the lower rated side; unrated counts as
    ``PATH_UNRATED_STRENGTH``) is at least ``min_strength``."""
    if min_strength <= 1:
        return Q()
    rated_ok = (Q(a_strength__isnull=True) | Q(a_strength__gte=min_strength)) & (
        Q(b_strength__isnull=True) | Q(b_strength__gte=min_strength)
    )
    if min_strength <= settings.PATH_UNRATED_STRENGTH:
        return rated_ok
    return rated_ok & ~Q(a_strength__isnull=True, b_strength__isnull=True)


def map_ties_visible_to(*, viewer: Viewer, min_strength: int = 1) -> QuerySet[Tie]:
    """Ties the viewer may see between two map people, never disputed, strong enough."""
    return (
        Tie.objects.filter(tie_visibility_q(viewer))
        .exclude(person_a__visibility=Visibility.HIDDEN)
        .exclude(person_b__visibility=Visibility.HIDDEN)
        .exclude(a_status=SideStatus.DISPUTED)
        .exclude(b_status=SideStatus.DISPUTED)
        .filter(_strength_q(min_strength))
    )


PERSON_FIELDS = ("pk", "public_id", "display_name", "headline", "sector", "neighbourhood", "city")


def map_data_visible_to(
    *, viewer: Viewer, filters: MapFilters, limit: int | None = MAP_MAX_PEOPLE
) -> MapData:
    """The map: people, ties (as index pairs into ``people``) and the latest metrics.

    A fixed number of queries whatever the size: people, ties, top causes, metrics.
    """
    data = MapData(snapshot=snapshot_latest())
    people_qs = map_people_visible_to(viewer=viewer, filters=filters)
    tie_qs = map_ties_visible_to(viewer=viewer, min_strength=filters.min_strength)
    rows = {row[0]: row for row in people_qs.values_list(*PERSON_FIELDS)}
    if filters.focus:
        focus_row = next((r for r in rows.values() if str(r[1]) == filters.focus), None)
        if focus_row is None:
            return data
        data.focus = {"id": str(focus_row[1]), "name": focus_row[2], "steps": filters.steps}
        keep = {focus_row[0]}
        frontier = {focus_row[0]}
        for _ in range(max(1, min(2, filters.steps))):
            pairs = tie_qs.filter(Q(person_a_id__in=frontier) | Q(person_b_id__in=frontier))
            found: set[int] = set()
            for a, b in pairs.values_list("person_a_id", "person_b_id"):
                found.add(a)
                found.add(b)
            frontier = {pk for pk in found if pk in rows} - keep
            keep |= frontier
        rows = {pk: rows[pk] for pk in keep}
    pk_list = list(rows)
    ties_raw = _ties_among(tie_qs, rows)
    metrics = _metrics_of(data.snapshot, pk_list)
    if limit is not None and len(rows) > limit:
        degree: dict[int, int] = defaultdict(int)
        for a, b, _ in ties_raw:
            degree[a] += 1
            degree[b] += 1
        chosen = set(sorted(rows, key=lambda pk: (-degree[pk], pk))[:limit])
        data.truncated = len(rows) - limit
        rows = {pk: rows[pk] for pk in rows if pk in chosen}
        ties_raw = [t for t in ties_raw if t[0] in chosen and t[1] in chosen]
    causes = _top_causes(list(rows))
    index: dict[int, int] = {}
    view_degree: dict[int, int] = defaultdict(int)
    for a, b, _ in ties_raw:
        view_degree[a] += 1
        view_degree[b] += 1
    for pk, (_, public_id, name, headline, sector, neighbourhood, city) in sorted(
        rows.items(), key=lambda item: (item[1][2], item[0])
    ):
        m = metrics.get(pk)
        index[pk] = len(data.people)
        data.people.append(
            {
                "id": str(public_id),
                "name": name,
                "headline": headline,
                "sector": sector,
                "neighbourhood": neighbourhood,
                "city": city,
                "cause": causes.get(pk, ""),
                "ties": view_degree[pk],
                "community": m.community if m else None,
                "degree": m.degree if m else None,
                "weighted_degree": round(m.weighted_degree, 2) if m else None,
                "betweenness": round(m.betweenness, 6) if m else None,
                "closeness": round(m.closeness, 6) if m else None,
                "eigenvector": round(m.eigenvector, 6) if m else None,
                "x": m.x if m else None,
                "y": m.y if m else None,
            }
        )
    data.ties = [(index[a], index[b], s) for a, b, s in ties_raw]
    return data


def _ties_among(tie_qs: QuerySet[Tie], rows: dict[int, Any]) -> list[tuple[int, int, int]]:
    if not rows:
        return []
    unrated = settings.PATH_UNRATED_STRENGTH
    # The map people are already a filtered set: restrict ties to them in Python when the set
    # is big (a 5,000-id IN list is slower than reading the visible ties once).
    qs = tie_qs
    if len(rows) <= 2_000:
        qs = qs.filter(person_a_id__in=list(rows), person_b_id__in=list(rows))
    return [
        (a, b, _effective(sa, sb, unrated))
        for a, b, sa, sb in qs.values_list(
            "person_a_id", "person_b_id", "a_strength", "b_strength"
        ).iterator(chunk_size=20_000)
        if a in rows and b in rows
    ]


def _metrics_of(snapshot: NetworkSnapshot | None, pks: list[int]) -> dict[int, PersonMetric]:
    if snapshot is None or not pks:
        return {}
    qs = PersonMetric.objects.filter(snapshot=snapshot)
    if len(pks) <= 2_000:
        qs = qs.filter(person_id__in=pks)
    wanted = set(pks)
    return {m.person_id: m for m in qs.iterator(chunk_size=20_000) if m.person_id in wanted}


def _top_causes(pks: list[int]) -> dict[int, str]:
    """Each person's strongest cause (its top-level slug, for colouring), one query."""
    from causes.models import Interest

    if not pks:
        return {}
    qs = Interest.objects.all()
    if len(pks) <= 2_000:
        qs = qs.filter(person_id__in=pks)
    wanted = set(pks)
    top: dict[int, str] = {}
    for person_id, slug, parent_slug in qs.order_by(
        "person_id", "-passion", "cause_id"
    ).values_list("person_id", "cause__slug", "cause__parent__slug"):
        if person_id in wanted and person_id not in top:
            top[person_id] = parent_slug or slug
    return top


def map_person_visible_to(*, viewer: Viewer, public_id: Any) -> Person | None:
    """A person of the viewer's map (visible and not hidden), with their organizations."""
    person = selectors.person_get_visible_to(viewer=viewer, public_id=public_id)
    if person is None or person.visibility == Visibility.HIDDEN:
        return None
    return person


def person_interests(*, person: Person) -> list[Any]:
    """A person's causes, strongest first (causes are public; the person is already checked)."""
    from causes.models import Interest

    return list(
        Interest.objects.filter(person=person).select_related("cause").order_by("-passion", "id")
    )


def map_graph(data: MapData) -> nx.Graph:
    """The map view as a networkx graph for the GraphML / GEXF exports: public ids as node
    ids, only what the map shows (no email, phone or hidden data)."""
    G = nx.Graph()
    for person in data.people:
        attrs = {
            key: value
            for key, value in person.items()
            if key != "id" and value is not None and value != ""
        }
        attrs["label"] = person["name"]
        G.add_node(person["id"], **attrs)
    for a, b, strength in data.ties:
        G.add_edge(data.people[a]["id"], data.people[b]["id"], weight=strength)
    return G
