"""Writes that cross models, check permissions or have side effects.

Keyword-only, typed, ``<noun>_<verb>``; each runs in a transaction and writes the audit log
when an organizer, admin, import or partner changes someone else's data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from people import graph_log, selectors
from people.audit import actor_label_for, api_via
from people.errors import DomainError, NotAllowed, TieError, refuse_nul
from people.events import event_emit
from people.models import (
    AuditEvent,
    Person,
    Provenance,
    SideStatus,
    Tie,
    TieKind,
    Visibility,
    ordered_pair,
)
from people.roles import Viewer, viewer_for

PERSON_AUDITED_FIELDS = (
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
    "monthly_intro_capacity",
    "email_notifications",
    "review_status",
)
# Person fields a path search depends on: a change is written to the graph change log.
PATH_FIELDS = ("visibility", "open_to_introductions", "do_not_contact")
TIE_AUDITED_FIELDS = (
    "kind",
    "context",
    "since",
    "last_interaction",
    "provenance",
    "a_strength",
    "a_status",
    "a_allows_introductions",
    "a_visible_to_members",
    "b_strength",
    "b_status",
    "b_allows_introductions",
    "b_visible_to_members",
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The audited fields of a row, as JSON-safe values."""
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    channel: str = AuditEvent.Channel.WEB,
) -> AuditEvent:
    """Append one event to the audit log (who, what, when, before and after, channel).

    With both ``before`` and ``after`` only the changed keys are kept. When the actor acts
    through the API (a key or a session on ``/api/``), the event names the key and its channel
    is "api" whatever the caller passed for a web default.
    """
    changed_before = before or {}
    changed_after = after or {}
    if before and after is not None:  # a change (an empty ``before`` is a creation)
        keys = [k for k in after if before.get(k) != after.get(k)]
        changed_before = {k: before.get(k) for k in keys}
        changed_after = {k: after[k] for k in keys}
    return audit_write(
        actor=actor,
        action=action,
        object_type=type(obj).__name__.lower(),
        object_id=str(getattr(obj, "public_id", None) or obj.pk),
        before=changed_before,
        after=changed_after,
        channel=channel,
    )


def audit_write(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    channel: str = AuditEvent.Channel.WEB,
) -> AuditEvent:
    """Append one event about something that is not a row (an export, an import file)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    if api_via(user) is not None and channel == AuditEvent.Channel.WEB:
        channel = AuditEvent.Channel.API
    return AuditEvent.objects.create(
        actor=user,
        actor_label=actor_label_for(user),
        channel=channel,
        action=action,
        object_type=object_type,
        object_id=object_id[:64],
        before=before or {},
        after=after or {},
    )


def _acts_for_self(viewer: Viewer, person: Person) -> bool:
    return viewer.person_id is not None and viewer.person_id == person.pk


def _via_api_key(by: Any) -> bool:
    """A partner tool acting with a key: audited even when it changes its issuer's own data."""
    via = api_via(by)
    return via is not None and via != "session"


@transaction.atomic
def person_update(
    *, by: Any, person: Person, data: dict[str, Any], channel: str = AuditEvent.Channel.WEB
) -> Person:
    """Change profile and privacy fields of a person. Only the person themself and staff may."""
    viewer = viewer_for(by)
    if not (_acts_for_self(viewer, person) or viewer.is_staff):
        raise NotAllowed("You can only change your own profile.")
    refuse_nul(**data)
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = snapshot(person, PERSON_AUDITED_FIELDS)
    for name, value in data.items():
        if name not in PERSON_AUDITED_FIELDS:
            raise ValueError(f"{name} is not an editable person field")
        setattr(person, name, value)
    if person.consent_given_at is None and _acts_for_self(viewer, person):
        person.consent_given_at = timezone.now()
    person.full_clean(exclude=["user", "created_by"])
    person.save()
    if any(before[f] != getattr(person, f) for f in PATH_FIELDS):
        graph_log.note_person_changed(person.pk)
    if not _acts_for_self(viewer, person) or _via_api_key(by):
        audit_record(
            actor=by,
            action="person.update",
            obj=person,
            before=before,
            after=snapshot(person, PERSON_AUDITED_FIELDS),
            channel=channel,
        )
    event_emit("person.updated", object_id=person.pk)  # webhooks, after commit (issue 7)
    return person


