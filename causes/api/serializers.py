"""Input and output serializers of the suggestions API, kept separate (inputs validate;
outputs render what the selectors' presenters give, for the viewer)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from causes.models import GroupMember, GroupSuggestion, SuggestionRun, WeavingSuggestion
from causes.suggestions.selectors import PresentedGroup, PresentedWeaving


class ConveneInput(serializers.Serializer):
    message = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class DismissInput(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class OutcomeInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[c for c, _ in GroupSuggestion.Outcome.choices if c])
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RespondInput(serializers.Serializer):
    response = serializers.ChoiceField(
        choices=[GroupMember.Response.ACCEPTED, GroupMember.Response.OPTED_OUT]
    )


class WeavingDismissInput(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class SuggestionRunInput(serializers.Serializer):
    cause = serializers.CharField(
        required=False, allow_blank=True, help_text="Slug of a cause; empty for every cause."
    )
    neighbourhood = serializers.CharField(max_length=80, required=False, allow_blank=True)
    city = serializers.CharField(max_length=80, required=False, allow_blank=True)
    groups = serializers.BooleanField(default=True)
    weaving = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Default: with runs over every cause and the whole network.",
    )


class CauseOutput(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class MemberOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    role = serializers.CharField()
    passion = serializers.IntegerField()
    response = serializers.ChoiceField(choices=GroupMember.Response.choices)


class GroupOutput(serializers.Serializer):
    id = serializers.UUIDField()
    cause = CauseOutput()
    neighbourhood = serializers.CharField()
    city = serializers.CharField()
    score = serializers.FloatField()
    parts = serializers.DictField(child=serializers.FloatField())
    explanation = serializers.ListField(child=serializers.CharField())
    members = MemberOutput(many=True)
    status = serializers.ChoiceField(choices=GroupSuggestion.Status.choices)
    outcome = serializers.CharField()
    outcome_note = serializers.CharField()
    is_current = serializers.BooleanField()
    run = serializers.UUIDField()
    graph_version = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    convened_at = serializers.DateTimeField(allow_null=True)
    url = serializers.CharField()


def group_data(presented: PresentedGroup, *, organizer: bool) -> dict[str, Any]:
    group = presented.group
    return {
        "id": group.public_id,
        "cause": {"slug": group.cause.slug, "name": group.cause.name},
        "neighbourhood": group.neighbourhood,
        "city": group.city,
        "score": group.score,
        "parts": group.parts,
        "explanation": presented.explanation,
        "members": [
            {
                "id": m.person.public_id,
                "name": m.person.display_name,
                "role": m.role,
                "passion": m.passion,
                "response": m.response,
            }
            for m in presented.members
        ],
        "status": group.status,
        "outcome": group.outcome,
        # The organizer's note stays with organizers.
        "outcome_note": group.outcome_note if organizer else "",
        "is_current": group.is_current,
        "run": group.run.public_id,
        "graph_version": group.run.graph_version,
        "created_at": group.created_at,
        "convened_at": group.convened_at,
        "url": group.get_absolute_url(),
    }


class PersonRef(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class WeavingOutput(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=WeavingSuggestion.Kind.choices)
    person = PersonRef()
    other = PersonRef()
    broker = PersonRef(allow_null=True)
    cause = CauseOutput(allow_null=True)
    score = serializers.FloatField()
    parts = serializers.DictField(child=serializers.FloatField())
    explanation = serializers.ListField(child=serializers.CharField())
    mutual_contacts = serializers.IntegerField()
    introduction_url = serializers.CharField(
        allow_null=True,
        help_text="For one of the pair: the introduction request through the mutual contact.",
    )


def weaving_data(item: PresentedWeaving) -> dict[str, Any]:
    s = item.suggestion

    def ref(person: Any) -> dict[str, Any] | None:
        return {"id": person.public_id, "name": person.display_name} if person else None

    return {
        "id": s.public_id,
        "kind": s.kind,
        "person": ref(s.person),
        "other": ref(s.other),
        "broker": ref(s.broker),
        "cause": {"slug": s.cause.slug, "name": s.cause.name} if s.cause else None,
        "score": s.score,
        "parts": s.parts,
        "explanation": item.explanation,
        "mutual_contacts": s.mutual_contacts,
        "introduction_url": item.introduction_url,
    }


class SuggestionRunOutput(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=SuggestionRun.Status.choices)
    progress = serializers.IntegerField()
    stage = serializers.CharField()
    cause = serializers.SlugField(allow_null=True)
    neighbourhood = serializers.CharField()
    city = serializers.CharField()
    groups = serializers.BooleanField()
    weaving = serializers.BooleanField()
    trigger = serializers.CharField()
    graph_version = serializers.IntegerField(allow_null=True)
    stats = serializers.DictField()
    error = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    url = serializers.CharField()


def run_data(run: SuggestionRun) -> dict[str, Any]:
    return {
        "id": run.public_id,
        "status": run.status,
        "progress": run.progress,
        "stage": run.stage,
        "cause": run.cause.slug if run.cause else None,
        "neighbourhood": run.neighbourhood,
        "city": run.city,
        "groups": run.include_groups,
        "weaving": run.include_weaving,
        "trigger": run.trigger,
        "graph_version": run.graph_version,
        "stats": run.stats,
        "error": run.error or None,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "url": reverse("api:suggestion-run-detail", kwargs={"public_id": run.public_id}),
    }
