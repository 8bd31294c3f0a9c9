"""Writers of the graph change log (people.models.GraphChange).

Call these from every service that changes something a path depends on, inside the same
transaction: a tie's sides or existence; a person's visibility, openness to introductions,
do-not-contact flag or "do not introduce me to" list; or a bulk load (``note_rebuild``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from people.models import GraphChange, ordered_pair


def note_tie_changed(one: int, other: int) -> None:
    low, high = ordered_pair(one, other)
    GraphChange.objects.create(kind=GraphChange.Kind.TIE, person_id=low, other_id=high)


def note_ties_changed(pairs: Iterable[tuple[int, int]]) -> None:
    GraphChange.objects.bulk_create(
        GraphChange(kind=GraphChange.Kind.TIE, person_id=low, other_id=high)
        for low, high in (ordered_pair(a, b) for a, b in pairs)
    )


def note_person_changed(person_id: int) -> None:
    GraphChange.objects.create(kind=GraphChange.Kind.PERSON, person_id=person_id)


def note_rebuild() -> None:
    """After a bulk load or a merge: every resident graph rebuilds from scratch."""
    GraphChange.objects.create(kind=GraphChange.Kind.REBUILD)


def graph_log_prune(*, older_than: dt.timedelta) -> int:
    """Delete change-log rows older than ``older_than``; returns how many.

    A worker that has not refreshed since before the cut would otherwise miss the deleted rows,
    so the prune writes a rebuild marker in the same transaction: every resident graph rebuilds
    once (run it at night).
    """
    with transaction.atomic():
        cutoff = timezone.now() - older_than
        deleted, _ = GraphChange.objects.filter(at__lt=cutoff).delete()
        if deleted:
            note_rebuild()
    return deleted