def _check_strength(strength: int | None, field: str = "strength") -> None:
    if strength is not None and not 1 <= int(strength) <= 5:
        raise TieError("Strength must be between 1 and 5.", field=field)


@transaction.atomic
def tie_record(
    *,
    by: Any,
    person: Person,
    other: Person,
    strength: int,
    kind: str = TieKind.COLLEAGUE,
    context: str = "",
    since: dt.date | None = None,
    allows_introductions: bool = True,
    visible_to_members: bool = True,
    channel: str = AuditEvent.Channel.WEB,
) -> tuple[Tie, bool]:
    """Record that ``person`` and ``other`` know each other. Returns ``(tie, created)``.

    A member records their own ties: their side gets the rating, is confirmed and carries their
    choices; the other side stays unanswered until that person answers. An organizer may record
    a tie between two people they can see: both sides carry the recorded strength, stay
    unanswered and follow each person's general openness to introductions. Recording a tie that
    already exists updates the recorder's side instead of creating a duplicate.
    """
    viewer = viewer_for(by)
    if person.pk == other.pk:
        raise TieError("A tie joins two different people: you cannot record one with yourself.")
    _check_strength(strength)
    if kind not in TieKind.values:
        raise TieError("Choose a kind of tie from the list.", field="kind")
    refuse_nul(context=context)
    for who in (person, other):
        if selectors.person_get_visible_to(viewer=viewer, public_id=who.public_id) is None:
            raise NotAllowed("You cannot record a tie with someone you cannot see.")
    self_report = _acts_for_self(viewer, person) or _acts_for_self(viewer, other)
    if not self_report and not (viewer.is_organizer or viewer.is_staff):
        raise NotAllowed("Only organizers can record ties between other people.")

    low, high = ordered_pair(person.pk, other.pk)
    existing = Tie.objects.select_for_update().filter(person_a_id=low, person_b_id=high).first()
    created = existing is None
    tie = existing or Tie(person_a_id=low, person_b_id=high, kind=kind, context=context)
    before = snapshot(tie, TIE_AUDITED_FIELDS) if existing else {}
    if created:
        tie.since = since
        tie.recorded_by = by if getattr(by, "is_authenticated", False) else None
    else:
        tie.context = tie.context or context
        tie.since = tie.since or since

    if self_report:
        me = person if _acts_for_self(viewer, person) else other
        side = tie.side_of(me)
        if created:
            tie.provenance = Provenance.SELF_REPORTED
            tie.kind = kind
        setattr(tie, f"{side}_strength", strength)
        setattr(tie, f"{side}_status", SideStatus.CONFIRMED)
        setattr(tie, f"{side}_allows_introductions", allows_introductions)
        setattr(tie, f"{side}_visible_to_members", visible_to_members)
    else:
        if created:
            # Recorded by a partner tool through the API, or by an organizer on the pages;
            # decided here, before the audit event, so the event says what was stored.
            api = channel == AuditEvent.Channel.API
            tie.provenance = Provenance.PARTNER if api else Provenance.ORGANIZER
            tie.kind = kind
        # Organizer-recorded strength applies to each side its person has not rated yet.
        for side in ("a", "b"):
            if tie.status_of(side) == SideStatus.UNANSWERED:
                setattr(tie, f"{side}_strength", strength)
    try:
        with transaction.atomic():
            tie.save()
    except IntegrityError as exc:  # a concurrent insert of the same pair
        raise TieError("These two people already have a tie.") from exc
    graph_log.note_tie_changed(tie.person_a_id, tie.person_b_id)
    if not self_report or _via_api_key(by):
        audit_record(
            actor=by,
            action="tie.create" if created else "tie.update",
            obj=tie,
            before=before,
            after=snapshot(tie, TIE_AUDITED_FIELDS),
            channel=channel,
        )
    event_emit("tie.created" if created else "tie.changed", object_id=tie.pk)  # issue 7
    return tie, created


