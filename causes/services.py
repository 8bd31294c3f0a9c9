"""Writes about interests: only the person themself or staff; staff changes are audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from causes.models import Cause, Interest
from people.errors import DomainError, NotAllowed, refuse_nul
from people.models import Person
from people.roles import Viewer, viewer_for
from people.services import audit_record

INTEREST_AUDITED_FIELDS = ("cause", "passion", "offers", "needs")
OFFERS_NEEDS_MAX_LENGTH = 300


def _acts_for_self(viewer: Viewer, person: Person) -> bool:
    return viewer.person_id is not None and viewer.person_id == person.pk


def _check_may_change(by: Any, person: Person) -> bool:
    """Raise NotAllowed unless ``by`` is the person or staff; return whether it is the person."""
    viewer = viewer_for(by)
    is_self = _acts_for_self(viewer, person)
    if not (is_self or viewer.is_staff):
        raise NotAllowed("You can only change your own causes.")
    return is_self


def _snapshot(interest: Interest | None) -> dict[str, Any]:
    if interest is None:
        return {}
    return {
        "cause": interest.cause.slug,
        "passion": interest.passion,
        "offers": interest.offers,
        "needs": interest.needs,
    }


@transaction.atomic
def interest_set(
    *,
    by: Any,
    person: Person,
    cause: Cause,
    passion: int,
    offers: str = "",
    needs: str = "",
) -> Interest:
    """Add or change a person's interest in a cause (passion 1..5, what they offer and need)."""
    is_self = _check_may_change(by, person)
    if not 1 <= int(passion) <= 5:
        raise DomainError("Passion must be between 1 and 5.", field="passion")
    refuse_nul(offers=offers, needs=needs)
    for field, value in (("offers", offers), ("needs", needs)):
        if len(value) > OFFERS_NEEDS_MAX_LENGTH:
            raise DomainError(f"Keep this under {OFFERS_NEEDS_MAX_LENGTH} characters.", field=field)
    existing = (
        Interest.objects.select_for_update()
        .select_related("cause")
        .filter(person=person, cause=cause)
        .first()
    )
    before = _snapshot(existing)
    interest = existing or Interest(person=person, cause=cause)
    interest.passion = int(passion)
    interest.offers = offers
    interest.needs = needs
    interest.save()
    if not is_self:
        audit_record(
            actor=by,
            action="interest.update" if existing else "interest.create",
            obj=person,
            before=before,
            after=_snapshot(interest),
        )
    return interest


@transaction.atomic
def interest_remove(*, by: Any, person: Person, cause: Cause) -> bool:
    """Remove a person's interest in a cause. Returns whether there was one."""
    is_self = _check_may_change(by, person)
    existing = (
        Interest.objects.select_for_update()
        .select_related("cause")
        .filter(person=person, cause=cause)
        .first()
    )
    if existing is None:
        return False
    before = _snapshot(existing)
    existing.delete()
    if not is_self:
        audit_record(actor=by, action="interest.remove", obj=person, before=before, after={})
    return True
