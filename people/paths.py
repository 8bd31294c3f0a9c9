"""Path searches: starting and running them (services) and presenting them (a reader).

A search is computed by a Celery task (:mod:`people.tasks`) on the resident graph and stores
raw paths (person ids and strengths). What a requester sees is rendered when they read it, with
current privacy: a person or tie the viewer may not see is masked ("a contact of" the previous
person), never named and never given an id.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from network_app.graph import MAX_HOPS, MAX_K, GraphError, NoPath, NotAccepting, best_paths
from people import selectors
from people.errors import DomainError, NotAllowed
from people.models import GraphChange, PathSearch, Person, TieKind, ordered_pair
from people.resident_graph import resident_graph
from people.roles import Viewer, viewer_for


def stale_running() -> dt.timedelta:
    """A running search claimed longer ago than this was lost with its worker and may be
    claimed again (``PATH_SEARCH_STALE_SECONDS``; the task's time limit is shorter)."""
    return dt.timedelta(seconds=float(settings.PATH_SEARCH_STALE_SECONDS))


class SearchNotQueued(Exception):
    """The search is saved (pending) but the job queue could not take it. The sweeper
    (``people.path_searches_requeue``) enqueues it again once the queue is back."""

    def __init__(self, search: PathSearch) -> None:
        super().__init__("The job queue is unavailable.")
        self.search = search


def path_search_enqueue(search_id: int) -> bool:
    """Hand the search to a worker. Returns False (and logs) when the broker is unreachable;
    the row stays pending, so nothing is lost. Nobody waits for the task's return value (the
    row holds the result), so it is not kept: the web process needs no result backend."""
    from network_app.queue import enqueue_now
    from people.tasks import run_path_search

    return enqueue_now(run_path_search, (search_id,), what=f"path search {search_id}")


def graph_version() -> int:
    """The id of the newest change-log row: a search's result is current while it is equal."""
    return GraphChange.objects.aggregate(v=Max("id"))["v"] or 0


def _validated_int(value: Any, field: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(f"Enter a whole number from {low} to {high}.", field=field) from None
    if isinstance(value, bool) or not low <= number <= high or str(number) != str(value).strip():
        raise DomainError(f"Enter a whole number from {low} to {high}.", field=field)
    return number


def path_search_start(
    *,
    by: Any,
    target: Person,
    source: Person | None = None,
    k: Any = 3,
    max_hops: Any = 4,
) -> PathSearch:
    """Ask "how can ``source`` reach ``target``" and enqueue the search after commit.

    A member searches from their own person only; organizers may search from anybody they can
    see, and staff too. The target must be visible to the requester. An identical search of the
    same requester within ``settings.PATH_SEARCH_REUSE_SECONDS`` is reused unless the graph
    changed since.
    """
    viewer = viewer_for(by)
    if not viewer.is_authenticated:
        raise NotAllowed("Log in to search for paths.")
    k = _validated_int(k, "k", 1, MAX_K)
    max_hops = _validated_int(max_hops, "max_hops", 1, MAX_HOPS)
    if source is None:
        if viewer.person is None:
            raise DomainError("Create your profile first: searches start from you.", field="source")
        source = viewer.person
    elif source.pk != viewer.person_id:
        if not (viewer.is_organizer or viewer.is_staff):
            raise NotAllowed("Members can only search from themselves.")
        if selectors.person_find_visible_to(viewer=viewer, public_id=source.public_id) is None:
            raise DomainError("No such person.", field="source")
    if selectors.person_find_visible_to(viewer=viewer, public_id=target.public_id) is None:
        raise DomainError("No such person.", field="target")
    if source.pk == target.pk:
        raise DomainError("Choose someone other than the person searching.", field="target")

    version = graph_version()
    window = timezone.now() - dt.timedelta(seconds=settings.PATH_SEARCH_REUSE_SECONDS)
    same = PathSearch.objects.filter(
        requester=viewer.user,
        source=source,
        target=target,
        k=k,
        max_hops=max_hops,
        created_at__gte=window,
    ).order_by("-created_at")
    recent = same.filter(graph_version=version, status=PathSearch.Status.DONE).first()
    if recent is not None:
        return recent
    # The same search still waiting (e.g. the queue was down when it was asked): ask again
    # for it instead of adding another; a second message for it is harmless (claimed once).
    search = same.filter(status=PathSearch.Status.PENDING).first()
    if search is None:
        search = PathSearch.objects.create(
            requester=viewer.user, source=source, target=target, k=k, max_hops=max_hops
        )
    search_id = search.pk
    if connection.in_atomic_block:  # the caller's transaction: enqueue once it commits
        transaction.on_commit(lambda: path_search_enqueue(search_id))
    elif not path_search_enqueue(search_id):
        raise SearchNotQueued(search)
    return search


def path_search_execute(*, search_id: int) -> bool:
    """Run one search on this process's resident graph. Idempotent: the row is claimed with a
    conditional update, so a redelivered task does nothing twice. Returns whether it ran."""
    now = timezone.now()
    claimed = PathSearch.objects.filter(
        Q(status=PathSearch.Status.PENDING)
        | Q(status=PathSearch.Status.RUNNING, started_at__lt=now - stale_running()),
        pk=search_id,
    ).update(status=PathSearch.Status.RUNNING, started_at=now, progress=10)
    if not claimed:
        return False
    search = PathSearch.objects.get(pk=search_id)
    started = time.perf_counter()
    try:
        resident = resident_graph()
        resident.refresh()
        resident.ensure_people([search.source_id, search.target_id])
        PathSearch.objects.filter(pk=search_id).update(progress=50)
        fields: dict[str, Any] = {"graph_version": resident.version}
        try:
            paths = best_paths(
                resident.graph,
                search.source_id,
                search.target_id,
                k=search.k,
                max_hops=search.max_hops,
                coefficient=settings.PATH_STRENGTH_COEFFICIENT,
                unrated_strength=settings.PATH_UNRATED_STRENGTH,
            )
            fields["result"] = {
                "paths": [
                    {
                        "people": list(p.people),
                        "strengths": list(p.strengths),
                        "likelihood": p.likelihood,
                    }
                    for p in paths
                ]
            }
        except GraphError as exc:
            code = {NoPath: "no_path", NotAccepting: "not_accepting"}.get(type(exc), "no_path")
            fields.update(result={"paths": []}, error_code=code, error=exc.reason)
        fields.update(status=PathSearch.Status.DONE)
    except Exception:
        PathSearch.objects.filter(pk=search_id).update(
            status=PathSearch.Status.FAILED,
            error_code="failed",
            error="The search failed. Please try again in a moment.",
            finished_at=timezone.now(),
            compute_ms=(time.perf_counter() - started) * 1000,
            progress=100,
        )
        raise
    PathSearch.objects.filter(pk=search_id).update(
        finished_at=timezone.now(),
        compute_ms=(time.perf_counter() - started) * 1000,
        progress=100,
        **fields,
    )
    return True


def path_search_claimable_in(*, search_id: int) -> float | None:
    """Seconds until a search that another worker is running may be claimed again (it may
    have died with its worker), or None if there is nothing left to do for it."""
    row = (
        PathSearch.objects.filter(pk=search_id, status=PathSearch.Status.RUNNING)
        .values_list("started_at")
        .first()
    )
    if row is None:
        return None
    (started,) = row
    if started is None:  # not claimed by anyone after all: try again soon
        return 1.0
    due = started + stale_running() - timezone.now()
    return max(due.total_seconds(), 0.0) + 1.0


def path_searches_requeue(*, older_than: dt.timedelta, limit: int = 500) -> int:
    """Sweeper: enqueue again the searches still pending after ``older_than`` (their enqueue
    failed, or their message was lost) and those running longer than the stale limit (their
    worker died). Idempotent: a search is claimed once, so an extra message does nothing.
    Stops at the first broker error. Returns how many were enqueued."""
    now = timezone.now()
    due = list(
        PathSearch.objects.filter(
            Q(status=PathSearch.Status.PENDING, created_at__lt=now - older_than)
            | Q(status=PathSearch.Status.RUNNING, started_at__lt=now - stale_running()),
            created_at__gte=now - dt.timedelta(days=1),
        )
        .order_by("-created_at")
        .values_list("pk", flat=True)[:limit]
    )
    queued = 0
    for search_id in due:
        if not path_search_enqueue(search_id):
            break
        queued += 1
    return queued


# ---------------------------------------------------------------------------------------------
# Reading


def path_search_get_for(*, viewer: Viewer, public_id: Any) -> PathSearch | None:
    """A search the viewer may read: only its requester, and staff."""
    if not viewer.is_authenticated:
        return None
    qs = PathSearch.objects.select_related("source", "target").filter(public_id=public_id)
    if not viewer.is_staff:
        qs = qs.filter(requester=viewer.user)
    return qs.first()


MAX_WAIT_SECONDS = 10.0


def path_search_wait(*, search: PathSearch, seconds: float) -> PathSearch:
    """Long polling: wait up to ``seconds`` (at most 10) for the search to finish, checking its
    status with one small query every 5 ms, then return it fresh. Saves clients a request per
    poll; it holds one web thread while it waits, hence the bound."""
    deadline = time.monotonic() + max(0.0, min(seconds, MAX_WAIT_SECONDS))
    finished = (PathSearch.Status.DONE, PathSearch.Status.FAILED)
    status: str | None = search.status
    while status not in finished and time.monotonic() < deadline:
        time.sleep(0.005)
        status = PathSearch.objects.filter(pk=search.pk).values_list("status", flat=True).first()
        if status is None:
            break
    if status is not None and status != search.status:
        search = PathSearch.objects.select_related("source", "target").get(pk=search.pk)
    return search


STRENGTH_WORDS = {5: "very well", 4: "well", 3: "fairly well", 2: "a little", 1: "barely"}
KIND_PHRASES: dict[str, str] = {
    TieKind.COLLEAGUE: "work together",
    TieKind.FRIEND: "are friends",
    TieKind.NEIGHBOUR: "are neighbours",
    TieKind.COLLABORATOR: "collaborate",
    TieKind.BOARD: "serve on a board together",
    TieKind.MENTOR: "are mentor and mentee",
    TieKind.MET_AT_EVENT: "met at an event",
    TieKind.INTRODUCED: "were introduced through Smallbatch",
}


@dataclass(frozen=True)
class Hop:
    """One person on a presented path; ``person`` is None when masked."""

    person: Person | None
    label: str
    strength_in: int | None  # the tie from the previous person (None for the first)


@dataclass(frozen=True)
class PresentedPath:
    hops: list[Hop]
    strengths: list[int]
    likelihood: float
    explanation: str

    @property
    def hop_count(self) -> int:
        return len(self.hops) - 1

    @property
    def broker(self) -> Hop | None:
        return self.hops[1] if len(self.hops) > 2 else None

    @property
    def percent(self) -> int:
        return round(self.likelihood * 100)

    def as_api(self) -> dict[str, Any]:
        return {
            "people": [str(h.person.public_id) if h.person else None for h in self.hops],
            "strengths": self.strengths,
            "likelihood": round(self.likelihood, 4),
            "hops": self.hop_count,
            "explanation": self.explanation,
        }


def path_search_present(*, viewer: Viewer, search: PathSearch) -> list[PresentedPath]:
    """The search's paths as the viewer may see them, with plain-language explanations."""
    raw = search.result.get("paths", []) if isinstance(search.result, dict) else []
    if not raw:
        return []
    ids = {pk for path in raw for pk in path["people"]}
    people = selectors.people_visible_among(viewer=viewer, person_ids=ids)
    pairs = {ordered_pair(u, v) for path in raw for u, v in itertools.pairwise(path["people"])}
    ties, visible_ties = selectors.ties_among(viewer=viewer, pairs=pairs)
    me = viewer.person_id
    presented = []
    for path in raw:
        ids_on_path: list[int] = path["people"]
        strengths: list[int] = path["strengths"]
        last = len(ids_on_path) - 1
        hops: list[Hop] = []
        sentences: list[str] = []
        for i, pk in enumerate(ids_on_path):
            person = people.get(pk)
            if i == 0:
                label = "You" if pk == me else (person.display_name if person else "Someone")
                hops.append(Hop(person=person, label=label, strength_in=None))
                continue
            previous = hops[-1]
            pair = ordered_pair(ids_on_path[i - 1], pk)
            tie = ties.get(pair)
            tie_visible = pair in visible_ties
            strength = strengths[i - 1]
            # Once a hop is masked, the people after it stay masked too (naming them would
            # reveal the hidden tie); the target is shown since the requester chose them.
            shown = person is not None and (
                i == last or (tie_visible and previous.person is not None)
            )
            if shown:
                assert person is not None
                current = Hop(person=person, label=person.display_name, strength_in=strength)
            elif previous.person is None:
                current = Hop(person=None, label="a contact of that contact", strength_in=strength)
            elif previous.label == "You":
                current = Hop(person=None, label="one of your contacts", strength_in=strength)
            else:
                current = Hop(
                    person=None, label=f"a contact of {previous.label}", strength_in=strength
                )
            hops.append(current)
            details = f"{strength}/5"
            if tie is not None and tie_visible and tie.context:
                details += f", {tie.context}"
            if i == 1 and previous.label == "You":
                sentences.append(f"You know {current.label} {STRENGTH_WORDS[strength]} ({details})")
            elif current.person is not None and previous.person is not None and tie_visible:
                relation = KIND_PHRASES.get(tie.kind if tie else "", "know each other")
                sentences.append(f"{previous.label} and {current.label} {relation} ({details})")
            elif previous.person is not None:
                # The current person is masked: name nobody.
                sentences.append(f"{previous.label} knows someone you cannot see ({details})")
            elif current.person is not None:
                sentences.append(f"they know {current.label} ({details})")
            else:
                sentences.append(f"they know another person you cannot see ({details})")
        likelihood = float(path["likelihood"])
        explanation = "; ".join(sentences) + f". Estimated chance: {round(likelihood * 100)}%."
        presented.append(
            PresentedPath(
                hops=hops, strengths=strengths, likelihood=likelihood, explanation=explanation
            )
        )
    return presented
