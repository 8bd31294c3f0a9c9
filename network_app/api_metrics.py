"""The latest network metrics snapshot in the API (organizers and staff): network totals
only, never names or person ids."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from network_app.dashboard import can_use_dashboard, snapshot_latest
from people.errors import NotAllowed
from people.roles import viewer_for

METRIC_FIELDS = (
    "people",
    "ties",
    "density",
    "components",
    "largest_component",
    "average_clustering",
    "average_path_length",
    "isolated",
    "peripheral",
    "communities",
    "bridges",
    "sampled",
)


class SnapshotOutput(serializers.Serializer):
    finished_at = serializers.DateTimeField()
    people = serializers.IntegerField()
    ties = serializers.IntegerField()
    density = serializers.FloatField()
    components = serializers.IntegerField()
    largest_component = serializers.IntegerField()
    average_clustering = serializers.FloatField()
    average_path_length = serializers.FloatField(allow_null=True)
    isolated = serializers.IntegerField()
    peripheral = serializers.IntegerField()
    communities = serializers.IntegerField()
    bridges = serializers.IntegerField()
    sampled = serializers.BooleanField(help_text="Path lengths and betweenness were sampled.")


class MetricsViewSet(viewsets.ViewSet):
    """Network health, as computed by the organizer dashboard's metrics job."""

    required_scopes = {"*": "metrics:read"}

    @extend_schema(
        responses={200: SnapshotOutput, 404: OpenApiResponse(description="No snapshot yet")}
    )
    @action(detail=False, methods=["get"])
    def latest(self, request: Request) -> Response:
        if not can_use_dashboard(viewer_for(request.user)):
            raise NotAllowed("Only organizers can read network metrics.")
        snapshot = snapshot_latest()
        if snapshot is None:
            return Response(
                {
                    "code": "not_found",
                    "message": "No snapshot has been computed yet.",
                    "errors": {},
                },
                status=status.HTTP_404_NOT_FOUND,
            )
        body: dict[str, Any] = {name: getattr(snapshot, name) for name in METRIC_FIELDS}
        body["finished_at"] = snapshot.finished_at
        return Response(SnapshotOutput(body).data)
