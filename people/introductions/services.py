"""Introduction transitions: every change is a service that checks who may make it.

The flow (double opt-in along a path ``[requester, broker, ..., target]``)::

    requested --broker accepts--> accepted_by_broker (the target, or the next intermediary
                                  after a forward, now decides)
              --target accepts--> accepted_by_target (the broker now makes the introduction)
              --broker accepts--> made
    any open state --> declined_by_broker / declined_by_target (by whoever holds it),
                       withdrawn (by the requester), expired (by the beat task)

Each transition runs in a transaction, locks the introduction's row (``select_for_update``),
is idempotent (the same person repeating the same step gets the introduction back unchanged,
with no second event and no second email) and appends an :class:`IntroductionEvent`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from network_app.graph import MAX_HOPS
from people import selectors
from people.errors import DomainError, NotAllowed, refuse_nul
from people.events import event_emit
from people.introductions.selectors import broker_used_this_month
from people.models import (
    OPEN_INTRODUCTION_STATES,
    Introduction,
    IntroductionEvent,
    IntroductionHop,
    IntroductionState,
    Notification,
    PathSearch,
    Person,
    Tie,
    Visibility,
    ordered_pair,
)
from people.notifications import notify
from people.roles import viewer_for

State = IntroductionState
Kind = IntroductionEvent.Kind


class IntroductionStateError(DomainError):
    """The introduction is not in a state that allows this step."""

    code = "invalid_state"


def _not_taking(person: Person) -> str:
    # One neutral sentence for closed, do-not-contact, hidden and blocked alike: a block stays
    # silent (the requester cannot tell it from a closed door).
    return f"{person.display_name} is not taking introductions right now."


def _expiry(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(days=settings.INTRODUCTION_EXPIRY_DAYS)


def _blocks(person_ids: list[int]) -> set[tuple[int, int]]:
    """(owner, blocked) pairs of the "do not introduce me to" lists of these people."""
    through = Person.do_not_introduce.through
    return set(
        through.objects.filter(from_person_id__in=person_ids).values_list(
            "from_person_id", "to_person_id"
        )
    )


def _takes_introductions(person: Person, requester_id: int, blocks: set[tuple[int, int]]) -> bool:
    return (
        person.open_to_introductions
        and not person.do_not_contact
        and person.visibility != Visibility.HIDDEN
        and (person.pk, requester_id) not in blocks
    )


def _side_allows(tie: Tie, side: str, person: Person) -> bool:
    allows = tie.allows_introductions_of(side)
    return person.open_to_introductions if allows is None else bool(allows)


def _path_ties_usable(people: list[Person]) -> bool:
    """Every consecutive pair has a tie that may carry an introduction (both sides allow it,
    an unanswered side following its person's openness, and nobody disputes it)."""
    pairs = [ordered_pair(u.pk, v.pk) for u, v in itertools.pairwise(people)]
    lows = {low for low, _ in pairs}
    highs = {high for _, high in pairs}
    ties = {
        (t.person_a_id, t.person_b_id): t
        for t in Tie.objects.filter(person_a_id__in=lows, person_b_id__in=highs)
    }
    by_id = {p.pk: p for p in people}
    for pair in pairs:
        tie = ties.get(pair)
        if tie is None or tie.is_disputed:
            return False
        if not (_side_allows(tie, "a", by_id[pair[0]]) and _side_allows(tie, "b", by_id[pair[1]])):
            return False
    return True


def _path_from_search(search: PathSearch, ids: list[int]) -> bool:
    paths = search.result.get("paths", []) if isinstance(search.result, dict) else []
    return any(list(p.get("people", [])) == ids for p in paths)


def introduction_request(
    *,
    by: Any,
    target: Person,
    broker: Person | None = None,
    path: list[Person] | None = None,
    message: str,
    path_search: PathSearch | None = None,
) -> Introduction:
    """Ask to be introduced to ``target``: from a path card (``path``, whose second person is
    the broker, optionally with the ``path_search`` it came from) or from a weaving suggestion
    (an explicit ``broker``, the mutual contact: the path is ``[requester, broker, target]``).

    Refused (``DomainError`` with the field at fault) when the message is empty or too long;
    when the target or anybody on the path is closed to introductions, hidden, do not contact
    or blocks the requester (one neutral sentence, so a block stays silent); when a tie on the
    path no longer carries introductions; when the broker has used this month's capacity;
    when the requester already has an open request for this target, or the most open requests
    allowed. Notifies the broker (inbox now, email after commit).
    """
    viewer = viewer_for(by)
    requester = viewer.person
    if requester is None:
        raise DomainError("Create your profile first: introductions start from you.")
    text = (message or "").strip()
    refuse_nul(message=text)
    if not text:
        raise DomainError("Say in a sentence or two why you would like to meet.", field="message")
    limit = settings.INTRODUCTION_MESSAGE_MAX
    if len(text) > limit:
        raise DomainError(
            f"Keep the message to {limit} characters (it has {len(text)}).", field="message"
        )
    if selectors.person_find_visible_to(viewer=viewer, public_id=target.public_id) is None:
        raise DomainError("No such person.", field="target")
    if path is None:
        if broker is None:
            raise DomainError("Choose who should introduce you.", field="broker")
        path = [requester, broker, target]
    ids = [p.pk for p in path]
    if ids[0] != requester.pk:
        raise NotAllowed("You can only ask for introductions for yourself.")
    if target.pk == requester.pk:
        raise DomainError("Choose someone other than yourself.", field="target")
    if ids[-1] != target.pk:
        raise DomainError("The path must end with the person you want to meet.", field="path")
    if len(ids) < 3:
        raise DomainError(
            "You already know this person: an introduction needs someone in between.",
            field="path",
        )
    if len(ids) > MAX_HOPS + 1 or len(set(ids)) != len(ids):
        raise DomainError("This is not a path Smallbatch can use.", field="path")
    if path_search is not None and (
        path_search.requester_id != getattr(by, "pk", None)
        or not _path_from_search(path_search, ids)
    ):
        raise DomainError("This path is not one of your search's results.", field="path")
    first_broker = path[1]
    if selectors.person_find_visible_to(viewer=viewer, public_id=first_broker.public_id) is None:
        raise DomainError("No such person.", field="broker")

    with transaction.atomic():
        # Lock the requester and the broker (in id order, so two people asking through each
        # other cannot deadlock): this serializes the open-request limit, the duplicate check
        # and the broker's monthly capacity.
        locked = {
            p.pk: p
            for p in Person.objects.select_for_update()
            .filter(pk__in=sorted({requester.pk, first_broker.pk}))
            .order_by("pk")
        }
        people = {p.pk: p for p in Person.objects.filter(pk__in=ids)}
        people.update(locked)
        if len(people) != len(ids):
            raise DomainError(
                "This path has changed since it was found; search again.", field="path"
            )
        chain = [people[pk] for pk in ids]
        blocks = _blocks(ids)
        target_now = chain[-1]
        if not _takes_introductions(target_now, requester.pk, blocks):
            raise DomainError(_not_taking(target_now), field="target")
        broker_now = chain[1]
        if not _takes_introductions(broker_now, requester.pk, blocks):
            raise DomainError(_not_taking(broker_now), field="broker")
        if not all(_takes_introductions(p, requester.pk, blocks) for p in chain[2:-1]):
            raise DomainError(
                "Someone further along this path is not taking introductions right now; "
                "try another path.",
                field="path",
            )
        if not _path_ties_usable(chain):
            raise DomainError(
                "This path has changed since it was found; search again.", field="path"
            )
        open_requests = Introduction.objects.filter(
            requester=requester, state__in=OPEN_INTRODUCTION_STATES
        )
        if open_requests.filter(target=target_now).exists():
            raise DomainError(
                f"You already have an open request to meet {target_now.display_name}.",
                field="target",
            )
        if open_requests.count() >= settings.INTRODUCTION_MAX_OPEN:
            raise DomainError(
                f"You have {settings.INTRODUCTION_MAX_OPEN} open requests, the most at once. "
                "Wait for an answer or withdraw one first."
            )
        used = broker_used_this_month(broker_now)
        if used >= broker_now.monthly_intro_capacity:
            raise DomainError(
                f"{broker_now.display_name} has already been asked for all the introductions "
                "they can broker this month. Try another path, or ask again next month.",
                field="broker",
            )
        now = timezone.now()
        introduction = Introduction.objects.create(
            requester=requester,
            target=target_now,
            broker=broker_now,
            path=ids,
            current_holder=broker_now,
            holder_index=1,
            message=text,
            state=State.REQUESTED,
            path_search=path_search,
            expires_at=_expiry(now),
        )
        last = len(chain) - 1
        IntroductionHop.objects.bulk_create(
            IntroductionHop(
                introduction=introduction,
                person=person,
                position=i,
                role=(
                    IntroductionHop.Role.REQUESTER
                    if i == 0
                    else IntroductionHop.Role.TARGET
                    if i == last
                    else IntroductionHop.Role.INTERMEDIARY
                ),
                reached_at=now if i <= 1 else None,
            )
            for i, person in enumerate(chain)
        )
        event = IntroductionEvent.objects.create(
            introduction=introduction, kind=Kind.REQUESTED, actor=requester, next_holder=broker_now
        )
        event_emit("introduction.state_changed", object_id=introduction.pk)  # issue 7
        notify(
            recipient=broker_now,
            kind=Notification.Kind.NEW_REQUEST,
            title=f"{requester.display_name} asks you for an introduction to "
            f"{target_now.display_name}",
            body=text,
            introduction=introduction,
            event=event,
        )
    return introduction


# ---------------------------------------------------------------------------------------------
# Transitions


def _person_of(by: Any) -> Person:
    viewer = viewer_for(by)
    if viewer.person is None:
        raise NotAllowed("You are not part of this introduction.")
    return viewer.person


def _lock(introduction: Introduction) -> Introduction:
    return (
        Introduction.objects.select_for_update(of=("self",))
        .select_related("requester", "target", "broker", "current_holder")
        .get(pk=introduction.pk)
    )


def _reached(introduction: Introduction, person: Person) -> bool:
    return introduction.hops.filter(person=person, reached_at__isnull=False).exists()


def _repeated(introduction: Introduction, person: Person, kinds: tuple[str, ...]) -> bool:
    return introduction.events.filter(actor=person, kind__in=kinds).exists()


def _check_holder(introduction: Introduction, person: Person) -> None:
    """Refuse anyone outside the chain, a closed introduction, and someone not holding it."""
    if not _reached(introduction, person):
        raise NotAllowed("You are not part of this introduction.")
    if not introduction.is_open:
        raise IntroductionStateError(
            f"This introduction is closed ({introduction.get_state_display().lower()})."
        )
    if introduction.current_holder_id != person.pk:
        raise NotAllowed("It is not your turn to answer this introduction.")


def _chain(introduction: Introduction) -> list[Person]:
    people = {p.pk: p for p in Person.objects.filter(pk__in=introduction.path)}
    return [people[pk] for pk in introduction.path if pk in people]


def _pass_to_next(
    introduction: Introduction, holder: Person, *, forward_only: bool
) -> Introduction:
    """An intermediary agrees: the next person on the path now decides."""
    index = introduction.holder_index
    chain = _chain(introduction)
    if len(chain) != len(introduction.path):
        raise IntroductionStateError("Someone on this path has left Smallbatch; decline instead.")
    nxt = chain[index + 1]
    is_target = index + 1 == len(chain) - 1
    if forward_only and is_target:
        raise IntroductionStateError(
            f"{nxt.display_name} is the person to meet: accept to ask them, no need to forward."
        )
    blocks = _blocks([nxt.pk])
    if not _takes_introductions(nxt, introduction.requester_id, blocks):
        raise IntroductionStateError(
            f"{_not_taking(nxt)} Decline this request so "
            f"{introduction.requester.display_name} can look for another way."
        )
    now = timezone.now()
    introduction.state = State.ACCEPTED_BY_BROKER
    introduction.current_holder = nxt
    introduction.holder_index = index + 1
    introduction.expires_at = _expiry(now)
    introduction.reminded_at = None
    introduction.save()
    event_emit("introduction.state_changed", object_id=introduction.pk)  # issue 7
    introduction.hops.filter(position=index + 1).update(reached_at=now)
    kind = Kind.ACCEPTED_BY_BROKER if is_target else Kind.FORWARDED
    event = IntroductionEvent.objects.create(
        introduction=introduction, kind=kind, actor=holder, next_holder=nxt
    )
    requester = introduction.requester
    target = introduction.target
    if is_target:
        title = f"{requester.display_name} would like to be introduced to you"
    else:
        title = (
            f"{holder.display_name} asks whether you can help {requester.display_name} "
            f"reach {target.display_name}"
        )
    notify(
        recipient=nxt,
        kind=Notification.Kind.NEW_REQUEST,
        title=title,
        body=introduction.message,
        introduction=introduction,
        event=event,
    )
    if index == 1:
        # The requester learns that their broker agreed; who holds it further down the chain
        # is not theirs to know.
        notify(
            recipient=requester,
            kind=Notification.Kind.DECISION,
            title=f"{holder.display_name} agreed to help you reach {target.display_name}",
            introduction=introduction,
            event=event,
        )
    return introduction


def introduction_accept(*, by: Any, introduction: Introduction) -> Introduction:
    """The person holding the introduction agrees to their step.

    An intermediary passes it to the next person on the path; the target agrees to be
    introduced (the broker is then asked to make the introduction); the broker, once the
    target agreed, makes it. Only the current holder may; repeating a step is a no-op.
    """
    person = _person_of(by)
    with transaction.atomic():
        introduction = _lock(introduction)
        if introduction.current_holder_id != person.pk and _repeated(
            introduction,
            person,
            (Kind.ACCEPTED_BY_BROKER, Kind.FORWARDED, Kind.ACCEPTED_BY_TARGET, Kind.MADE),
        ):
            return introduction
        _check_holder(introduction, person)
        last = len(introduction.path) - 1
        index = introduction.holder_index
        if introduction.state == State.ACCEPTED_BY_TARGET:
            return _make(introduction, person)
        if index == last:
            return _target_accepts(introduction, person)
        return _pass_to_next(introduction, person, forward_only=False)


def _target_accepts(introduction: Introduction, target: Person) -> Introduction:
    now = timezone.now()
    broker = introduction.broker
    introduction.state = State.ACCEPTED_BY_TARGET
    introduction.current_holder = broker
    introduction.holder_index = 1
    introduction.expires_at = _expiry(now)
    introduction.reminded_at = None
    introduction.save()
    event_emit("introduction.state_changed", object_id=introduction.pk)  # issue 7
    event = IntroductionEvent.objects.create(
        introduction=introduction, kind=Kind.ACCEPTED_BY_TARGET, actor=target, next_holder=broker
    )
    requester = introduction.requester
    notify(
        recipient=broker,
        kind=Notification.Kind.DECISION,
        title=f"{target.display_name} agreed to meet {requester.display_name}: "
        "please make the introduction",
        introduction=introduction,
        event=event,
    )
    notify(
        recipient=requester,
        kind=Notification.Kind.DECISION,
        title=f"{target.display_name} agreed to be introduced to you",
        body=f"{broker.display_name} will now make the introduction.",
        introduction=introduction,
        event=event,
    )
    return introduction


def _make(introduction: Introduction, broker: Person) -> Introduction:
    now = timezone.now()
    introduction.state = State.MADE
    introduction.current_holder = None
    introduction.decided_at = now
    introduction.expires_at = None
    introduction.save()
    event_emit("introduction.state_changed", object_id=introduction.pk)  # issue 7
    event = IntroductionEvent.objects.create(
        introduction=introduction, kind=Kind.MADE, actor=broker
    )
    requester, target = introduction.requester, introduction.target
    for me, other in ((requester, target), (target, requester)):
        notify(
            recipient=me,
            kind=Notification.Kind.MADE,
            title=f"{broker.display_name} introduced you to {other.display_name}",
            body="Open the introduction to get in touch, and tell us later whether you met.",
            introduction=introduction,
            event=event,
        )
    return introduction


def introduction_forward(*, by: Any, introduction: Introduction) -> Introduction:
    """An intermediary passes the request to the next intermediary on the path (the target is
    further away); that person then decides. Only the current holder may."""
    person = _person_of(by)
    with transaction.atomic():
        introduction = _lock(introduction)
        if introduction.current_holder_id != person.pk and _repeated(
            introduction, person, (Kind.FORWARDED,)
        ):
            return introduction
        _check_holder(introduction, person)
        if introduction.holder_index >= len(introduction.path) - 1 or (
            introduction.state == State.ACCEPTED_BY_TARGET
        ):
            raise IntroductionStateError("There is nobody further to forward this to.")
        return _pass_to_next(introduction, person, forward_only=True)


def introduction_decline(*, by: Any, introduction: Introduction, reason: str = "") -> Introduction:
    """The holder declines (an intermediary: declined_by_broker; the target:
    declined_by_target). ``reason`` is private to the decliner. Everybody else in the chain
    learns only that it was declined, never who declined further down."""
    person = _person_of(by)
    reason = (reason or "").strip()
    refuse_nul(reason=reason)
    if len(reason) > 500:
        raise DomainError("Keep the reason to 500 characters.", field="reason")
    with transaction.atomic():
        introduction = _lock(introduction)
        kinds = (Kind.DECLINED_BY_BROKER, Kind.DECLINED_BY_TARGET)
        if introduction.current_holder_id != person.pk and _repeated(introduction, person, kinds):
            return introduction
        _check_holder(introduction, person)
        by_target = person.pk == introduction.target_id
        introduction.state = State.DECLINED_BY_TARGET if by_target else State.DECLINED_BY_BROKER
        introduction.current_holder = None
        introduction.decided_at = timezone.now()
        introduction.expires_at = None
        introduction.save()
        event_emit("introduction.state_changed", object_id=introduction.pk)  # issue 7
        event = IntroductionEvent.objects.create(
            introduction=introduction,
            kind=Kind.DECLINED_BY_TARGET if by_target else Kind.DECLINED_BY_BROKER,
            actor=person,
            private_note=reason,
        )
        target = introduction.target
        for hop in introduction.hops.filter(reached_at__isnull=False).select_related("person"):
            if hop.person_id == person.pk:
                continue
            title = (
                f"Your request to be introduced to {target.display_name} was declined"
                if hop.person_id == introduction.requester_id
                else f"The introduction of {introduction.requester.display_name} to "
                f"{target.display_name} was declined"
            )
            notify(
                recipient=hop.person,
                kind=Notification.Kind.DECISION,
                title=title,
                introduction=introduction,
                event=event,
            )
    return introduction


def introduction_withdraw(*, by: Any, introduction: Introduction) -> Introduction:
    """The requester withdraws an open request. Only the requester may."""
    person = _person_of(by)
    with transaction.atomic():
        introduction = _lock(introduction)
        if introduction.requester_id != person.pk:
            raise NotAllowed("Only the person who asked can withdraw this request.")
        if introduction.state == State.WITHDRAWN:
            return introduction
        if not introduction.is_open:
            raise IntroductionStateError(
                f"This introduction is closed ({introduction.get_state_display().lower()})."
            )
        introduction.state = State.WITHDRAWN
        introduction.current_holder = None
        introduction.decided_at = timezone.now()
        introduction.expires_at = None
        introduction.save()
        event_emit("introduction.state_changed", object_id=introduction.pk)  # issue 7
        event = IntroductionEvent.objects.create(
            introduction=introduction, kind=Kind.WITHDRAWN, actor=person
        )
        for hop in introduction.hops.filter(reached_at__isnull=False, position__gt=0):
            notify(
                recipient=hop.person,
                kind=Notification.Kind.DECISION,
                title=f"{person.display_name} withdrew their request to meet "
                f"{introduction.target.display_name}",
                body="Nothing more to do: thank you for your time.",
                introduction=introduction,
                event=event,
            )
    return introduction
