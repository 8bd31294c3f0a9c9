"""Input and output serializers of the people API, kept separate (input validates, output
renders through the selectors' presenters)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from network_app.graph import MAX_HOPS, MAX_K
from people.models import PathSearch
from people.paths import path_search_present
from people.roles import Viewer


class PathSearchInput(serializers.Serializer):
    target = serializers.UUIDField(help_text="Public id of the person to reach.")
    # drf-stubs types Field.source (the attribute path) as a string; here it is a field name.
    source = serializers.UUIDField(  # type: ignore[assignment]
        required=False,
        help_text="Public id of the person searching from; defaults to the caller's own person. "
        "Only organizers and staff may give someone else.",
    )
    k = serializers.IntegerField(default=3, min_value=1, max_value=MAX_K)
    max_hops = serializers.IntegerField(default=4, min_value=1, max_value=MAX_HOPS)


class PathOutput(serializers.Serializer):
    people = serializers.ListField(
        child=serializers.UUIDField(allow_null=True),
        help_text="Public ids from source to target; null for a hop the caller may not see.",
    )
    strengths = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=5))
    likelihood = serializers.FloatField()
    hops = serializers.IntegerField()
    explanation = serializers.CharField()


class PathSearchOutput(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=PathSearch.Status.choices)
    progress = serializers.IntegerField()
    source = serializers.UUIDField()  # type: ignore[assignment]
    target = serializers.UUIDField()
    k = serializers.IntegerField()
    max_hops = serializers.IntegerField()
    paths = PathOutput(many=True)
    error = serializers.CharField(allow_null=True)
    error_code = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


def path_search_data(*, viewer: Viewer, search: PathSearch) -> dict[str, Any]:
    """The API body of a search, rendered for the viewer (masked hops have null ids)."""
    return {
        "id": search.public_id,
        "status": search.status,
        "progress": search.progress,
        "source": search.source.public_id,
        "target": search.target.public_id,
        "k": search.k,
        "max_hops": search.max_hops,
        "paths": [p.as_api() for p in path_search_present(viewer=viewer, search=search)],
        "error": search.error or None,
        "error_code": search.error_code or None,
        "created_at": search.created_at,
        "finished_at": search.finished_at,
    }
