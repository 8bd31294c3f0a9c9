"""Reads about causes and interests, always given the viewer.

Who may be seen is decided by ``people.selectors.person_visibility_q`` alone, so the cause
pages, the directory and the API cannot drift apart; the filtering happens in the query.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce

from causes.models import Cause, Interest
from people.models import Person
from people.roles import Viewer
from people.selectors import person_visibility_q


def cause_tree_visible_to(*, viewer: Viewer) -> list[Cause]:
    """Top-level causes, each with ``sub_causes`` (a list) and ``people_count``: how many
    people the viewer may see care about it (for a top-level cause, about it or any of its
    sub-causes, each person counted once). Three queries whatever the taxonomy size."""
    causes = list(
        Cause.objects.annotate(
            direct_count=Count(
                "interests__person",
                filter=person_visibility_q(viewer, "interests__person__"),
                distinct=True,
            )
        ).order_by("name")
    )
    visible_interests = Interest.objects.filter(person_visibility_q(viewer, "person__"))
    totals = dict(
        visible_interests.annotate(root=Coalesce("cause__parent_id", "cause_id"))
        .values("root")
        .annotate(n=Count("person", distinct=True))
        .values_list("root", "n")
    )
    by_parent: dict[int, list[Cause]] = {}
    for cause in causes:
        cause.people_count = cause.direct_count  # type: ignore[attr-defined]
        if cause.parent_id is not None:
            by_parent.setdefault(cause.parent_id, []).append(cause)
    roots: list[Cause] = [c for c in causes if c.parent_id is None]
    for root in roots:
        root.sub_causes = by_parent.get(root.pk, [])  # type: ignore[attr-defined]
        root.people_count = totals.get(root.pk, 0)  # type: ignore[attr-defined]
    return roots


def cause_get(*, slug: str) -> Cause | None:
    """A cause by slug (causes are public to every member), with its parent and sub-causes."""
    return (
        Cause.objects.select_related("parent").prefetch_related("children").filter(slug=slug)
    ).first()


def cause_choices() -> QuerySet[Cause]:
    """Every cause, parents before their sub-causes, for forms and filters."""
    return Cause.objects.select_related("parent").order_by(
        Coalesce("parent__name", "name"), "parent_id", "name"
    )


def interest_list_for_cause_visible_to(*, viewer: Viewer, cause: Cause) -> QuerySet[Interest]:
    """Who cares about ``cause`` (and, for a top-level cause, its sub-causes), among the
    people the viewer may see, most passionate first."""
    return (
        Interest.objects.filter(Q(cause=cause) | Q(cause__parent=cause))
        .filter(person_visibility_q(viewer, "person__"))
        .select_related("person", "cause")
        .order_by("-passion", "person__display_name", "person_id", "cause__name")
    )


def interest_list_of_person(*, viewer: Viewer, person: Person) -> QuerySet[Interest]:
    """A person's interests with their causes, strongest first; empty when the viewer may
    not see the person."""
    return (
        Interest.objects.filter(person=person)
        .filter(person_visibility_q(viewer, "person__"))
        .select_related("cause", "cause__parent")
        .order_by("-passion", "cause__name")
    )
