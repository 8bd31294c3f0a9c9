"""Outcomes of made introductions: did the two people meet, and the tie that follows.

A meeting creates a tie between the two people introduced (provenance "introduction", kind
"introduced", each side rated by its own person) or strengthens the existing one, and writes
the graph change log in the same transaction so the next path search uses it.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from people import graph_log
from people.errors import DomainError, NotAllowed, refuse_nul
from people.events import event_emit
from people.introductions.services import (
    IntroductionStateError,
    Kind,
    State,
    _lock,
    _person_of,
    _reached,
)
from people.models import (
    Introduction,
    IntroductionEvent,
    Notification,
    Person,
    Provenance,
    SideStatus,
    Tie,
    TieKind,
    ordered_pair,
)
from people.notifications import notify


def introduction_record_outcome(
    *,
    by: Any,
    introduction: Introduction,
    met: bool,
    rating: int | None = None,
    note: str = "",
) -> Introduction:
    """The requester or the target says whether they met and how well they now know each
    other (``rating`` 1..5, required when they met). A meeting creates a tie between the two
    (provenance "introduction", kind "introduced", the recorder's side rated by them) or
    strengthens the existing one, through the graph change log so the next path search uses
    it. ``note`` is a thank-you shown to the broker. Recording the same answer again is a
    no-op; a changed answer replaces the earlier one (a tie is never weakened by it).
    """
    person = _person_of(by)
    note = (note or "").strip()
    refuse_nul(note=note)
    if len(note) > 500:
        raise DomainError("Keep the note to 500 characters.", field="note")
    if met:
        if rating is None:
            raise DomainError("Rate how well you know each other now (1 to 5).", field="rating")
        if isinstance(rating, bool) or not 1 <= int(rating) <= 5:
            raise DomainError("Rating must be between 1 and 5.", field="rating")
        rating = int(rating)
    else:
        rating = None
    with transaction.atomic():
        introduction = _lock(introduction)
        if person.pk == introduction.requester_id:
            side, other = "requester", introduction.target
        elif person.pk == introduction.target_id and _reached(introduction, person):
            side, other = "target", introduction.requester
        else:
            raise NotAllowed("Only the two people introduced can record how it went.")
        if introduction.state != State.MADE:
            raise IntroductionStateError(
                "You can record how it went once the introduction is made."
            )
        before = (
            getattr(introduction, f"{side}_met"),
            getattr(introduction, f"{side}_rating"),
            getattr(introduction, f"{side}_note"),
        )
        if before == (met, rating, note):
            return introduction
        setattr(introduction, f"{side}_met", met)
        setattr(introduction, f"{side}_rating", rating)
        setattr(introduction, f"{side}_note", note)
        introduction.save()
        event = IntroductionEvent.objects.create(
            introduction=introduction, kind=Kind.OUTCOME, actor=person
        )
        if met and rating is not None:
            tie_from_introduction(
                introduction=introduction, person=person, other=other, rating=rating
            )
        if before[0] is None or note != before[2]:
            said = f' They wrote: "{note}"' if note else ""
            verb = "met" if met else "have not met yet"
            notify(
                recipient=introduction.broker,
                kind=Notification.Kind.THANKS,
                title=f"{person.display_name} {verb} {other.display_name} "
                "through your introduction",
                body=f"Thank you for making it.{said}",
                introduction=introduction,
                event=event,
            )
    return introduction


def tie_from_introduction(
    *, introduction: Introduction, person: Person, other: Person, rating: int
) -> Tie:
    """Create the tie between the two people introduced, or strengthen the existing one, from
    ``person``'s own rating (their side only; the other side is theirs to rate). Writes the graph
    change log in the same transaction, so resident path graphs pick it up."""
    low, high = ordered_pair(person.pk, other.pk)
    tie = Tie.objects.select_for_update().filter(person_a_id=low, person_b_id=high).first()
    created = tie is None
    if tie is None:
        tie = Tie(
            person_a_id=low,
            person_b_id=high,
            kind=TieKind.INTRODUCED,
            provenance=Provenance.INTRODUCTION,
            context=f"Introduced by {introduction.broker.display_name} through Smallbatch",
            since=timezone.localdate(),
        )
        try:
            with transaction.atomic():
                _rate_side(tie, person, rating)
                tie.save()
        except IntegrityError:  # the other person's outcome created it concurrently
            created = False
            tie = Tie.objects.select_for_update().get(person_a_id=low, person_b_id=high)
            _rate_side(tie, person, rating)
            tie.save()
    else:
        _rate_side(tie, person, rating)
        tie.last_interaction = timezone.localdate()
        tie.save()
    graph_log.note_tie_changed(low, high)
    event_emit("tie.created" if created else "tie.changed", object_id=tie.pk)  # webhooks
    return tie


def _rate_side(tie: Tie, person: Person, rating: int) -> None:
    side = tie.side_of(person.pk)
    current = tie.strength_of(side)
    # A meeting strengthens; it never lowers a rating the person gave before.
    setattr(tie, f"{side}_strength", max(current or 0, rating))
    if tie.status_of(side) == SideStatus.UNANSWERED:
        setattr(tie, f"{side}_status", SideStatus.CONFIRMED)
