"""The path graph kept resident in each worker process, current through the change log.

A full build reads every person and tie once (a few seconds at 1,000,000 ties). After that,
before each search, :meth:`ResidentGraph.refresh` reads the change-log rows after the last one
applied (one indexed query) and re-reads only the people and ties they name. It rebuilds from
scratch when a row asks for it (bulk loads, merges) or when it has fallen more than
``settings.PATH_GRAPH_MAX_REPLAY`` rows behind.

Commit order: log ids are assigned when rows are inserted, but transactions may commit out of
order, so a row with a lower id can appear after a higher one was applied. Ids missing below the
highest applied id are remembered as gaps and looked at again on the next refreshes, until they
appear or are older than ``settings.PATH_GRAPH_GAP_SECONDS`` (a rolled-back transaction leaves a
gap that never fills). Applying a row re-reads current state, so applying one twice is harmless.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx
from django.conf import settings
from django.db.models import Max, Q

from network_app.graph import load_ties, remove_person, remove_tie, set_person, set_tie
from people.models import GraphChange, Person, SideStatus, Tie, Visibility

TIE_FIELDS = (
    "person_a_id",
    "person_b_id",
    "a_strength",
    "b_strength",
    "a_allows_introductions",
    "b_allows_introductions",
    "a_status",
    "b_status",
)
PERSON_FIELDS = ("pk", "visibility", "open_to_introductions", "do_not_contact")


def _apply_person(G: nx.Graph, row: tuple, blocks: Iterable[int]) -> None:
    pk, visibility, open_to_introductions, do_not_contact = row
    is_open = bool(open_to_introductions) and not do_not_contact
    set_person(
        G,
        pk,
        open=is_open,
        intermediary=is_open and visibility != Visibility.HIDDEN,
        blocks=blocks,
    )


def _apply_tie(G: nx.Graph, row: tuple) -> None:
    a, b, sa, sb, allow_a, allow_b, status_a, status_b = row
    set_tie(
        G,
        a,
        b,
        strength_one=sa,
        strength_other=sb,
        allow_one=allow_a,
        allow_other=allow_b,
        disputed=SideStatus.DISPUTED in (status_a, status_b),
    )


def _blocks_of(person_ids: Iterable[int] | None) -> dict[int, list[int]]:
    through = Person.do_not_introduce.through
    qs = through.objects.all()
    if person_ids is not None:
        qs = qs.filter(from_person_id__in=list(person_ids))
    blocks: dict[int, list[int]] = defaultdict(list)
    for owner, blocked in qs.values_list("from_person_id", "to_person_id").iterator(
        chunk_size=20_000
    ):
        blocks[owner].append(blocked)
    return blocks


def build_graph() -> tuple[nx.Graph, int]:
    """Read every person and tie into a new graph. Returns the graph and the log version."""
    # Read the version first: a change committed during the build is then replayed later.
    version = GraphChange.objects.aggregate(v=Max("id"))["v"] or 0
    G = nx.Graph()
    blocks = _blocks_of(None)
    for row in Person.objects.values_list(*PERSON_FIELDS).iterator(chunk_size=20_000):
        _apply_person(G, row, blocks.get(row[0], ()))
    disputed = SideStatus.DISPUTED
    load_ties(
        G,
        (
            (a, b, sa, sb, allow_a, allow_b, status_a == disputed or status_b == disputed)
            for a, b, sa, sb, allow_a, allow_b, status_a, status_b in Tie.objects.values_list(
                *TIE_FIELDS
            ).iterator(chunk_size=20_000)
        ),
    )
    return G, version


@dataclass
class RefreshReport:
    rebuilt: bool = False
    applied: int = 0
    seconds: float = 0.0


@dataclass
class ResidentGraph:
    """One process's graph plus the log position it reflects."""

    graph: nx.Graph = field(default_factory=nx.Graph)
    version: int = -1
    gaps: dict[int, float] = field(default_factory=dict)
    built_at: float = 0.0
    build_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def rebuild(self) -> None:
        started = time.perf_counter()
        self.graph, self.version = build_graph()
        # A transaction still open during the build may hold a log id just below the version:
        # remember the missing ids of a recent window as gaps, so they are replayed if they
        # commit later.
        window = 500
        present = set(
            GraphChange.objects.filter(
                id__gt=self.version - window, id__lte=self.version
            ).values_list("id", flat=True)
        )
        now = time.time()
        self.gaps = {
            i: now
            for i in range(max(1, self.version - window + 1), self.version + 1)
            if i not in present
        }
        self.built_at = time.time()
        self.build_seconds = time.perf_counter() - started

    def refresh(self) -> RefreshReport:
        """Bring the graph up to date with the change log (see the module docstring)."""
        with self.lock:
            started = time.perf_counter()
            report = RefreshReport()
            if self.version < 0:
                self.rebuild()
                report.rebuilt = True
                report.seconds = time.perf_counter() - started
                return report
            limit = int(settings.PATH_GRAPH_MAX_REPLAY)
            query = Q(id__gt=self.version)
            if self.gaps:
                query |= Q(id__in=list(self.gaps))
            rows = list(
                GraphChange.objects.filter(query)
                .order_by("id")
                .values_list("id", "kind", "person_id", "other_id")[: limit + 1]
            )
            if len(rows) > limit or any(kind == GraphChange.Kind.REBUILD for _, kind, _, _ in rows):
                self.rebuild()
                report.rebuilt = True
            elif rows:
                self._apply(rows)
                report.applied = len(rows)
            report.seconds = time.perf_counter() - started
            return report

    def ensure_people(self, person_ids: Iterable[int]) -> int:
        """Load people the graph does not know yet, with their ties (a safety net for rows
        written without a change-log entry). Returns how many were loaded."""
        with self.lock:
            missing = [pk for pk in person_ids if pk not in self.graph]
            if not missing:
                return 0
            G = self.graph
            blocks = _blocks_of(missing)
            for row in Person.objects.filter(pk__in=missing).values_list(*PERSON_FIELDS):
                _apply_person(G, row, blocks.get(row[0], ()))
            ties = Tie.objects.filter(Q(person_a_id__in=missing) | Q(person_b_id__in=missing))
            others: set[int] = set()
            rows = list(ties.values_list(*TIE_FIELDS))
            for row in rows:
                others.update(row[:2])
            others -= set(G.nodes)
            if others:
                other_blocks = _blocks_of(others)
                for row in Person.objects.filter(pk__in=others).values_list(*PERSON_FIELDS):
                    _apply_person(G, row, other_blocks.get(row[0], ()))
            for row in rows:
                _apply_tie(G, row)
            return len(missing)

    def _apply(self, rows: list[tuple[int, str, int | None, int | None]]) -> None:
        people: set[int] = set()
        pairs: set[tuple[int, int]] = set()
        for _, kind, person_id, other_id in rows:
            if kind == GraphChange.Kind.PERSON and person_id is not None:
                people.add(person_id)
            elif kind == GraphChange.Kind.TIE and person_id is not None and other_id is not None:
                pairs.add((person_id, other_id))
        G = self.graph
        if people:
            found = Person.objects.filter(pk__in=people).values_list(*PERSON_FIELDS)
            blocks = _blocks_of(people)
            seen = set()
            for row in found:
                _apply_person(G, row, blocks.get(row[0], ()))
                seen.add(row[0])
            for gone in people - seen:
                remove_person(G, gone)
        if pairs:
            pair_q = Q(pk__in=[])
            for low, high in pairs:
                pair_q |= Q(person_a_id=low, person_b_id=high)
            current = {(r[0], r[1]): r for r in Tie.objects.filter(pair_q).values_list(*TIE_FIELDS)}
            for low, high in pairs:
                row = current.get((low, high))
                if row is None:
                    remove_tie(G, low, high)
                else:
                    _apply_tie(G, row)
        self._advance([row[0] for row in rows])

    def _advance(self, ids: list[int]) -> None:
        now = time.time()
        for i in ids:
            self.gaps.pop(i, None)
        top = max(ids)
        for missing in range(self.version + 1, top):
            if missing not in ids:
                self.gaps.setdefault(missing, now)
        self.version = max(self.version, top)
        timeout = float(settings.PATH_GRAPH_GAP_SECONDS)
        self.gaps = {i: t for i, t in self.gaps.items() if now - t < timeout}


_RESIDENT = ResidentGraph()


def resident_graph() -> ResidentGraph:
    """This process's resident graph (built lazily on first use)."""
    return _RESIDENT


def reset_resident_graph() -> None:
    """Forget the resident graph (tests, and after the database is replaced)."""
    global _RESIDENT
    _RESIDENT = ResidentGraph()
