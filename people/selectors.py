"""Reads, always given the viewer. Every visibility rule lives here.

Rules (PRODUCT.md, issue 2):
- a stranger sees nobody;
- a member sees people listed for members, and themself;
- an organizer (and staff, on the site pages) also sees people marked "organizers only";
- nobody but the person sees a hidden person on the site (admins see them in the admin only);
- a member sees a tie when they can see both ends and both sides allow members to see it and
  nobody disputes it, or when the tie is their own; organizers see every tie between people they
  can see;
- email and phone show only to the person and staff.
Filtering happens in the database query, so hidden data never reaches a template.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, Prefetch, Q, QuerySet

from people.models import Affiliation, Organization, Person, SideStatus, Tie, Visibility
from people.roles import Viewer


def _visibilities_seen_by(viewer: Viewer) -> list[str]:
    allowed: list[str] = [Visibility.LISTED]
    if viewer.sees_organizer_only_people:
        allowed.append(Visibility.ORGANIZERS)
    return allowed


def person_visibility_q(viewer: Viewer, prefix: str = "") -> Q:
    """A Q object matching the people the viewer may see (``prefix`` for related lookups)."""
    if not viewer.is_authenticated:
        return Q(pk__in=[])
    allowed = _visibilities_seen_by(viewer)
    q = Q(**{f"{prefix}visibility__in": allowed})
    if viewer.person is not None and viewer.person.visibility not in allowed:
        # A hidden (or organizers-only) member still sees themself. When the viewer's own
        # person is already among ``allowed`` the OR would change nothing, and leaving it out
        # lets PostgreSQL walk the (visibility, display_name) index: at 100,000 people a
        # member's directory page drops from a 100 ms sort of every row to under 1 ms.
        q |= Q(**{f"{prefix}pk": viewer.person_id})
    return q


def visibility_class_of(viewer: Viewer) -> str | None:
    """A cache key part for reads that depend only on which visibilities the viewer sees
    ("members" or "organizers"), or None when they depend on the viewer alone: a stranger, or
    a viewer whose own hidden (or organizers-only) person widens what they see."""
    if not viewer.is_authenticated:
        return None
    allowed = _visibilities_seen_by(viewer)
    if viewer.person is not None and viewer.person.visibility not in allowed:
        return None
    return "organizers" if viewer.sees_organizer_only_people else "members"


def person_list_visible_to(
    *, viewer: Viewer, filters: dict[str, Any] | None = None
) -> QuerySet[Person]:
    """People the viewer may see, for the directory. ``filters`` go through PersonFilter."""
    qs = Person.objects.filter(person_visibility_q(viewer))
    if filters:
        from people.filters import PersonFilter

        qs = PersonFilter(filters, queryset=qs, viewer=viewer).qs
    return qs.order_by("display_name", "id")


def person_get_visible_to(*, viewer: Viewer, public_id: Any) -> Person | None:
    """The person with this public id, or None when missing or not visible to the viewer."""
    return (
        Person.objects.filter(person_visibility_q(viewer), public_id=public_id)
        .prefetch_related(
            Prefetch(
                "affiliations",
                queryset=Affiliation.objects.select_related("organization").order_by(
                    "end", "-start", "id"
                ),
            ),
        )
        .first()
    )


def can_see_private_fields(*, viewer: Viewer, person: Person) -> bool:
    """Email and phone: only the person themself and staff."""
    return viewer.is_staff or (viewer.person_id is not None and viewer.person_id == person.pk)


def tie_visibility_q(viewer: Viewer) -> Q:
    """A Q object over Tie matching the ties the viewer may see."""
    if not viewer.is_authenticated:
        return Q(pk__in=[])
    both_ends = person_visibility_q(viewer, "person_a__") & person_visibility_q(
        viewer, "person_b__"
    )
    own = Q(pk__in=[])
    if viewer.person_id is not None:
        own = Q(person_a_id=viewer.person_id) | Q(person_b_id=viewer.person_id)
    if viewer.sees_organizer_only_people:
        return both_ends | own
    members_may_see = (
        Q(a_visible_to_members=True, b_visible_to_members=True)
        & ~Q(a_status=SideStatus.DISPUTED)
        & ~Q(b_status=SideStatus.DISPUTED)
    )
    return (both_ends & members_may_see) | own


def tie_list_visible_to(*, viewer: Viewer, person: Person | None = None) -> QuerySet[Tie]:
    """Ties the viewer may see, optionally only those involving ``person``."""
    qs = Tie.objects.filter(tie_visibility_q(viewer))
    if person is not None:
        qs = qs.involving(person)
    return qs.select_related("person_a", "person_b").order_by("id")


def tie_list_of_person(*, person: Person) -> QuerySet[Tie]:
    """All ties of a person, for their own "people I know" page (they see every side)."""
    return Tie.objects.involving(person).select_related("person_a", "person_b").order_by("-id")


def tie_get_for_side_owner(*, viewer: Viewer, public_id: Any) -> Tie | None:
    """A tie that the viewer is part of (and so may edit their side of), else None."""
    if viewer.person_id is None:
        return None
    return (
        Tie.objects.involving(viewer.person_id)
        .select_related("person_a", "person_b")
        .filter(public_id=public_id)
        .first()
    )


def person_directory_visible_to(
    *, viewer: Viewer, filters: dict[str, Any] | None = None
) -> QuerySet[Person]:
    """The directory list: ``person_list_visible_to`` plus what a card shows (interests with
    their causes, strongest first), in a fixed number of queries whatever the page size."""
    return person_list_visible_to(viewer=viewer, filters=filters).prefetch_related(
        "interests__cause"
    )


def neighbourhood_options_visible_to(*, viewer: Viewer) -> list[str]:
    """Neighbourhoods of the people the viewer may see, for the directory filter."""
    return list(
        Person.objects.filter(person_visibility_q(viewer))
        .exclude(neighbourhood="")
        .order_by("neighbourhood")
        .values_list("neighbourhood", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class FilterOptions:
    """The filter choices a viewer may see: neighbourhood names, and organizations as
    ``(public_id, name)``; ``key`` is the cache key they were kept under (None: read for this
    viewer alone), for callers that keep something derived from them."""

    neighbourhoods: list[str]
    organizations: list[tuple[str, str]]
    key: str | None = None


def _filter_options_read(viewer: Viewer) -> tuple[list[str], list[tuple[str, str]]]:
    return (
        neighbourhood_options_visible_to(viewer=viewer),
        [
            (str(public_id), name)
            for public_id, name in organization_options_visible_to(viewer=viewer).values_list(
                "public_id", "name"
            )
        ],
    )


def filter_options_visible_to(*, viewer: Viewer) -> FilterOptions:
    """``neighbourhood_options_visible_to`` and ``organization_options_visible_to`` together,
    for the filter forms of the directory, the map and the export: kept in the cache for
    ``FILTER_OPTIONS_CACHE_SECONDS`` per visibility class (never per viewer when the viewer's
    own person widens the set: then they are read afresh). The key carries the newest graph
    change (every change of a person's visibility and every deletion adds one), the newest
    change to any person, and the newest affiliation and organization: a person who hides, or
    a new neighbourhood or organization, makes a new key at once. Only a removed affiliation
    can linger, for at most the cache time. At 100,000 people the two reads take about 250 ms;
    the key is one query of indexed maxima."""
    from django.conf import settings
    from django.core.cache import cache

    from people.models import GraphChange

    seconds = settings.FILTER_OPTIONS_CACHE_SECONDS
    part = visibility_class_of(viewer)
    if part is None or seconds <= 0:
        return FilterOptions(*_filter_options_read(viewer))
    marks = change_marks(
        (GraphChange, "id"),
        (Person, "updated_at"),
        (Affiliation, "id"),
        (Organization, "id"),
        (Organization, "updated_at"),
    )
    key = f"filter-options:v3:{part}:{hashlib.sha256(repr(marks).encode()).hexdigest()}"
    cached = cache.get(key)
    if cached is None:
        cached = _filter_options_read(viewer)
        cache.set(key, cached, seconds)
    neighbourhoods, organizations = cached
    return FilterOptions(neighbourhoods, organizations, key)


def change_marks(*columns: tuple[type[Model], str]) -> tuple[Any, ...]:
    """The newest value of each ``(model, field)`` (e.g. ``(Person, "updated_at")``), in one
    query: the parts of a cache key that changes whenever those rows do."""
    from django.db import connection

    quote = connection.ops.quote_name
    parts = []
    for model, name in columns:
        column = str(getattr(model._meta.get_field(name), "column", name))
        parts.append(f"(SELECT MAX({quote(column)}) FROM {quote(model._meta.db_table)})")  # noqa: S608
    selects = ", ".join(parts)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {selects}")
        row = cursor.fetchone()
    return tuple(row) if row else ()


def organization_options_visible_to(*, viewer: Viewer) -> QuerySet[Organization]:
    """Organizations with at least one person the viewer may see, for the directory filter
    (an organization known only through hidden people does not reveal them)."""
    visible = Person.objects.filter(person_visibility_q(viewer)).values("pk")
    return (
        Organization.objects.filter(
            pk__in=Affiliation.objects.filter(person__in=visible).values("organization")
        )
        .only("public_id", "name")
        .order_by("name", "id")
    )


def tie_list_on_profile_visible_to(*, viewer: Viewer, person: Person) -> QuerySet[Tie]:
    """The ties shown on ``person``'s profile: those the viewer may see, whose two ends the
    viewer may both see (so the viewer's own tie with a hidden person never shows a hidden
    name), and that nobody disputes."""
    return (
        tie_list_visible_to(viewer=viewer, person=person)
        .filter(person_visibility_q(viewer, "person_a__"))
        .filter(person_visibility_q(viewer, "person_b__"))
        .exclude(a_status=SideStatus.DISPUTED)
        .exclude(b_status=SideStatus.DISPUTED)
    )


def tie_list_of_viewer(*, viewer: Viewer) -> list[Tie]:
    """The viewer's own ties for "people I know", newest first: the ones they recorded and the
    ones others recorded about them. Each tie carries ``other_person``: the other person, or
    None when the viewer may not see them (a hidden person stays unnamed; the viewer can still
    answer their own side)."""
    if viewer.person_id is None or viewer.person is None:
        return []
    ties = list(tie_list_of_person(person=viewer.person))
    others = {t.person_b_id if t.person_a_id == viewer.person_id else t.person_a_id for t in ties}
    visible = set(
        Person.objects.filter(person_visibility_q(viewer), pk__in=others).values_list(
            "pk", flat=True
        )
    )
    for tie in ties:
        other = tie.other(viewer.person_id)
        tie.other_person = other if other.pk in visible else None  # type: ignore[attr-defined]
    return ties


def person_find_visible_to(*, viewer: Viewer, public_id: Any) -> Person | None:
    """The person with this public id if the viewer may see them: one plain query, for
    checks and lookups that do not render a profile (compare ``person_get_visible_to``)."""
    try:
        return Person.objects.filter(person_visibility_q(viewer), public_id=public_id).first()
    except (ValueError, ValidationError):
        return None


def people_visible_among(*, viewer: Viewer, person_ids: Iterable[int]) -> dict[int, Person]:
    """The people of ``person_ids`` the viewer may see, by id."""
    return {
        p.pk: p for p in Person.objects.filter(person_visibility_q(viewer), pk__in=set(person_ids))
    }


def ties_among(
    *, viewer: Viewer, pairs: Iterable[tuple[int, int]]
) -> tuple[dict[tuple[int, int], Tie], set[tuple[int, int]]]:
    """The ties of the given ``(low, high)`` pairs, and which of them the viewer may see.

    Two indexed queries over the pairs' people, filtered to the exact pairs in Python.
    """
    wanted = set(pairs)
    if not wanted:
        return {}, set()
    lows = {low for low, _ in wanted}
    highs = {high for _, high in wanted}
    candidates = Tie.objects.filter(person_a_id__in=lows, person_b_id__in=highs)
    ties = {
        (t.person_a_id, t.person_b_id): t
        for t in candidates
        if (t.person_a_id, t.person_b_id) in wanted
    }
    visible = {
        pair
        for pair in candidates.filter(tie_visibility_q(viewer)).values_list(
            "person_a_id", "person_b_id"
        )
        if pair in wanted
    }
    return ties, visible
