"""Reads of suggestions, always given the viewer.

- Organizers and staff see the current group suggestions of every cause (and convened groups
  of any run), per cause and neighbourhood, old runs for comparison, and every weaving
  suggestion of the latest run.
- A member sees only the groups they are in (until they say "not for me") and the weaving
  suggestions that name them.
- Nobody sees a suggestion naming someone who is no longer listed, open to groups (for groups)
  or to introductions (for weaving), or who asked not to be contacted: the filtering is in the
  query, so such a suggestion never reaches a page or the API.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from causes.models import (
    Cause,
    GroupMember,
    GroupSuggestion,
    SuggestionRun,
    WeavingSuggestion,
)
from people.models import Person, Tie, Visibility
from people.roles import Viewer


def as_uuid(value: Any) -> uuid.UUID | None:
    """A UUID from a URL or API value, or None when it is not one."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def _sees_all(viewer: Viewer) -> bool:
    return viewer.is_authenticated and (viewer.is_organizer or viewer.is_staff)


def _group_eligible_q(prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}visibility": Visibility.LISTED,
            f"{prefix}open_to_groups": True,
            f"{prefix}do_not_contact": False,
        }
    )


def _weaving_eligible_q(prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}visibility": Visibility.LISTED,
            f"{prefix}open_to_introductions": True,
            f"{prefix}do_not_contact": False,
        }
    )


def _groups_base(viewer: Viewer) -> QuerySet[GroupSuggestion]:
    if not viewer.is_authenticated:
        return GroupSuggestion.objects.none()
    someone_gone = (
        GroupMember.objects.filter(group=OuterRef("pk"))
        .exclude(response=GroupMember.Response.OPTED_OUT)
        .exclude(_group_eligible_q("person__"))
    )
    qs = GroupSuggestion.objects.exclude(Exists(someone_gone))
    if not _sees_all(viewer):
        if viewer.person_id is None:
            return GroupSuggestion.objects.none()
        mine = GroupMember.objects.filter(group=OuterRef("pk"), person_id=viewer.person_id).exclude(
            response=GroupMember.Response.OPTED_OUT
        )
        qs = qs.filter(Exists(mine)).exclude(status=GroupSuggestion.Status.DISMISSED)
    return qs


def _with_members(qs: QuerySet[GroupSuggestion]) -> QuerySet[GroupSuggestion]:
    return qs.select_related("cause", "run").prefetch_related(
        Prefetch(
            "memberships",
            queryset=GroupMember.objects.select_related("person").order_by("-passion", "id"),
        )
    )


def group_list_visible_to(
    *,
    viewer: Viewer,
    cause: Cause | None = None,
    neighbourhood: str = "",
    status: str = "",
) -> QuerySet[GroupSuggestion]:
    """Current group suggestions and convened groups the viewer may see, best first.

    ``cause`` includes its sub-causes; ``neighbourhood`` matches the group's main
    neighbourhood or the neighbourhood its run was limited to; ``status`` filters
    (dismissed groups show only when asked for, and to organizers)."""
    qs = _groups_base(viewer).filter(Q(is_current=True) | Q(status=GroupSuggestion.Status.CONVENED))
    if cause is not None:
        qs = qs.filter(Q(cause=cause) | Q(cause__parent=cause))
    if neighbourhood:
        qs = qs.filter(Q(neighbourhood=neighbourhood) | Q(run__neighbourhood=neighbourhood))
    dismissed = GroupSuggestion.Status.DISMISSED
    qs = qs.filter(status=status) if status else qs.exclude(status=dismissed)
    return _with_members(qs).order_by("-score", "id")


def group_get_visible_to(*, viewer: Viewer, public_id: Any) -> GroupSuggestion | None:
    """One group the viewer may see (organizers: also old and dismissed ones)."""
    key = as_uuid(public_id)
    if key is None:
        return None
    return _with_members(_groups_base(viewer).filter(public_id=key)).first()


def group_neighbourhoods(*, viewer: Viewer, cause: Cause | None = None) -> list[str]:
    """Neighbourhoods that current groups are in, for the filter."""
    qs = group_list_visible_to(viewer=viewer, cause=cause).exclude(neighbourhood="")
    return sorted(set(qs.values_list("neighbourhood", flat=True)))


@dataclass(frozen=True)
class PresentedMember:
    person: Person
    role: str
    passion: int
    response: str
    response_label: str
    is_viewer: bool


@dataclass(frozen=True)
class PresentedGroup:
    group: GroupSuggestion
    members: list[PresentedMember]
    explanation: list[str]
    viewer_response: str | None

    @property
    def viewer_is_member(self) -> bool:
        return self.viewer_response is not None


def group_present(*, viewer: Viewer, group: GroupSuggestion) -> PresentedGroup:
    """A group as the viewer may see it: members who have not opted out, and the sentences of
    its explanation that name only them."""
    memberships = list(group.memberships.all())
    active = [m for m in memberships if m.response != GroupMember.Response.OPTED_OUT]
    active_ids = {m.person_id for m in active}
    sentences = [
        item["text"]
        for item in group.explanation
        if isinstance(item, dict) and set(item.get("people", [])) <= active_ids
    ]
    members = [
        PresentedMember(
            person=m.person,
            role=m.role,
            passion=m.passion,
            response=m.response,
            response_label=str(m.get_response_display()),
            is_viewer=m.person_id == viewer.person_id,
        )
        for m in active
    ]
    mine = next((m.response for m in active if m.person_id == viewer.person_id), None)
    return PresentedGroup(group=group, members=members, explanation=sentences, viewer_response=mine)


