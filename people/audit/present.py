"""The audit log as a viewer may read it: one row per event, before -> after in words.

Privacy rules (the same as the rest of the app, from ``people.selectors``):
- an event about a person the viewer may not see (hidden, or erased) names no one and shows no
  details: "a hidden person", "details hidden"; the same for a tie, affiliation or interest
  whose person (either person of a tie) the viewer may not see, and for an event whose object
  is gone and whose people cannot be told (unknown means hidden);
- people named inside the values (``person_id``, ``do_not_introduce`` ...) are shown by name
  when visible, otherwise as "a hidden person";
- an actor who is a member the viewer may not see is "a hidden person";
- contact details (email, phone) are never shown in the log, to anyone: "changed" instead. So
  reading the log is never a read of contact data.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from people.models import Affiliation, AuditEvent, Person, Tie
from people.roles import Viewer
from people.selectors import person_visibility_q, tie_visibility_q

CONTACT_FIELDS = frozenset({"email", "phone"})
PERSON_REFERENCE_FIELDS = frozenset({"person_id", "person_a_id", "person_b_id", "keep", "remove"})
PERSON_LIST_FIELDS = frozenset({"do_not_introduce"})
HIDDEN_PERSON = "a hidden person"
HIDDEN_DETAILS = "details hidden"
CONTACT_MASK = "(contact detail, not shown)"
VALUE_LIMIT = 200


@dataclass
class Change:
    field: str
    before: str
    after: str


@dataclass
class AuditRow:
    event: AuditEvent
    actor: str
    object_label: str
    object_url: str = ""
    masked: bool = False
    changes: list[Change] = field(default_factory=list)


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (ValueError, TypeError):
        return None


def _snap(event: AuditEvent, name: str) -> Any:
    for data in (event.before, event.after):
        if isinstance(data, dict) and data.get(name) is not None:
            return data[name]
    return None


class _Visibility:
    """What the viewer may see among the people and rows a page of events refers to; a fixed
    number of queries per page, whatever its length."""

    def __init__(self, viewer: Viewer, events: list[AuditEvent]) -> None:
        self.viewer = viewer
        person_uuids: set[uuid.UUID] = set()
        person_pks: set[int] = set()
        tie_uuids: set[uuid.UUID] = set()
        row_pks: dict[str, set[int]] = {"affiliation": set(), "interest": set()}
        for e in events:
            for data in (e.before, e.after):
                if not isinstance(data, dict):
                    continue
                for name in PERSON_REFERENCE_FIELDS & data.keys():
                    pk = _int(data[name])
                    if pk is not None:
                        person_pks.add(pk)
                for name in PERSON_LIST_FIELDS & data.keys():
                    values = data[name] if isinstance(data[name], list) else []
                    person_uuids.update(u for u in map(_uuid, values) if u)
            if e.object_type == "person" and (u := _uuid(e.object_id)):
                person_uuids.add(u)
            elif e.object_type == "tie" and (u := _uuid(e.object_id)):
                tie_uuids.add(u)
            elif e.object_type in row_pks and (pk := _int(e.object_id)) is not None:
                row_pks[e.object_type].add(pk)

        # Rows still present tell their people; the snapshot does for deleted ones.
        self.tie_people: dict[str, tuple[int, int]] = {
            str(pid): (a, b)
            for pid, a, b in Tie.objects.filter(public_id__in=tie_uuids).values_list(
                "public_id", "person_a_id", "person_b_id"
            )
        }
        self.visible_ties: set[str] = {
            str(pid)
            for pid in Tie.objects.filter(public_id__in=tie_uuids)
            .filter(tie_visibility_q(viewer))
            .values_list("public_id", flat=True)
        }
        self.row_person: dict[tuple[str, int], int] = {}
        if row_pks["affiliation"]:
            for pk, person_id in Affiliation.objects.filter(
                pk__in=row_pks["affiliation"]
            ).values_list("pk", "person_id"):
                self.row_person[("affiliation", pk)] = person_id
        if row_pks["interest"]:
            from causes.models import Interest  # causes depends on people, not the other way

            for pk, person_id in Interest.objects.filter(pk__in=row_pks["interest"]).values_list(
                "pk", "person_id"
            ):
                self.row_person[("interest", pk)] = person_id
        for e in events:
            if e.object_type == "tie" and e.object_id not in self.tie_people:
                a, b = _int(_snap(e, "person_a_id")), _int(_snap(e, "person_b_id"))
                if a is not None and b is not None:
                    person_pks.update((a, b))
            elif e.object_type in row_pks:
                pk = _int(e.object_id)
                known = self.row_person.get((e.object_type, pk)) if pk is not None else None
                person_pks.add(known if known is not None else _int(_snap(e, "person_id")) or 0)
        person_pks.update(p for pair in self.tie_people.values() for p in pair)
        actor_ids = {e.actor_id for e in events if e.actor_id is not None}

        visible = Person.objects.filter(person_visibility_q(viewer)).filter(
            public_id__in=person_uuids
        ) | Person.objects.filter(person_visibility_q(viewer)).filter(pk__in=person_pks)
        self.people_by_uuid: dict[str, Person] = {}
        self.people_by_pk: dict[int, Person] = {}
        for p in visible.only("pk", "public_id", "display_name"):
            self.people_by_uuid[str(p.public_id)] = p
            self.people_by_pk[p.pk] = p
        # Actors who are members the viewer may not see (a hidden member who acted).
        self.hidden_actors: set[int] = set()
        if actor_ids:
            actors = Person.objects.filter(user_id__in=actor_ids)
            seen = set(actors.filter(person_visibility_q(viewer)).values_list("user_id", flat=True))
            self.hidden_actors = set(actors.values_list("user_id", flat=True)) - seen

    def person(self, pk: Any) -> Person | None:
        value = _int(pk)
        return self.people_by_pk.get(value) if value is not None else None

    def name_of_pk(self, pk: Any) -> str:
        person = self.person(pk)
        return person.display_name if person else HIDDEN_PERSON


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    return text if len(text) <= VALUE_LIMIT else text[: VALUE_LIMIT - 1] + "…"


def _value(name: str, data: dict[str, Any], seen: _Visibility) -> str:
    if name not in data:
        return "—"
    value = data[name]
    if name in CONTACT_FIELDS:
        return CONTACT_MASK if value not in (None, "") else "—"
    if name in PERSON_REFERENCE_FIELDS and _int(value) is not None:
        return seen.name_of_pk(value)
    if name in PERSON_LIST_FIELDS and isinstance(value, list):
        names = [
            p.display_name if (p := seen.people_by_uuid.get(str(v))) else HIDDEN_PERSON
            for v in value
        ]
        return ", ".join(sorted(names, key=str.casefold)) or "nobody"
    return _text(value)


def _changes(event: AuditEvent, seen: _Visibility) -> list[Change]:
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    names = list(dict.fromkeys([*before.keys(), *after.keys()]))
    return [
        Change(
            field=name.removesuffix("_id").replace("_", " "),
            before=_value(name, before, seen),
            after=_value(name, after, seen),
        )
        for name in names
    ]


def _object(event: AuditEvent, seen: _Visibility) -> tuple[str, str, bool]:
    """(label, url, masked) for the event's object."""
    kind, oid = event.object_type, event.object_id
    if kind == "person":
        person = seen.people_by_uuid.get(oid)
        if person is None:
            return HIDDEN_PERSON, "", True
        return person.display_name, reverse("dashboard:person", args=[person.public_id]), False
    if kind == "tie":
        pair = seen.tie_people.get(oid)
        if pair is not None:
            if oid not in seen.visible_ties:
                return f"tie between {HIDDEN_PERSON}s", "", True
        else:
            pair_ids = (_int(_snap(event, "person_a_id")), _int(_snap(event, "person_b_id")))
            if None in pair_ids:
                return f"tie between {HIDDEN_PERSON}s", "", True
            pair = (int(pair_ids[0] or 0), int(pair_ids[1] or 0))
        a, b = seen.person(pair[0]), seen.person(pair[1])
        if a is None or b is None:
            return f"tie between {HIDDEN_PERSON}s", "", True
        return f"tie between {a.display_name} and {b.display_name}", "", False
    if kind in ("affiliation", "interest"):
        pk = _int(oid)
        person_id = seen.row_person.get((kind, pk)) if pk is not None else None
        if person_id is None:
            person_id = _int(_snap(event, "person_id"))
        person = seen.person(person_id)
        if person is None:
            return f"{kind} of {HIDDEN_PERSON}", "", True
        return f"{kind} of {person.display_name}", "", False
    return f"{kind} {oid}", "", False


def audit_rows_for(*, viewer: Viewer, events: list[AuditEvent]) -> list[AuditRow]:
    """The events as ``viewer`` may read them (see the module docstring)."""
    seen = _Visibility(viewer, events)
    rows = []
    for event in events:
        label, url, masked = _object(event, seen)
        actor = event.actor_label
        if event.actor_id is not None and event.actor_id in seen.hidden_actors:
            actor = HIDDEN_PERSON
        rows.append(
            AuditRow(
                event=event,
                actor=actor,
                object_label=label,
                object_url=url,
                masked=masked,
                changes=[] if masked else _changes(event, seen),
            )
        )
    return rows
