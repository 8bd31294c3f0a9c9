"""Reads of introductions, always given the viewer.

Who sees an introduction: the people in it once it has reached them (the requester from the
start, each intermediary and the target only when the request gets to them), the network's
organizers, and staff. Filtering happens in the query.
"""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from people.errors import DomainError
from people.models import (
    Introduction,
    IntroductionHop,
    IntroductionState,
    Person,
)
from people.roles import Viewer
from people.selectors import person_visibility_q

ROLES = ("requester", "broker", "target")
TABS = ("asked-of-me", "i-asked", "made")
DECIDED_STATES = (
    IntroductionState.MADE,
    IntroductionState.DECLINED_BY_BROKER,
    IntroductionState.DECLINED_BY_TARGET,
)


def sees_all_introductions(viewer: Viewer) -> bool:
    return viewer.is_organizer or viewer.is_staff


def introduction_visibility_q(viewer: Viewer) -> Q:
    """A Q over Introduction matching what the viewer may see."""
    if not viewer.is_authenticated:
        return Q(pk__in=[])
    if sees_all_introductions(viewer):
        return Q()
    if viewer.person_id is None:
        return Q(pk__in=[])
    reached = IntroductionHop.objects.filter(
        person_id=viewer.person_id, reached_at__isnull=False
    ).values("introduction_id")
    return Q(requester_id=viewer.person_id) | Q(pk__in=reached)


def _own_role_q(viewer: Viewer, role: str) -> Q:
    """The viewer's own introductions in one role (organizers too: their own, not all)."""
    me = viewer.person_id
    if me is None:
        return Q(pk__in=[])
    if role == "requester":
        return Q(requester_id=me)
    hop_role = (
        IntroductionHop.Role.TARGET if role == "target" else IntroductionHop.Role.INTERMEDIARY
    )
    hops = IntroductionHop.objects.filter(
        person_id=me, role=hop_role, reached_at__isnull=False
    ).values("introduction_id")
    return Q(pk__in=hops)


def introduction_list_for(
    *,
    viewer: Viewer,
    role: str | None = None,
    state: str | None = None,
    tab: str | None = None,
) -> QuerySet[Introduction]:
    """Introductions the viewer may see, newest first.

    ``role`` (requester, broker, target) narrows to the viewer's own part; ``tab`` is the
    inbox's: "asked-of-me" (intermediary or target), "i-asked", "made" (made ones the viewer is
    in). ``state`` is one of :class:`IntroductionState`. Unknown values raise ``DomainError``.
    """
    qs = Introduction.objects.filter(introduction_visibility_q(viewer))
    if role:
        if role not in ROLES:
            raise DomainError("Choose requester, broker or target.", field="role")
        qs = qs.filter(_own_role_q(viewer, role))
    if tab:
        if tab not in TABS:
            raise DomainError("Unknown tab.", field="tab")
        if tab == "asked-of-me":
            qs = qs.filter(_own_role_q(viewer, "broker") | _own_role_q(viewer, "target"))
        elif tab == "i-asked":
            qs = qs.filter(_own_role_q(viewer, "requester"))
        else:
            mine = (
                _own_role_q(viewer, "requester")
                | _own_role_q(viewer, "broker")
                | _own_role_q(viewer, "target")
            )
            qs = qs.filter(mine, state=IntroductionState.MADE)
    if state:
        declined = (IntroductionState.DECLINED_BY_BROKER, IntroductionState.DECLINED_BY_TARGET)
        if state == "declined" or (state in declined and not sees_all_introductions(viewer)):
            # Who declined is not the requester's to learn: both filters give both kinds.
            qs = qs.filter(state__in=declined)
        elif state in IntroductionState.values:
            qs = qs.filter(state=state)
        else:
            raise DomainError("Unknown state.", field="state")
    return qs.select_related("requester", "target", "broker", "current_holder").order_by(
        "-updated_at", "-id"
    )


def introduction_get_for(*, viewer: Viewer, public_id: Any) -> Introduction | None:
    """One introduction if the viewer may see it, else None (a 404: existence does not leak)."""
    try:
        return (
            Introduction.objects.filter(introduction_visibility_q(viewer), public_id=public_id)
            .select_related("requester", "target", "broker", "current_holder")
            .first()
        )
    except (ValueError, ValidationError):
        return None