def run_list_visible_to(*, viewer: Viewer, cause: Cause | None = None) -> QuerySet[SuggestionRun]:
    """Suggestion runs, newest first: organizers and staff only."""
    if not _sees_all(viewer):
        return SuggestionRun.objects.none()
    qs = SuggestionRun.objects.select_related("cause", "requested_by")
    if cause is not None:
        qs = qs.filter(Q(cause=cause) | Q(cause__isnull=True))
    return qs.order_by("-created_at", "-id")


def run_get_visible_to(*, viewer: Viewer, public_id: Any) -> SuggestionRun | None:
    """A run: organizers and staff only."""
    key = as_uuid(public_id)
    if key is None:
        return None
    return run_list_visible_to(viewer=viewer).filter(public_id=key).first()


def run_latest_active(*, viewer: Viewer, cause: Cause | None = None) -> SuggestionRun | None:
    """The newest run still waiting or running (for the progress bar), if any."""
    return (
        run_list_visible_to(viewer=viewer, cause=cause)
        .filter(status__in=[SuggestionRun.Status.PENDING, SuggestionRun.Status.RUNNING])
        .first()
    )


def _latest_weaving_run() -> SuggestionRun | None:
    return (
        SuggestionRun.objects.filter(include_weaving=True, status=SuggestionRun.Status.DONE)
        .order_by("-finished_at", "-id")
        .first()
    )


def weaving_list_visible_to(
    *,
    viewer: Viewer,
    cause: Cause | None = None,
    neighbourhood: str = "",
    kind: str = "",
) -> QuerySet[WeavingSuggestion]:
    """Weaving suggestions of the latest run the viewer may see, best first: organizers see
    all; a member sees those naming them (in the pair, or as the mutual contact). Pairs who
    have met since (a tie now exists) or were dismissed are left out."""
    if not viewer.is_authenticated:
        return WeavingSuggestion.objects.none()
    run = _latest_weaving_run()
    if run is None:
        return WeavingSuggestion.objects.none()
    tied = Tie.objects.filter(
        Q(person_a_id=OuterRef("person_id"), person_b_id=OuterRef("other_id"))
        | Q(person_a_id=OuterRef("other_id"), person_b_id=OuterRef("person_id"))
    )
    qs = (
        WeavingSuggestion.objects.filter(run=run, status=WeavingSuggestion.Status.SUGGESTED)
        .filter(_weaving_eligible_q("person__") & _weaving_eligible_q("other__"))
        .filter(Q(broker__isnull=True) | _weaving_eligible_q("broker__"))
        .exclude(Exists(tied))
    )
    if not _sees_all(viewer):
        me = viewer.person_id
        if me is None:
            return WeavingSuggestion.objects.none()
        qs = qs.filter(Q(person_id=me) | Q(other_id=me) | Q(broker_id=me))
    if cause is not None:
        qs = qs.filter(Q(cause=cause) | Q(cause__parent=cause))
    if neighbourhood:
        qs = qs.filter(
            Q(person__neighbourhood=neighbourhood) | Q(other__neighbourhood=neighbourhood)
        )
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("person", "other", "broker", "cause").order_by("rank", "id")


def weaving_get_visible_to(*, viewer: Viewer, public_id: Any) -> WeavingSuggestion | None:
    """One weaving suggestion of the latest run that the viewer may see."""
    key = as_uuid(public_id)
    if key is None:
        return None
    return weaving_list_visible_to(viewer=viewer).filter(public_id=key).first()


@dataclass(frozen=True)
class PresentedWeaving:
    suggestion: WeavingSuggestion
    explanation: list[str]
    viewer_role: str  # "person", "other", "broker" or "" (an organizer looking on)
    counterpart: Person | None  # whom the viewer would meet
    introduction_url: str | None


def weaving_present(*, viewer: Viewer, suggestion: WeavingSuggestion) -> PresentedWeaving:
    """A weaving suggestion for the viewer, with the link into an introduction request
    through the mutual contact when the viewer is one of the pair."""
    from causes.suggestions.services import introduction_link

    me = viewer.person_id
    role = ""
    counterpart: Person | None = None
    if me == suggestion.person_id:
        role, counterpart = "person", suggestion.other
    elif me == suggestion.other_id:
        role, counterpart = "other", suggestion.person
    elif me is not None and me == suggestion.broker_id:
        role = "broker"
    url = None
    if counterpart is not None:
        url = introduction_link(target=counterpart, broker=suggestion.broker)
    sentences = [
        item["text"] for item in suggestion.explanation if isinstance(item, dict) and "text" in item
    ]
    return PresentedWeaving(
        suggestion=suggestion,
        explanation=sentences,
        viewer_role=role,
        counterpart=counterpart,
        introduction_url=url,
    )
