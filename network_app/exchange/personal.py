"""A member's personal data: download everything held about them, and delete their account.

Both walk every model with a foreign key (or many-to-many) to ``Person``, found at run time
(``person_relations``), so models added later are covered: a relation this module does not
know yet still shows up in the download (under ``other_records``) and is deleted with the
person (or re-pointed to an anonymous stand-in when it must stay for someone else).

Deletion, in one transaction:
- introductions still in flight are withdrawn; every introduction stays for the other people
  in it, with this person replaced by an anonymous "Former member" (no name, no email, hidden,
  closed to everything) and their message and notes removed; names in other people's
  notifications about those introductions are replaced;
- their profile, interests, affiliations, ties (both sides: a tie needs two people),
  "do not introduce" entries, notifications, suggestions that include them, dashboard metrics
  and path searches about them go (database cascades, checked relation by relation);
- suggestions are recomputed without them (a run over every cause is started);
- the path engine forgets them (change-log rows for the person and each tie, same transaction);
- audit events about them keep what happened but lose the values; their login is deleted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone

from network_app.exchange import csv_io
from people import graph_log
from people.audit import FORMER_MEMBER_LABEL, audit_redaction
from people.errors import NotAllowed
from people.models import AuditEvent, Person, Tie, Visibility
from people.roles import viewer_for
from people.selectors import people_visible_among

FORMER_MEMBER = "Former member"


@dataclass(frozen=True)
class Relation:
    """A field of another model that points at a Person."""

    model: type[models.Model]
    field: str
    many_to_many: bool
    on_delete: Any

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field}"


def person_relations() -> list[Relation]:
    """Every concrete foreign key, one-to-one and many-to-many to Person, across all apps
    (including auto-created many-to-many tables and relations with ``related_name="+"``)."""
    found: list[Relation] = []
    for model in apps.get_models(include_auto_created=True):
        for f in model._meta.get_fields():
            if not getattr(f, "is_relation", False) or f.related_model is not Person:
                continue
            # Many-to-many fields are covered by their (auto-created) through models.
            if getattr(f, "concrete", False) and (f.many_to_one or f.one_to_one):
                found.append(
                    Relation(model, f.name, False, f.remote_field.on_delete)  # type: ignore[union-attr]
                )
    return found


def _rows_of(relation: Relation, pk: int) -> models.QuerySet[Any]:
    return relation.model._default_manager.filter(**{f"{relation.field}_id": pk})


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return None
    if hasattr(value, "hex") and not isinstance(value, int | float | str):
        return str(value)
    return value


_PROFILE_FIELDS = (
    "public_id",
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
    "consent_given_at",
    "review_status",
    "external_source",
    "external_id",
    "created_at",
    "updated_at",
)


def _name_for(visible: dict[int, Person], pk: int | None) -> str:
    if pk is None:
        return ""
    person = visible.get(pk)
    return person.display_name if person is not None else "someone you cannot see"


def personal_data(*, user: Any) -> dict[str, Any]:
    """Everything held about the logged-in user and their person, as JSON-safe data.

    Other people appear only by the name the member may see (hidden people as "someone you
    cannot see"), never with their private fields.
    """
    viewer = viewer_for(user)
    if not viewer.is_authenticated:
        raise NotAllowed("Log in to download your data.")
    person = viewer.person
    data: dict[str, Any] = {
        "generated_at": timezone.now().isoformat(),
        "account": {
            "username": user.get_username(),
            "email": user.email,
            "date_joined": _jsonable(user.date_joined),
            "last_login": _jsonable(user.last_login),
        },
    }
    if person is None:
        data["profile"] = None
        return data
    pk = person.pk
    data["profile"] = {f: _jsonable(getattr(person, f)) for f in _PROFILE_FIELDS}
    data["notification_settings"] = {
        "email_notifications": person.email_notifications,
        "do_not_contact": person.do_not_contact,
    }
    covered: set[str] = set()

    # Everyone this export names, resolved once with what the member may see.
    related_ids: set[int] = set()
    ties = list(Tie.objects.involving(pk))
    related_ids.update(t.person_a_id for t in ties)
    related_ids.update(t.person_b_id for t in ties)
    blocked = list(person.do_not_introduce.values_list("pk", flat=True))
    related_ids.update(blocked)

    from causes.models import Interest

    data["interests"] = [
        {"cause": i.cause.name, "passion": i.passion, "offers": i.offers, "needs": i.needs}
        for i in Interest.objects.filter(person_id=pk).select_related("cause")
    ]
    covered.add("causes.Interest.person")
    data["affiliations"] = [
        {
            "organization": a.organization.name,
            "role": a.role,
            "start": _jsonable(a.start),
            "end": _jsonable(a.end),
        }
        for a in person.affiliations.select_related("organization")
    ]
    covered.add("people.Affiliation.person")

    introductions: list[Any] = []
    intro_rows: list[dict[str, Any]] = []
    try:
        from people.models import Introduction, IntroductionHop

        introductions = list(
            Introduction.objects.filter(
                models.Q(requester_id=pk)
                | models.Q(target_id=pk)
                | models.Q(broker_id=pk)
                | models.Q(hops__person_id=pk, hops__reached_at__isnull=False)
            ).distinct()
        )
        for intro in introductions:
            related_ids.update(int(x) for x in intro.path if isinstance(x, int))
        covered.update(
            {
                "people.Introduction.requester",
                "people.Introduction.target",
                "people.Introduction.broker",
                "people.Introduction.current_holder",
                "people.IntroductionHop.person",
            }
        )
        del IntroductionHop
    except ImportError:  # pragma: no cover - before the introductions issue
        pass

    visible = people_visible_among(viewer=viewer, person_ids=related_ids - {pk})
    visible[pk] = person
    data["ties"] = []
    for t in ties:
        side = t.side_of(pk)
        other = t.person_b_id if side == "a" else t.person_a_id
        data["ties"].append(
            {
                "with": _name_for(visible, other),
                "kind": t.kind,
                "context": t.context,
                "since": _jsonable(t.since),
                "provenance": t.provenance,
                "my_strength": t.strength_of(side),
                "my_status": t.status_of(side),
                "my_allows_introductions": t.allows_introductions_of(side),
                "my_visible_to_members": t.visible_to_members_of(side),
                "created_at": _jsonable(t.created_at),
            }
        )
    covered.update({"people.Tie.person_a", "people.Tie.person_b"})
    data["do_not_introduce"] = [_name_for(visible, b) for b in blocked]
    covered.update(
        {"people.Person_do_not_introduce.from_person", "people.Person_do_not_introduce.to_person"}
    )
    for intro in introductions:
        role = (
            "requester"
            if intro.requester_id == pk
            else "target"
            if intro.target_id == pk
            else "on the path"
        )
        intro_rows.append(
            {
                "role": role,
                "state": intro.state,
                "requester": _name_for(visible, intro.requester_id),
                "target": _name_for(visible, intro.target_id),
                "message": intro.message if role == "requester" else "",
                "created_at": _jsonable(intro.created_at),
                "decided_at": _jsonable(intro.decided_at),
                "my_outcome_note": intro.requester_note
                if role == "requester"
                else intro.target_note
                if role == "target"
                else "",
            }
        )
    data["introductions"] = intro_rows

    suggestions: dict[str, list[dict[str, Any]]] = {"groups": [], "weaving": []}
    try:
        from causes.models import GroupMember, WeavingSuggestion

        for m in GroupMember.objects.filter(person_id=pk).select_related("group__cause"):
            suggestions["groups"].append(
                {
                    "cause": m.group.cause.name,
                    "status": m.group.status,
                    "my_role": m.role,
                    "my_response": m.response,
                    "created_at": _jsonable(m.group.created_at),
                }
            )
        covered.add("causes.GroupMember.person")
        weaving = WeavingSuggestion.objects.filter(
            models.Q(person_id=pk) | models.Q(other_id=pk) | models.Q(broker_id=pk)
        )
        for w in weaving:
            suggestions["weaving"].append(
                {
                    "kind": w.kind,
                    "status": w.status,
                    "people": [
                        _name_for(visible, x) if x != pk else "you"
                        for x in (w.person_id, w.other_id, w.broker_id)
                        if x
                    ],
                    "created_at": _jsonable(w.created_at),
                }
            )
        covered.update(
            {
                "causes.WeavingSuggestion.person",
                "causes.WeavingSuggestion.other",
                "causes.WeavingSuggestion.broker",
            }
        )
    except ImportError:  # pragma: no cover - before the groups issue
        pass
    data["suggestions"] = suggestions

    try:
        from people.models import Notification

        data["notification_settings"]["inbox"] = [
            {
                "title": n.title,
                "body": n.body,
                "created_at": _jsonable(n.created_at),
                "read_at": _jsonable(n.read_at),
                "email_status": n.email_status,
            }
            for n in Notification.objects.filter(recipient_id=pk)
        ]
        covered.add("people.Notification.recipient")
    except ImportError:  # pragma: no cover
        pass
    data["audit_log"] = [
        {
            "at": _jsonable(e.at),
            "action": e.action,
            "by": e.actor_label,
            "channel": e.channel,
            "before": e.before,
            "after": e.after,
        }
        for e in AuditEvent.objects.filter(object_type="person", object_id=str(person.public_id))
    ]
    # Anything else that refers to the person: named, counted, with its own fields (other
    # people referenced by the row appear by id only, never by name).
    other_records: dict[str, list[dict[str, Any]]] = {}
    for relation in person_relations():
        if relation.label in covered:
            continue
        rows = list(_rows_of(relation, pk)[:1000])
        if rows:
            other_records[relation.label] = [
                {
                    f.attname: _jsonable(getattr(r, f.attname))
                    for f in relation.model._meta.concrete_fields
                }
                for r in rows
            ]
    data["other_records"] = other_records
    return data


def personal_data_json(*, user: Any) -> bytes:
    return json.dumps(personal_data(user=user), ensure_ascii=False, indent=2, default=str).encode(
        "utf-8"
    )


def personal_data_csv_zip(*, user: Any) -> bytes:
    """The same data as CSV files (one per section), zipped."""
    data = personal_data(user=user)
    files: dict[str, bytes] = {}

    def table(name: str, rows: Iterable[dict[str, Any]]) -> None:
        rows = list(rows)
        headers = sorted({k for r in rows for k in r}) if rows else ["(none)"]
        files[f"{name}.csv"] = csv_io.write_csv(
            headers,
            [[_cell(r.get(h)) for h in headers] for r in rows],
        )

    table("account", [data["account"]])
    profile = data.get("profile") or {}
    table("profile", [{"field": k, "value": _cell(v)} for k, v in profile.items()])
    if data.get("profile") is not None:
        settings_ = dict(data["notification_settings"])
        inbox = settings_.pop("inbox", [])
        table("notification_settings", [settings_])
        table("notifications", inbox)
        for section in ("interests", "affiliations", "ties", "introductions", "audit_log"):
            table(section, data[section])
        table("do_not_introduce", [{"name": n} for n in data["do_not_introduce"]])
        table("group_suggestions", data["suggestions"]["groups"])
        table("weaving_suggestions", data["suggestions"]["weaving"])
        for label, rows in data["other_records"].items():
            table(f"other-{label}", rows)
    return csv_io.zip_files(files)


def _cell(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return "" if value is None else str(value)


# ---------------------------------------------------------------------------------------------
# Deletion

# Rows that stay for the other people in them, re-pointed to the anonymous stand-in.
KEEP_FOR_OTHERS = {
    "people.Introduction.requester",
    "people.Introduction.target",
    "people.Introduction.broker",
    "people.IntroductionHop.person",
}


def _tombstone() -> Person:
    return Person.objects.create(
        display_name=FORMER_MEMBER,
        visibility=Visibility.HIDDEN,
        open_to_introductions=False,
        open_to_groups=False,
        do_not_contact=True,
        email_notifications=False,
        monthly_intro_capacity=0,
    )


def _replace_name(text: str, name: str) -> str:
    return text.replace(name, "a former member") if name and name in text else text


@transaction.atomic
def account_delete(*, by: Any) -> dict[str, int]:
    """Delete the logged-in member's account and everything held about them (see the module
    docstring). Only the member themself can do this here (admins use the admin). Returns the
    number of rows removed or anonymized per relation, for the audit log and the tests."""
    viewer = viewer_for(by)
    if not viewer.is_authenticated:
        raise NotAllowed("Log in to delete your account.")
    counts: dict[str, int] = {}
    person = viewer.person
    if person is not None:
        counts = _person_delete(Person.objects.select_for_update().get(pk=person.pk))
    user = by
    # The GDPR exception to the append-only audit log (people.audit): pseudonymize only.
    with audit_redaction():
        AuditEvent.objects.filter(actor=user).update(actor_label=FORMER_MEMBER_LABEL)
    AuditEvent.objects.create(
        actor=None,
        actor_label="former member",
        channel=AuditEvent.Channel.WEB,
        action="person.delete_own_account",
        object_type="person",
        object_id="deleted",
        after={"rows": sum(counts.values())},
    )
    user.delete()
    return counts


def _person_delete(person: Person) -> dict[str, int]:
    pk, name = person.pk, person.display_name
    counts: dict[str, int] = {}
    tie_pairs = list(Tie.objects.involving(pk).values_list("person_a_id", "person_b_id"))
    stand_in: Person | None = None
    affected_intros: list[int] = []
    try:
        from people.models import (
            OPEN_INTRODUCTION_STATES,
            Introduction,
            IntroductionEvent,
            IntroductionHop,
            IntroductionState,
            Notification,
        )

        involved = Introduction.objects.filter(
            models.Q(requester_id=pk)
            | models.Q(target_id=pk)
            | models.Q(broker_id=pk)
            | models.Q(hops__person_id=pk)
        ).distinct()
        affected_intros = list(involved.values_list("pk", flat=True))
        if affected_intros:
            stand_in = _tombstone()
            now = timezone.now()
            for intro in Introduction.objects.select_for_update().filter(pk__in=affected_intros):
                if intro.state in OPEN_INTRODUCTION_STATES:
                    intro.state = IntroductionState.WITHDRAWN
                    intro.current_holder = None
                    intro.decided_at = now
                    intro.expires_at = None
                    IntroductionEvent.objects.create(
                        introduction=intro, kind=IntroductionEvent.Kind.WITHDRAWN, actor=None
                    )
                    counts["introductions withdrawn"] = counts.get("introductions withdrawn", 0) + 1
                if intro.requester_id == pk:
                    intro.message = ""
                    intro.requester_note = ""
                    intro.requester_rating = None
                if intro.target_id == pk:
                    intro.target_note = ""
                    intro.target_rating = None
                intro.path = [stand_in.pk if x == pk else x for x in intro.path]
                intro.save()
            IntroductionEvent.objects.filter(
                introduction_id__in=affected_intros, actor_id=pk
            ).update(private_note="")
            for n in Notification.objects.filter(introduction_id__in=affected_intros).exclude(
                recipient_id=pk
            ):
                n.title = _replace_name(n.title, name)[:200]
                n.body = _replace_name(n.body, name)
                n.email_subject = _replace_name(n.email_subject, name)[:200]
                n.email_body = _replace_name(n.email_body, name)
                n.save(update_fields=["title", "body", "email_subject", "email_body"])
        del IntroductionHop
    except ImportError:  # pragma: no cover - before the introductions issue
        pass

    recompute = False
    try:
        from causes.models import GroupMember, GroupSuggestion, SuggestionExclusion

        groups = GroupSuggestion.objects.filter(memberships__person_id=pk).distinct()
        kept_groups = groups.exclude(status=GroupSuggestion.Status.SUGGESTED)
        for group in kept_groups:
            # A convened or dismissed group is history for its other members: kept, anonymized.
            stand_in = stand_in or _tombstone()
            group.explanation = [
                _replace_name(s, name) if isinstance(s, str) else s for s in group.explanation
            ]
            group.save(update_fields=["explanation"])
            GroupMember.objects.filter(group=group, person_id=pk).update(
                person_id=stand_in.pk, role=""
            )
        dropped = groups.filter(status=GroupSuggestion.Status.SUGGESTED)
        counts["group suggestions recomputed"] = dropped.count()
        recompute = counts["group suggestions recomputed"] > 0
        dropped.delete()
        # Few rows, and JSON "contains" is not available on SQLite: filtered in Python.
        for exclusion in SuggestionExclusion.objects.all():
            if pk in exclusion.member_ids:
                exclusion.member_ids = [x for x in exclusion.member_ids if x != pk]
                exclusion.save(update_fields=["member_ids"])
    except ImportError:  # pragma: no cover - before the groups issue
        pass

    for relation in person_relations():
        rows = _rows_of(relation, pk)
        if relation.label in KEEP_FOR_OTHERS:
            if stand_in is None:
                stand_in = _tombstone()
            changed = rows.update(**{f"{relation.field}_id": stand_in.pk})
            if changed:
                counts[f"{relation.label} anonymized"] = changed
        elif relation.on_delete is models.PROTECT:
            stand_in = stand_in or _tombstone()
            rows.update(**{f"{relation.field}_id": stand_in.pk})
        elif relation.on_delete in (models.SET_NULL, models.SET_DEFAULT):
            changed = rows.update(**{f"{relation.field}_id": None})
            if changed:
                counts[f"{relation.label} cleared"] = changed
        else:
            deleted, _ = rows.delete()
            if deleted:
                counts[f"{relation.label} deleted"] = deleted
    with audit_redaction():  # the events stay; what they said about the person goes
        AuditEvent.objects.filter(object_type="person", object_id=str(person.public_id)).update(
            before={}, after={}, object_id="deleted"
        )
    graph_log.note_person_changed(pk)
    if tie_pairs:
        graph_log.note_ties_changed(tie_pairs)
    person.delete()
    if recompute:
        try:
            from causes.models import SuggestionRun
            from causes.suggestions.services import suggestion_run_start

            suggestion_run_start(by=None, trigger=SuggestionRun.Trigger.SCHEDULE)
        except ImportError:  # pragma: no cover
            pass
    return counts
