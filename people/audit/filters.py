"""Filters of the audit log page (django-filter, like the other lists)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from people.models import AuditEvent

OBJECT_TYPES = [
    ("person", "Person"),
    ("tie", "Tie"),
    ("affiliation", "Affiliation"),
    ("interest", "Interest"),
    ("organization", "Organization"),
    ("importjob", "Import"),
    ("export", "Export"),
    ("apikey", "API key"),
    ("webhook", "Webhook"),
    ("groupsuggestion", "Group"),
    ("weavingsuggestion", "Weaving suggestion"),
]


def _actors() -> QuerySet[Any]:
    # Only organizers and admins are offered: the filter never lists members' logins.
    return (
        get_user_model()
        .objects.filter(Q(is_staff=True) | Q(groups__name=settings.ORGANIZER_GROUP))
        .distinct()
        .order_by("username")
    )


def _actions(request: Any = None) -> list[tuple[str, str]]:
    actions = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
    return [(a, a) for a in actions]


class AuditEventFilter(django_filters.FilterSet):
    channel = django_filters.ChoiceFilter(choices=AuditEvent.Channel.choices)
    action = django_filters.ChoiceFilter(choices=_actions)
    actor = django_filters.ModelChoiceFilter(queryset=lambda request: _actors(), label="Who")
    object_type = django_filters.ChoiceFilter(choices=OBJECT_TYPES, label="Kind of object")
    object_id = django_filters.CharFilter(
        field_name="object_id", lookup_expr="exact", max_length=64, label="Object id"
    )

    class Meta:
        model = AuditEvent
        fields = ["channel", "action", "actor", "object_type", "object_id"]