def introduction_waiting_count(*, viewer: Viewer) -> int:
    """How many introductions wait for the viewer's answer."""
    if viewer.person_id is None:
        return 0
    return Introduction.objects.filter(
        current_holder_id=viewer.person_id,
        state__in=(
            IntroductionState.REQUESTED,
            IntroductionState.ACCEPTED_BY_BROKER,
            IntroductionState.ACCEPTED_BY_TARGET,
        ),
    ).count()


# ---------------------------------------------------------------------------------------------
# Organizer figures (over what the viewer may see: the whole network for organizers)


def introduction_counts_by_state(*, viewer: Viewer) -> dict[str, int]:
    """``{state: count}`` for every state (zeros included)."""
    counts = dict.fromkeys(IntroductionState.values, 0)
    rows = (
        Introduction.objects.filter(introduction_visibility_q(viewer))
        .values("state")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[row["state"]] = row["n"]
    return counts


def introduction_list_stale(*, viewer: Viewer, older_than_days: int) -> QuerySet[Introduction]:
    """Requests still waiting on a first answer or on the target (requested or
    accepted_by_broker) with no change for ``older_than_days`` days, oldest first."""
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    return (
        Introduction.objects.filter(
            introduction_visibility_q(viewer),
            state__in=(IntroductionState.REQUESTED, IntroductionState.ACCEPTED_BY_BROKER),
            updated_at__lt=cutoff,
        )
        .select_related("requester", "target", "broker", "current_holder")
        .order_by("updated_at", "id")
    )


def introduction_median_days_to_decision(*, viewer: Viewer) -> float | None:
    """The median days from request to decision (made or declined), or None without any."""
    rows = Introduction.objects.filter(
        introduction_visibility_q(viewer),
        state__in=DECIDED_STATES,
        decided_at__isnull=False,
    ).values_list("created_at", "decided_at")
    durations = [
        (decided - created).total_seconds() / 86400 for created, decided in rows if decided
    ]
    return round(statistics.median(durations), 1) if durations else None


def month_start(now: dt.datetime | None = None) -> dt.datetime:
    """The first instant of the current month in the site's time zone."""
    local = timezone.localtime(now or timezone.now())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def broker_used_this_month(broker: Person) -> int:
    """Requests addressed to ``broker`` as first intermediary this month (withdrawn ones do
    not count): what their monthly capacity is measured against."""
    return (
        Introduction.objects.filter(broker=broker, created_at__gte=month_start())
        .exclude(state=IntroductionState.WITHDRAWN)
        .count()
    )


def broker_capacity_left(broker: Person) -> int:
    """How many more requests ``broker`` can receive this month."""
    return max(0, broker.monthly_intro_capacity - broker_used_this_month(broker))


def brokers_at_capacity(person_ids: list[int]) -> set[int]:
    """Which of these people have no capacity left this month (one grouped query)."""
    if not person_ids:
        return set()
    used = dict(
        Introduction.objects.filter(broker_id__in=person_ids, created_at__gte=month_start())
        .exclude(state=IntroductionState.WITHDRAWN)
        .values("broker_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("broker_id", "n")
    )
    capacity = dict(
        Person.objects.filter(pk__in=person_ids).values_list("pk", "monthly_intro_capacity")
    )
    return {pk for pk, cap in capacity.items() if used.get(pk, 0) >= cap}


def broker_load_this_month(*, viewer: Viewer) -> list[tuple[Person, int, int]]:
    """``(broker, used, capacity)`` for every broker asked this month among the introductions
    and people the viewer may see, the fullest first."""
    used_rows = (
        Introduction.objects.filter(
            introduction_visibility_q(viewer), created_at__gte=month_start()
        )
        .exclude(state=IntroductionState.WITHDRAWN)
        .values("broker_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    used = {row["broker_id"]: row["n"] for row in used_rows}
    brokers = Person.objects.filter(person_visibility_q(viewer), pk__in=used.keys())
    load = [(b, used[b.pk], b.monthly_intro_capacity) for b in brokers]
    load.sort(key=lambda row: (-(row[1] / row[2]) if row[2] else -1e9, row[0].display_name))
    return load
