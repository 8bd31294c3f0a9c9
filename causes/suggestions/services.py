"""Writes on suggestions: start a run, convene, dismiss, record an outcome, "not for me".

Keyword-only, typed, in ``transaction.atomic``; each checks who may act, writes the audit log
and enqueues tasks only after commit. Organizers (and staff) act on any group they may see;
a member acts only on their own place in a group.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from causes.models import (
    Cause,
    GroupMember,
    GroupSuggestion,
    SuggestionExclusion,
    SuggestionRun,
    WeavingDismissal,
    WeavingSuggestion,
)
from network_app.queue import enqueue_on_commit, time_limits
from people.errors import DomainError, NotAllowed, refuse_nul
from people.events import event_emit
from people.models import AuditEvent, Person
from people.roles import Viewer, viewer_for
from people.services import audit_record

REASON_MAX = 300
NOTE_MAX = 500


def _organizer(by: Any, what: str) -> Viewer:
    viewer = viewer_for(by)
    if not viewer.is_authenticated or not (viewer.is_organizer or viewer.is_staff):
        raise NotAllowed(f"Only organizers can {what}.")
    return viewer


def suggestion_run_start(
    *,
    by: Any,
    cause: Cause | None = None,
    neighbourhood: str = "",
    city: str = "",
    include_groups: bool = True,
    include_weaving: bool | None = None,
    trigger: str = SuggestionRun.Trigger.ORGANIZER,
) -> SuggestionRun:
    """Ask for fresh suggestions; the run is computed by a Celery task after commit.

    Organizers and staff only (``by`` may be None for the nightly schedule). Weaving
    suggestions are for the whole network, so by default they come with runs over every cause
    and not with a run for one cause or place. An identical run still waiting or running is
    returned instead of starting another (a double click starts one run).
    """
    if trigger != SuggestionRun.Trigger.SCHEDULE:
        _organizer(by, "refresh suggestions")
    neighbourhood = (neighbourhood or "").strip()[:80]
    city = (city or "").strip()[:80]
    refuse_nul(neighbourhood=neighbourhood, city=city)
    if include_weaving is None:
        include_weaving = cause is None and not neighbourhood and not city
    if not include_groups and not include_weaving:
        raise DomainError("Choose groups, weaving suggestions or both.", field="include_groups")
    scope = {
        "cause": cause,
        "neighbourhood": neighbourhood,
        "city": city,
        "include_groups": include_groups,
        "include_weaving": include_weaving,
    }
    with transaction.atomic():
        waiting = (
            SuggestionRun.objects.select_for_update()
            .filter(
                status__in=[SuggestionRun.Status.PENDING, SuggestionRun.Status.RUNNING], **scope
            )
            .order_by("-created_at")
            .first()
        )
        if waiting is not None:
            return waiting
        user = by if getattr(by, "is_authenticated", False) else None
        run = SuggestionRun.objects.create(
            requested_by=user,
            trigger=trigger,
            seed=settings.SUGGESTIONS_SEED,
            parameters={
                "group_weights": dict(settings.GROUP_SCORE_WEIGHTS),
                "weaving_weights": dict(settings.WEAVING_SCORE_WEIGHTS),
                "min_size": settings.GROUP_MIN_SIZE,
                "max_size": settings.GROUP_MAX_SIZE,
                "min_passion": settings.GROUP_MIN_PASSION,
                "max_per_person": settings.GROUP_MAX_PER_PERSON,
                "max_per_organization": settings.GROUP_MAX_PER_ORGANIZATION,
                "groups_per_cause": settings.GROUPS_PER_CAUSE,
            },
            **scope,
        )
        from causes.tasks import compute_suggestions

        run_id = run.pk
        # A run over 100,000 people takes minutes: longer than the default task time limit.
        limit = int(settings.SUGGESTIONS_TIME_LIMIT)
        # Redis down: the run stays pending and the sweeper (network_app.queue) sends it later.
        enqueue_on_commit(
            compute_suggestions,
            (run_id,),
            what=f"suggestion run {run_id}",
            **time_limits(limit),
        )
    return run


def suggestion_run_execute(*, run_id: int) -> bool:
    """Compute one run (see :func:`causes.suggestions.compute.run_execute`)."""
    from causes.suggestions.compute import run_execute

    return run_execute(run_id=run_id)


def _lock_group(group: GroupSuggestion) -> GroupSuggestion:
    return GroupSuggestion.objects.select_for_update().select_related("cause").get(pk=group.pk)


def _notify_members(group: GroupSuggestion, *, by_label: str, message: str) -> int:
    """Tell each member a group was convened: the shared in-app inbox (and its email) of
    ``people.notifications``. Returns how many were notified."""
    try:
        from people.models import Notification  # type: ignore[attr-defined,unused-ignore]
        from people.notifications import notify  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # the inbox arrives with the introductions workflow
        return 0

    url = reverse("causes:group_detail", kwargs={"public_id": group.public_id})
    count = 0
    memberships = group.memberships.select_related("person").exclude(
        response=GroupMember.Response.OPTED_OUT
    )
    names = [m.person.display_name for m in memberships]
    for membership in memberships:
        others = ", ".join(n for n in names if n != membership.person.display_name)
        body = f"{by_label} suggests you meet {others} about {group.cause.name}."
        if message:
            body += f"\n\n{message}"
        body += "\n\nAccept, or say it is not for you, on the group's page."
        notification = notify(
            recipient=membership.person,
            kind="group",
            title=f"A small group for {group.cause.name}"[:200],
            body=body,
        )
        if notification is not None:
            Notification.objects.filter(pk=notification.pk).update(url=url)
            count += 1
    return count


def group_convene(
    *, by: Any, group: GroupSuggestion, message: str = "", channel: str = AuditEvent.Channel.WEB
) -> GroupSuggestion:
    """Convene a suggested group: record it, invite its members and notify them."""
    viewer = _organizer(by, "convene groups")
    message = (message or "").strip()
    refuse_nul(message=message)
    if len(message) > 2000:
        raise DomainError("Keep the message under 2,000 characters.", field="message")
    with transaction.atomic():
        group = _lock_group(group)
        if group.status == GroupSuggestion.Status.CONVENED:
            raise DomainError("This group has already been convened.")
        if group.status == GroupSuggestion.Status.DISMISSED:
            raise DomainError("This group was dismissed and cannot be convened.")
        active = group.memberships.exclude(response=GroupMember.Response.OPTED_OUT)
        if active.count() < 2:
            raise DomainError("Too few members are left in this group to convene it.")
        now = timezone.now()
        group.status = GroupSuggestion.Status.CONVENED
        group.convened_by = viewer.user
        group.convened_at = now
        group.convene_message = message
        group.save(update_fields=["status", "convened_by", "convened_at", "convene_message"])
        active.filter(response=GroupMember.Response.SUGGESTED).update(
            response=GroupMember.Response.INVITED
        )
        label = viewer.person.display_name if viewer.person else "An organizer"
        notified = _notify_members(group, by_label=label, message=message)
        audit_record(
            actor=viewer.user,
            action="group.convene",
            obj=group,
            after={"status": group.status, "notified": notified},
            channel=channel,
        )
        event_emit("group.convened", object_id=group.pk)  # webhooks, after commit (issue 7)
    return group


def group_dismiss(
    *, by: Any, group: GroupSuggestion, reason: str, channel: str = AuditEvent.Channel.WEB
) -> GroupSuggestion:
    """Dismiss a suggested group with a reason; the same group is never proposed again."""
    viewer = _organizer(by, "dismiss groups")
    reason = (reason or "").strip()
    refuse_nul(reason=reason)
    if not reason:
        raise DomainError("Say why, so the next suggestions can be better.", field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(f"Keep the reason under {REASON_MAX} characters.", field="reason")
    with transaction.atomic():
        group = _lock_group(group)
        if group.status != GroupSuggestion.Status.SUGGESTED:
            raise DomainError("Only a suggested group can be dismissed.")
        group.status = GroupSuggestion.Status.DISMISSED
        group.dismissed_by = viewer.user
        group.dismissed_at = timezone.now()
        group.dismiss_reason = reason
        group.save(update_fields=["status", "dismissed_by", "dismissed_at", "dismiss_reason"])
        ids = [int(i) for i in group.member_key.split(",") if i]
        SuggestionExclusion.objects.create(
            kind=SuggestionExclusion.Kind.DISMISSED,
            cause=group.cause,
            member_ids=ids,
            overlap=len(ids),
            group=group,
            reason=reason,
            created_by=viewer.user,
        )
        audit_record(
            actor=viewer.user,
            action="group.dismiss",
            obj=group,
            after={"status": group.status, "reason": reason},
            channel=channel,
        )
    return group


def group_outcome_record(
    *,
    by: Any,
    group: GroupSuggestion,
    outcome: str,
    note: str = "",
    channel: str = AuditEvent.Channel.WEB,
) -> GroupSuggestion:
    """Record what came of a convened group: met, started a project, or fizzled."""
    viewer = _organizer(by, "record outcomes")
    valid = {c for c, _ in GroupSuggestion.Outcome.choices if c}
    if outcome not in valid:
        raise DomainError("Choose met, project or fizzled.", field="outcome")
    note = (note or "").strip()
    refuse_nul(note=note)
    if len(note) > NOTE_MAX:
        raise DomainError(f"Keep the note under {NOTE_MAX} characters.", field="note")
    with transaction.atomic():
        group = _lock_group(group)
        if group.status != GroupSuggestion.Status.CONVENED:
            raise DomainError("Convene the group before recording an outcome.", field="outcome")
        before = {"outcome": group.outcome, "outcome_note": group.outcome_note}
        group.outcome = outcome
        group.outcome_note = note
        group.outcome_by = viewer.user
        group.outcome_at = timezone.now()
        group.save(update_fields=["outcome", "outcome_note", "outcome_by", "outcome_at"])
        audit_record(
            actor=viewer.user,
            action="group.outcome",
            obj=group,
            before=before,
            after={"outcome": outcome, "outcome_note": note},
            channel=channel,
        )
    return group


def group_member_respond(*, by: Any, group: GroupSuggestion, response: str) -> GroupMember:
    """A member's answer to a group they are in: ``accepted`` (once convened) or
    ``opted_out`` ("not for me": they leave the group, and it is never proposed again with
    them)."""
    viewer = viewer_for(by)
    if viewer.person_id is None:
        raise NotAllowed("Only members can answer for themselves.")
    if response not in (GroupMember.Response.ACCEPTED, GroupMember.Response.OPTED_OUT):
        raise DomainError("Answer accepted or opted_out.", field="response")
    with transaction.atomic():
        group = _lock_group(group)
        membership = (
            GroupMember.objects.select_for_update()
            .filter(group=group, person_id=viewer.person_id)
            .first()
        )
        if membership is None or membership.response == GroupMember.Response.OPTED_OUT:
            raise NotAllowed("You are not in this group.")
        if group.status == GroupSuggestion.Status.DISMISSED:
            raise DomainError("This group was dismissed.")
        if response == GroupMember.Response.ACCEPTED:
            if group.status != GroupSuggestion.Status.CONVENED:
                raise DomainError("You can accept once an organizer convenes the group.")
        else:
            ids = [int(i) for i in group.member_key.split(",") if i]
            SuggestionExclusion.objects.create(
                kind=SuggestionExclusion.Kind.NOT_FOR_ME,
                cause=group.cause,
                member_ids=ids,
                person_id=viewer.person_id,
                overlap=min(3, len(ids)),
                group=group,
                created_by=viewer.user,
            )
        membership.response = response
        membership.responded_at = timezone.now()
        membership.save(update_fields=["response", "responded_at"])
    return membership


def weaving_dismiss(
    *, by: Any, suggestion: WeavingSuggestion, reason: str = ""
) -> WeavingSuggestion:
    """Dismiss a weaving suggestion: organizers, or one of the pair ("not for me"). The pair
    is never suggested again."""
    viewer = viewer_for(by)
    in_pair = viewer.person_id in (suggestion.person_id, suggestion.other_id)
    if not (viewer.is_organizer or viewer.is_staff or in_pair):
        raise NotAllowed("Only organizers, or the people suggested, can dismiss this.")
    reason = (reason or "").strip()[:REASON_MAX]
    refuse_nul(reason=reason)
    low, high = sorted((suggestion.person_id, suggestion.other_id))
    with transaction.atomic():
        WeavingDismissal.objects.get_or_create(
            person_low_id=low,
            person_high_id=high,
            defaults={"reason": reason, "created_by": viewer.user},
        )
        WeavingSuggestion.objects.filter(
            person_id__in=(low, high), other_id__in=(low, high)
        ).update(status=WeavingSuggestion.Status.DISMISSED)
        suggestion.refresh_from_db()
        audit_record(
            actor=viewer.user,
            action="weaving.dismiss",
            obj=suggestion,
            after={"status": suggestion.status, "reason": reason},
        )
    return suggestion


def introduction_link(*, target: Person, broker: Person | None) -> str:
    """Where "ask for an introduction" leads: the introductions workflow with the target and
    the mutual contact filled in, or the target's profile when that page is not available."""
    from django.urls import NoReverseMatch

    try:
        url = reverse("people:introduction_new")
    except NoReverseMatch:
        return target.get_absolute_url()
    query = f"?target={target.public_id}"
    if broker is not None:
        query += f"&broker={broker.public_id}"
    return url + query