@transaction.atomic
def tie_side_update(
    *,
    by: Any,
    tie: Tie,
    strength: int | None,
    status: str,
    allows_introductions: bool | None,
    visible_to_members: bool,
) -> Tie:
    """Rate, confirm or dispute, and set the consent flags of the caller's own side of a tie.

    Only the person on that side may change it; organizers cannot override it.
    """
    viewer = viewer_for(by)
    if viewer.person_id is None or viewer.person_id not in (tie.person_a_id, tie.person_b_id):
        raise NotAllowed("Only the people in a tie can change their side of it.")
    _check_strength(strength)
    if status not in SideStatus.values:
        raise TieError("Choose confirmed, disputed or not answered.", field="status")
    tie = Tie.objects.select_for_update().get(pk=tie.pk)
    before = snapshot(tie, TIE_AUDITED_FIELDS)
    side = tie.side_of(viewer.person_id)
    setattr(tie, f"{side}_strength", strength)
    setattr(tie, f"{side}_status", status)
    setattr(tie, f"{side}_allows_introductions", allows_introductions)
    setattr(tie, f"{side}_visible_to_members", visible_to_members)
    tie.save()
    if _via_api_key(by):
        audit_record(
            actor=by,
            action="tie.update",
            obj=tie,
            before=before,
            after=snapshot(tie, TIE_AUDITED_FIELDS),
            channel=AuditEvent.Channel.API,
        )
    graph_log.note_tie_changed(tie.person_a_id, tie.person_b_id)
    event_emit("tie.changed", object_id=tie.pk)  # webhooks, after commit (issue 7)
    return tie


PERSON_OWN_CREATE_FIELDS = (
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
)


@transaction.atomic
def person_create_own(*, user: Any, data: dict[str, Any]) -> Person:
    """Create the profile of a logged-in user who has none yet, linked to that user.

    Private by default: only organizers (and the person) see it until the person chooses to
    be listed for members.
    """
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed("Log in to create your profile.")
    if Person.objects.select_for_update().filter(user=user).exists():
        raise NotAllowed("You already have a profile.")
    unknown = set(data) - set(PERSON_OWN_CREATE_FIELDS)
    if unknown:
        raise ValueError(f"{sorted(unknown)} are not fields of a new profile")
    person = Person(
        user=user,
        created_by=user,
        visibility=Visibility.ORGANIZERS,
        consent_given_at=timezone.now(),
        **data,
    )
    person.full_clean(exclude=["user", "created_by"])
    person.save()
    graph_log.note_person_changed(person.pk)
    return person


@transaction.atomic
def person_do_not_introduce_set(*, by: Any, person: Person, blocked: list[Person]) -> Person:
    """Replace the person's "do not introduce me to" list. Only the person and staff may."""
    viewer = viewer_for(by)
    if not (_acts_for_self(viewer, person) or viewer.is_staff):
        raise NotAllowed("You can only change your own profile.")
    if any(other.pk == person.pk for other in blocked):
        raise DomainError("You cannot block yourself.", field="do_not_introduce")
    before = sorted(str(p.public_id) for p in person.do_not_introduce.all())
    person.do_not_introduce.set(blocked)
    graph_log.note_person_changed(person.pk)
    if not _acts_for_self(viewer, person):
        audit_record(
            actor=by,
            action="person.do_not_introduce",
            obj=person,
            before={"do_not_introduce": before},
            after={"do_not_introduce": sorted(str(p.public_id) for p in blocked)},
        )
    return person
