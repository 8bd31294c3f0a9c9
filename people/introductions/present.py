"""An introduction as one viewer may see it: the chain, the history, the allowed actions.

Privacy decisions made here (the selectors already decided *whether* the viewer sees the
introduction at all):
- each person in the chain sees the requester, the broker, the target and their own
  neighbours on the path by name; anybody else is "another contact on the path";
- who declined is known only to the person who declined (and organizers and staff): everybody
  else, the requester above all, reads just "declined";
- a decline's private reason is shown only to the person who gave it (and staff);
- once the introduction is made, the two people introduced see each other's email address:
  they have both agreed to be put in touch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch

from people.introductions.selectors import sees_all_introductions
from people.models import (
    Introduction,
    IntroductionEvent,
    IntroductionState,
    Person,
)
from people.roles import Viewer

Kind = IntroductionEvent.Kind
State = IntroductionState
DECLINED = (State.DECLINED_BY_BROKER, State.DECLINED_BY_TARGET)


@dataclass(frozen=True)
class ChainPerson:
    person: Person | None
    label: str
    role: str
    is_holder: bool


@dataclass(frozen=True)
class HistoryLine:
    at: dt.datetime
    text: str
    private_note: str = ""


@dataclass(frozen=True)
class Action:
    name: str  # accept, decline, forward, withdraw, record-outcome
    label: str


@dataclass
class IntroductionView:
    introduction: Introduction
    role: str  # requester, intermediary, target, observer
    state_label: str
    chain: list[ChainPerson]
    history: list[HistoryLine]
    actions: list[Action]
    waiting_on_me: bool
    contact_email: str = ""
    thanks: list[tuple[str, str]] = field(default_factory=list)

    @property
    def action_names(self) -> set[str]:
        return {a.name for a in self.actions}


def viewer_position(introduction: Introduction, viewer: Viewer) -> int | None:
    if viewer.person_id is None or viewer.person_id not in introduction.path:
        return None
    return introduction.path.index(viewer.person_id)


def state_label_for(introduction: Introduction, viewer: Viewer) -> str:
    """The state as this viewer may read it: "Declined", without who, unless they declined
    it themself or oversee the network. (A decline leaves ``holder_index`` on the decliner.)"""
    if introduction.state in DECLINED:
        path = list(introduction.path)
        index = introduction.holder_index
        decliner = path[index] if 0 <= index < len(path) else None
        if sees_all_introductions(viewer) or (
            decliner is not None and decliner == viewer.person_id
        ):
            return introduction.get_state_display()
        return "Declined"
    return introduction.get_state_display()


def introduction_present(
    *,
    viewer: Viewer,
    introduction: Introduction,
    people: dict[int, Person] | None = None,
) -> IntroductionView:
    """Everything the introduction page and the API show, for this viewer."""
    path: list[int] = list(introduction.path)
    if people is None:
        people = {p.pk: p for p in Person.objects.filter(pk__in=path)}
    # Uses events prefetched by introduction_list_present (ordered there), else one query.
    cache = getattr(introduction, "_prefetched_objects_cache", {})
    if "events" in cache:
        events = list(cache["events"])
    else:
        events = list(introduction.events.order_by("at", "id"))
    me = viewer_position(introduction, viewer)
    overseer = sees_all_introductions(viewer)
    last = len(path) - 1

    def named(position: int) -> bool:
        if overseer or position in (0, 1, last):
            return True
        return me is not None and abs(position - me) <= 1

    def label(pk: int | None) -> str:
        if pk is None:
            return "Someone"
        if pk == viewer.person_id:
            return "You"
        if pk not in path or pk not in people:
            return "Someone"
        position = path.index(pk)
        return people[pk].display_name if named(position) else "another contact on the path"

    chain = []
    for position, pk in enumerate(path):
        person = people.get(pk)
        shown = person is not None and named(position)
        role = "requester" if position == 0 else "target" if position == last else "intermediary"
        chain.append(
            ChainPerson(
                person=person if shown else None,
                label=label(pk) if person is not None else "Someone who left",
                role=role,
                is_holder=introduction.current_holder_id == pk,
            )
        )

    history: list[HistoryLine] = []
    for event in events:
        actor, nxt = label(event.actor_id), label(event.next_holder_id)
        note = ""
        if event.kind == Kind.REQUESTED:
            text = f"{actor} asked {nxt} for an introduction to {label(introduction.target_id)}."
        elif event.kind == Kind.ACCEPTED_BY_BROKER:
            text = f"{actor} agreed and asked {nxt}."
        elif event.kind == Kind.FORWARDED:
            text = f"{actor} agreed and passed the request to {nxt}."
        elif event.kind == Kind.ACCEPTED_BY_TARGET:
            text = f"{actor} agreed to be introduced."
        elif event.kind == Kind.MADE:
            text = f"{actor} made the introduction."
        elif event.kind in (Kind.DECLINED_BY_BROKER, Kind.DECLINED_BY_TARGET):
            mine = event.actor_id is not None and event.actor_id == viewer.person_id
            text = f"{actor} declined." if (mine or overseer) else "The request was declined."
            if mine or viewer.is_staff:
                note = event.private_note
        elif event.kind == Kind.WITHDRAWN:
            text = f"{actor} withdrew the request."
        elif event.kind == Kind.EXPIRED:
            text = "The request expired without an answer."
        elif event.kind == Kind.REMINDED:
            if not (overseer or event.next_holder_id == viewer.person_id):
                continue
            text = f"A reminder was sent to {nxt}."
        else:
            text = f"{actor} recorded how it went."
        history.append(HistoryLine(at=event.at, text=text, private_note=note))

    is_holder = introduction.is_open and introduction.current_holder_id == viewer.person_id
    actions: list[Action] = []
    if is_holder and me is not None:
        if introduction.state == State.ACCEPTED_BY_TARGET:
            actions.append(Action("accept", "Make the introduction"))
        elif me == last:
            actions.append(Action("accept", "Yes, introduce us"))
        elif me + 1 == last:
            actions.append(Action("accept", f"Agree and ask {label(path[me + 1])}"))
        else:
            actions.append(Action("forward", f"Agree and pass it to {label(path[me + 1])}"))
        actions.append(Action("decline", "Decline"))
    if introduction.is_open and me == 0:
        actions.append(Action("withdraw", "Withdraw my request"))
    if introduction.state == State.MADE and me in (0, last):
        actions.append(Action("record-outcome", "Record how it went"))

    role = (
        "observer"
        if me is None
        else "requester"
        if me == 0
        else "target"
        if me == last
        else "intermediary"
    )
    contact = ""
    if introduction.state == State.MADE and me in (0, last):
        other = people.get(path[last] if me == 0 else path[0])
        contact = other.email if other is not None else ""
    thanks: list[tuple[str, str]] = []
    if me == 1 or overseer:
        for who, met, note in (
            (introduction.requester_id, introduction.requester_met, introduction.requester_note),
            (introduction.target_id, introduction.target_met, introduction.target_note),
        ):
            if met is not None:
                thanks.append((f"{label(who)} {'met' if met else 'has not met yet'}", note))
    return IntroductionView(
        introduction=introduction,
        role=role,
        state_label=state_label_for(introduction, viewer),
        chain=chain,
        history=history,
        actions=actions,
        waiting_on_me=is_holder,
        contact_email=contact,
        thanks=thanks,
    )


def introduction_list_present(
    *, viewer: Viewer, introductions: list[Introduction]
) -> list[IntroductionView]:
    """Present many introductions in three queries whatever their number (the page is
    already fetched): the people on all their paths, and all their events."""
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(
        introductions,
        Prefetch("events", queryset=IntroductionEvent.objects.order_by("at", "id")),
    )
    ids = {pk for introduction in introductions for pk in introduction.path}
    people = {p.pk: p for p in Person.objects.filter(pk__in=ids)}
    return [
        introduction_present(viewer=viewer, introduction=introduction, people=people)
        for introduction in introductions
    ]
