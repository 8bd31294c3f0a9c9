"""Writes by organizers and partner tools (the API): people recorded without a login, and
ties upserted by a partner's external id.

The rules the pages keep apply here too: only organizers and staff record other people; a
person with a login keeps their own profile (organizers cannot change it; staff can, audited);
nobody is listed for members without their own consent, so a recorded person is visible to
organizers or hidden; ties go through :func:`people.services.tie_record`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from people import graph_log, selectors
from people.errors import DomainError, NotAllowed
from people.events import event_emit
from people.models import AuditEvent, Person, Tie, TieKind, Visibility
from people.roles import Viewer, viewer_for
from people.services import (
    PATH_FIELDS,
    PERSON_AUDITED_FIELDS,
    audit_record,
    person_update,
    snapshot,
    tie_record,
)

# Fields an organizer or partner may set on a person without a login.
RECORDED_PERSON_FIELDS = (
    "display_name",
    "pronouns",
    "headline",
    "bio",
    "city",
    "neighbourhood",
    "sector",
    "skills",
    "email",
    "phone",
    "visibility",
    "open_to_introductions",
    "open_to_groups",
    "do_not_contact",
)


class Conflict(DomainError):
    """The external id is taken by a record the caller may not change (answers 409)."""

    code = "conflict"


def _organizer(by: Any, what: str) -> Viewer:
    viewer = viewer_for(by)
    if not (viewer.is_organizer or viewer.is_staff):
        raise NotAllowed(f"Only organizers can {what}.")
    return viewer


def _check_fields(data: dict[str, Any]) -> None:
    unknown = set(data) - set(RECORDED_PERSON_FIELDS)
    if unknown:
        raise ValueError(f"{sorted(unknown)} are not fields a partner may set")
    if data.get("visibility") == Visibility.LISTED:
        raise DomainError(
            "Only the person can list themself for members; choose organizers or hidden.",
            field="visibility",
        )


@transaction.atomic
def person_record_create(
    *,
    by: Any,
    data: dict[str, Any],
    external_source: str = "",
    external_id: str = "",
    channel: str = AuditEvent.Channel.API,
) -> Person:
    """An organizer records a person who has no login (visible to organizers by default)."""
    _organizer(by, "record people")
    _check_fields(data)
    person = Person(
        created_by=by,
        visibility=Visibility.ORGANIZERS,
        external_source=external_source,
        external_id=external_id,
    )
    for name, value in data.items():
        setattr(person, name, value)
    person.full_clean(exclude=["user", "created_by"])
    person.save()
    graph_log.note_person_changed(person.pk)
    audit_record(
        actor=by,
        action="person.create",
        obj=person,
        after=snapshot(person, PERSON_AUDITED_FIELDS),
        channel=channel,
    )
    event_emit("person.updated", object_id=person.pk)
    return person


@transaction.atomic
def person_record_update(
    *, by: Any, person: Person, data: dict[str, Any], channel: str = AuditEvent.Channel.API
) -> Person:
    """Change a person. The person themself and staff go through
    :func:`people.services.person_update`; an organizer may change only people without a login
    whom they can see."""
    viewer = viewer_for(by)
    if viewer.is_staff or (viewer.person_id is not None and viewer.person_id == person.pk):
        unknown = set(data) - set(PERSON_AUDITED_FIELDS)
        if unknown:
            raise ValueError(f"{sorted(unknown)} are not editable person fields")
        return person_update(by=by, person=person, data=data, channel=channel)
    _organizer(by, "change other people")
    if selectors.person_find_visible_to(viewer=viewer, public_id=person.public_id) is None:
        raise NotAllowed("You cannot change someone you cannot see.")
    if person.user_id is not None:
        raise NotAllowed("People with an account keep their own profile; ask them to change it.")
    _check_fields(data)
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = snapshot(person, PERSON_AUDITED_FIELDS)
    for name, value in data.items():
        setattr(person, name, value)
    person.full_clean(exclude=["user", "created_by"])
    person.save()
    if any(before[f] != getattr(person, f) for f in PATH_FIELDS):
        graph_log.note_person_changed(person.pk)
    audit_record(
        actor=by,
        action="person.update",
        obj=person,
        before=before,
        after=snapshot(person, PERSON_AUDITED_FIELDS),
        channel=channel,
    )
    event_emit("person.updated", object_id=person.pk)
    return person


@transaction.atomic
def person_upsert_external(
    *,
    by: Any,
    external_source: str,
    external_id: str,
    data: dict[str, Any],
    channel: str = AuditEvent.Channel.API,
) -> tuple[Person, bool]:
    """Create or update the person a partner knows as ``(external_source, external_id)``.
    Returns ``(person, created)``; a partner syncing the same record twice changes one row."""
    viewer = _organizer(by, "record people")
    if not external_source or not external_id:
        raise DomainError("Give both external_source and external_id.", field="external_id")
    existing = (
        Person.objects.select_for_update()
        .filter(external_source=external_source, external_id=external_id)
        .first()
    )
    if existing is None:
        if "display_name" not in data:
            raise DomainError("A new person needs a display name.", field="display_name")
        person = person_record_create(
            by=by,
            data=data,
            external_source=external_source,
            external_id=external_id,
            channel=channel,
        )
        return person, True
    if selectors.person_find_visible_to(viewer=viewer, public_id=existing.public_id) is None:
        # Hidden from the caller: say only that the id is taken, never who holds it.
        raise Conflict("This external id belongs to a record you cannot change.")
    return person_record_update(by=by, person=existing, data=data, channel=channel), False


def _tie_visible(viewer: Viewer, tie: Tie) -> bool:
    return (
        Tie.objects.filter(pk=tie.pk)
        .filter(selectors.tie_visibility_q(viewer))
        .filter(selectors.person_visibility_q(viewer, "person_a__"))
        .filter(selectors.person_visibility_q(viewer, "person_b__"))
        .exists()
    )


@transaction.atomic
def tie_upsert(
    *,
    by: Any,
    person: Person,
    other: Person,
    strength: int,
    kind: str = TieKind.COLLEAGUE,
    context: str = "",
    since: dt.date | None = None,
    external_source: str = "",
    external_id: str = "",
    channel: str = AuditEvent.Channel.API,
) -> tuple[Tie, bool]:
    """Record a tie through :func:`people.services.tie_record` (every rule of the pages holds),
    keyed by the partner's external id when given. Returns ``(tie, created)``."""
    viewer = viewer_for(by)
    if bool(external_source) != bool(external_id):
        raise DomainError(
            "Give both external_source and external_id, or neither.", field="external_id"
        )
    if external_id:
        known = (
            Tie.objects.select_for_update()
            .filter(external_source=external_source, external_id=external_id)
            .first()
        )
        if known is not None:
            if not _tie_visible(viewer, known):
                raise Conflict("This external id belongs to a record you cannot change.")
            if {known.person_a_id, known.person_b_id} != {person.pk, other.pk}:
                raise DomainError(
                    "This external id names a tie between two other people.", field="person"
                )
    tie, created = tie_record(
        by=by,
        person=person,
        other=other,
        strength=strength,
        kind=kind,
        context=context,
        since=since,
        channel=channel,
    )
    changed: list[str] = []
    if external_id and (tie.external_source, tie.external_id) != (external_source, external_id):
        if tie.external_id:
            raise Conflict("These two people's tie already has another external id.")
        tie.external_source, tie.external_id = external_source, external_id
        changed += ["external_source", "external_id"]
    if changed:
        tie.save(update_fields=[*changed, "updated_at"])
    return tie, created
