"""Merging two duplicate people into one (an admin-only service).

``person_merge(by=..., keep=..., remove=...)`` moves everything ``remove`` has onto ``keep`` and
deletes ``remove``, in one transaction with both rows locked. Nothing is lost:

- a tie between the two would become a self-tie, so it is deleted and counted;
- a tie ``remove``-X where ``keep``-X already exists is merged into the existing tie, side by
  side (each person's own answers stay on their own side);
- any other tie is re-pointed, re-ordered so ``person_a_id < person_b_id`` (the sides swap when
  the order flips);
- interests and affiliations that would collide with ``keep``'s own are merged into one row;
- "do not introduce" entries in both directions move over;
- blank profile fields of ``keep`` are filled from ``remove``; privacy settings take the more
  restrictive of the two, because each duplicate may carry a choice the person made.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from people import graph_log
from people.errors import DomainError, NotAllowed
from people.models import (
    Affiliation,
    AuditEvent,
    Person,
    SideStatus,
    Tie,
    Visibility,
)
from people.roles import viewer_for
from people.services import audit_record

# Profile fields copied from ``remove`` when ``keep`` has them blank.
FILLABLE_FIELDS = (
    "pronouns",
    "headline",
    "bio",
    "city",
    "neighbourhood",
    "sector",
    "skills",
    "email",
    "phone",
    "consent_given_at",
)
# Visibility from most open to most restrictive.
_VISIBILITY_RANK: dict[str, int] = {
    Visibility.LISTED: 0,
    Visibility.ORGANIZERS: 1,
    Visibility.HIDDEN: 2,
}
_STATUS_RANK: dict[str, int] = {
    SideStatus.UNANSWERED: 0,
    SideStatus.CONFIRMED: 1,
    SideStatus.DISPUTED: 2,
}
_TEXT_LIMIT = 300  # Interest.offers / Interest.needs max_length


@dataclass(frozen=True)
class MergeReport:
    """What a merge did, for the admin message and the audit log."""

    kept: str
    removed: str
    kept_name: str
    removed_name: str
    ties_moved: int = 0
    ties_merged: int = 0
    ties_dropped: int = 0
    interests_moved: int = 0
    interests_merged: int = 0
    affiliations_moved: int = 0
    affiliations_merged: int = 0
    do_not_introduce_moved: int = 0
    fields_filled: tuple[str, ...] = ()
    privacy_tightened: tuple[str, ...] = ()
    login_moved: bool = False

    def as_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["fields_filled"] = list(self.fields_filled)
        data["privacy_tightened"] = list(self.privacy_tightened)
        return data

    def summary(self) -> str:
        """One plain-language sentence for the admin message."""
        parts = [
            f"{self.ties_moved} ties moved",
            f"{self.ties_merged} merged into existing ties",
            f"{self.ties_dropped} tie between the two removed",
            f"{self.interests_moved} interests moved",
            f"{self.interests_merged} merged",
            f"{self.affiliations_moved} affiliations moved",
            f"{self.affiliations_merged} merged",
            f"{self.do_not_introduce_moved} do-not-introduce entries moved",
        ]
        text = f"Merged {self.removed_name} into {self.kept_name}: " + ", ".join(parts) + "."
        if self.fields_filled:
            text += f" Filled from the duplicate: {', '.join(self.fields_filled)}."
        if self.privacy_tightened:
            text += f" Kept the more private setting for: {', '.join(self.privacy_tightened)}."
        if self.login_moved:
            text += " The duplicate's login now belongs to the kept profile."
        return text


@dataclass
class _Counts:
    ties_moved: int = 0
    ties_merged: int = 0
    ties_dropped: int = 0
    interests_moved: int = 0
    interests_merged: int = 0
    affiliations_moved: int = 0
    affiliations_merged: int = 0
    do_not_introduce_moved: int = 0
    fields_filled: list[str] = field(default_factory=list)
    privacy_tightened: list[str] = field(default_factory=list)
    login_moved: bool = False


def _identity(person: Person) -> dict[str, Any]:
    return {
        "id": person.pk,
        "public_id": str(person.public_id),
        "display_name": person.display_name,
        "has_login": person.user_id is not None,
    }


def _join_text(one: str, other: str) -> str:
    """Both texts, once each, cut to the column length."""
    parts = [t.strip() for t in (one, other) if t and t.strip()]
    if len(parts) == 2 and parts[0] == parts[1]:
        parts = parts[:1]
    return "; ".join(parts)[:_TEXT_LIMIT]


def _merge_interests(keep: Person, remove: Person, counts: _Counts) -> None:
    # Through the reverse relation: ``causes`` depends on ``people``, not the other way round.
    mine = {i.cause_id: i for i in keep.interests.select_for_update()}
    for interest in remove.interests.select_for_update():
        existing = mine.get(interest.cause_id)
        if existing is None:
            interest.person = keep
            interest.save(update_fields=["person", "updated_at"])
            counts.interests_moved += 1
            continue
        existing.passion = max(existing.passion, interest.passion)
        existing.offers = _join_text(existing.offers, interest.offers)
        existing.needs = _join_text(existing.needs, interest.needs)
        interest.delete()
        existing.save()
        counts.interests_merged += 1


def _merge_affiliations(keep: Person, remove: Person, counts: _Counts) -> None:
    mine = {
        (a.organization_id, a.role): a
        for a in Affiliation.objects.select_for_update().filter(person=keep)
    }
    for affiliation in Affiliation.objects.select_for_update().filter(person=remove):
        existing = mine.get((affiliation.organization_id, affiliation.role))
        if existing is None:
            affiliation.person = keep
            affiliation.save(update_fields=["person", "updated_at"])
            counts.affiliations_moved += 1
            continue
        # The union of both periods: the earliest known start, and still current if either is.
        starts = [d for d in (existing.start, affiliation.start) if d is not None]
        existing.start = min(starts) if starts else None
        if existing.end is None or affiliation.end is None:
            existing.end = None
        else:
            existing.end = max(existing.end, affiliation.end)
        affiliation.delete()
        existing.save()
        counts.affiliations_merged += 1


def _side_values(tie: Tie, side: str) -> dict[str, Any]:
    return {
        "strength": getattr(tie, f"{side}_strength"),
        "status": getattr(tie, f"{side}_status"),
        "allows_introductions": getattr(tie, f"{side}_allows_introductions"),
        "visible_to_members": getattr(tie, f"{side}_visible_to_members"),
    }


def _set_side(tie: Tie, side: str, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(tie, f"{side}_{name}", value)


def _merge_side(one: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """Two answers by the same person about the same contact, combined without losing any."""
    strengths = [s for s in (one["strength"], other["strength"]) if s is not None]
    status = max(one["status"], other["status"], key=lambda s: _STATUS_RANK.get(s, 0))
    allows = [v for v in (one["allows_introductions"], other["allows_introductions"])]
    if False in allows:
        allows_introductions: bool | None = False  # a "no" always wins
    elif True in allows:
        allows_introductions = True
    else:
        allows_introductions = None
    return {
        "strength": max(strengths) if strengths else None,
        "status": status,
        "allows_introductions": allows_introductions,
        "visible_to_members": bool(one["visible_to_members"] and other["visible_to_members"]),
    }


def _merge_ties(keep: Person, remove: Person, counts: _Counts) -> None:
    keeps_ties: dict[int, Tie] = {}
    for tie in Tie.objects.select_for_update().involving(keep):
        keeps_ties[tie.person_b_id if tie.person_a_id == keep.pk else tie.person_a_id] = tie

    for tie in Tie.objects.select_for_update().involving(remove).order_by("id"):
        removed_side = tie.side_of(remove.pk)
        other_side = "b" if removed_side == "a" else "a"
        other_id = tie.person_b_id if removed_side == "a" else tie.person_a_id
        removed_values = _side_values(tie, removed_side)
        other_values = _side_values(tie, other_side)

        if other_id == keep.pk:
            # Would become a self-tie: the two profiles were the same person.
            tie.delete()
            counts.ties_dropped += 1
            continue

        existing = keeps_ties.get(other_id)
        if existing is not None:
            keep_side = existing.side_of(keep.pk)
            existing_other_side = "b" if keep_side == "a" else "a"
            _set_side(
                existing,
                keep_side,
                _merge_side(_side_values(existing, keep_side), removed_values),
            )
            _set_side(
                existing,
                existing_other_side,
                _merge_side(_side_values(existing, existing_other_side), other_values),
            )
            existing.context = existing.context or tie.context
            existing.since = existing.since or tie.since
            if tie.last_interaction and (
                existing.last_interaction is None
                or tie.last_interaction > existing.last_interaction
            ):
                existing.last_interaction = tie.last_interaction
            take_external = not existing.external_id and tie.external_id
            external = (tie.external_source, tie.external_id)
            # Delete first: the external id is unique and may move to the existing tie.
            tie.delete()
            if take_external:
                existing.external_source, existing.external_id = external
            existing.save()
            counts.ties_merged += 1
            continue

        # Re-point to keep. The pair is stored lower id first, so the sides swap when
        # keep's id sorts on the other side of X than remove's did.
        if keep.pk < other_id:
            tie.person_a_id, tie.person_b_id = keep.pk, other_id
            _set_side(tie, "a", removed_values)
            _set_side(tie, "b", other_values)
        else:
            tie.person_a_id, tie.person_b_id = other_id, keep.pk
            _set_side(tie, "a", other_values)
            _set_side(tie, "b", removed_values)
        tie.save()
        keeps_ties[other_id] = tie
        counts.ties_moved += 1


def _move_do_not_introduce(keep: Person, remove: Person, counts: _Counts) -> None:
    # People remove asked not to be introduced to now apply to keep ...
    blocked = set(remove.do_not_introduce.values_list("pk", flat=True)) - {keep.pk}
    already = set(keep.do_not_introduce.values_list("pk", flat=True))
    new_blocked = blocked - already
    if new_blocked:
        keep.do_not_introduce.add(*new_blocked)
    # ... and people who asked not to be introduced to remove now block keep too.
    blockers = set(remove.blocked_by.values_list("pk", flat=True)) - {keep.pk}
    already_blockers = set(keep.blocked_by.values_list("pk", flat=True))
    new_blockers = blockers - already_blockers
    if new_blockers:
        keep.blocked_by.add(*new_blockers)
    counts.do_not_introduce_moved = len(new_blocked) + len(new_blockers)


def _merge_profile(keep: Person, remove: Person, counts: _Counts) -> None:
    for name in FILLABLE_FIELDS:
        if not getattr(keep, name) and getattr(remove, name):
            setattr(keep, name, getattr(remove, name))
            counts.fields_filled.append(name)
    if not keep.external_id and remove.external_id:
        keep.external_source, keep.external_id = remove.external_source, remove.external_id
        counts.fields_filled.append("external_id")
    # Privacy: either profile may carry a choice the person made; keep the stricter one.
    strictest = max(keep.visibility, remove.visibility, key=lambda v: _VISIBILITY_RANK.get(v, 2))
    if strictest != keep.visibility:
        keep.visibility = strictest
        counts.privacy_tightened.append("visibility")
    for name in ("open_to_introductions", "open_to_groups", "email_notifications"):
        if getattr(keep, name) and not getattr(remove, name):
            setattr(keep, name, False)
            counts.privacy_tightened.append(name)
    if remove.do_not_contact and not keep.do_not_contact:
        keep.do_not_contact = True
        counts.privacy_tightened.append("do_not_contact")
    if remove.monthly_intro_capacity < keep.monthly_intro_capacity:
        keep.monthly_intro_capacity = remove.monthly_intro_capacity
        counts.privacy_tightened.append("monthly_intro_capacity")


def person_merge(
    *,
    by: Any,
    keep: Person,
    remove: Person,
    channel: str = AuditEvent.Channel.ADMIN,
) -> MergeReport:
    """Merge the duplicate ``remove`` into ``keep`` and delete ``remove``. Staff only.

    Runs in one transaction with both people locked (``select_for_update``, in id order so two
    concurrent merges cannot deadlock). Writes one ``person.merge`` audit event whose ``before``
    names both people and whose ``after`` is the report.

    >>> report = person_merge(by=admin, keep=ana, remove=ana_duplicate)  # doctest: +SKIP
    >>> report.ties_moved, report.ties_merged, report.ties_dropped  # doctest: +SKIP
    (3, 1, 1)
    """
    if not viewer_for(by).is_staff:
        raise NotAllowed("Only admins can merge people.")
    if keep.pk == remove.pk:
        raise DomainError("Choose two different people to merge.")

    with transaction.atomic():
        locked = {
            p.pk: p
            for p in Person.objects.select_for_update()
            .filter(pk__in=[keep.pk, remove.pk])
            .order_by("pk")
        }
        if len(locked) != 2:
            raise DomainError("One of these people no longer exists; reload and try again.")
        keep, remove = locked[keep.pk], locked[remove.pk]
        before = {"keep": _identity(keep), "remove": _identity(remove)}

        counts = _Counts()
        _merge_interests(keep, remove, counts)
        _merge_affiliations(keep, remove, counts)
        _merge_ties(keep, remove, counts)
        _move_do_not_introduce(keep, remove, counts)
        _merge_profile(keep, remove, counts)

        login = remove.user_id if remove.user_id is not None and keep.user_id is None else None
        removed_identity = _identity(remove)
        # Delete before saving keep: the login and the external id are unique columns.
        remove.delete()
        if login is not None:
            keep.user_id = login
            counts.login_moved = True
        keep.save()
        # Many ties, blocks and one person changed at once: resident graphs rebuild.
        graph_log.note_rebuild()

        report = MergeReport(
            kept=str(keep.public_id),
            removed=removed_identity["public_id"],
            kept_name=keep.display_name,
            removed_name=removed_identity["display_name"],
            ties_moved=counts.ties_moved,
            ties_merged=counts.ties_merged,
            ties_dropped=counts.ties_dropped,
            interests_moved=counts.interests_moved,
            interests_merged=counts.interests_merged,
            affiliations_moved=counts.affiliations_moved,
            affiliations_merged=counts.affiliations_merged,
            do_not_introduce_moved=counts.do_not_introduce_moved,
            fields_filled=tuple(counts.fields_filled),
            privacy_tightened=tuple(counts.privacy_tightened),
            login_moved=counts.login_moved,
        )
        # audit_record keeps only keys whose value changed, so ``after`` repeats the keys of
        # ``before`` with their new values (remove is gone; keep now absorbs remove).
        audit_record(
            actor=by,
            action="person.merge",
            obj=keep,
            before={**before, "report": None},
            after={
                "keep": {**_identity(keep), "merged_from": report.removed},
                "remove": None,
                "report": report.as_dict(),
            },
            channel=channel,
        )
    return report
