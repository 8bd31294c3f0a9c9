"""People API views: path searches."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from network_app.outages import retry_after
from people import selectors
from people.api.serializers import PathSearchInput, PathSearchOutput, path_search_data
from people.errors import DomainError
from people.models import PathSearch
from people.paths import (
    MAX_WAIT_SECONDS,
    SearchNotQueued,
    path_search_get_for,
    path_search_start,
    path_search_wait,
)
from people.roles import viewer_for


class PathSearchViewSet(viewsets.ViewSet):
    """Start a path search ("how can I reach this person?") and read its result.

    Searches run in the background: ``POST`` answers ``202`` with the search's URL in
    ``Location``; poll ``GET`` until ``status`` is ``done`` or ``failed``. Only the requester,
    and staff, can read a search.
    """

    lookup_field = "public_id"
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    # API key scope, and the stricter throttle on starting searches (issue 7).
    required_scopes = {"*": "paths:run"}
    expensive_actions = ("create",)

    @extend_schema(
        request=PathSearchInput,
        responses={
            202: PathSearchOutput,
            400: OpenApiResponse(description="Field errors"),
            503: OpenApiResponse(
                description="The job queue is down: the search is saved as pending and runs "
                "when it is back (Location); Retry-After says when to try again."
            ),
        },
    )
    def create(self, request: Request) -> Response:
        viewer = viewer_for(request.user)
        data = PathSearchInput(data=request.data)
        data.is_valid(raise_exception=True)
        values: dict[str, Any] = data.validated_data
        target = selectors.person_find_visible_to(viewer=viewer, public_id=values["target"])
        if target is None:
            raise DomainError("No such person.", field="target")
        source = None
        if "source" in values:
            source = selectors.person_find_visible_to(viewer=viewer, public_id=values["source"])
            if source is None:
                raise DomainError("No such person.", field="source")
        try:
            search = path_search_start(
                by=request.user,
                target=target,
                source=source,
                k=values["k"],
                max_hops=values["max_hops"],
            )
        except SearchNotQueued as exc:
            # Saved as pending: it runs once the queue is back (Location), or POST it again.
            url = reverse("api:path-search-detail", kwargs={"public_id": exc.search.public_id})
            return Response(
                {
                    "code": "service_unavailable",
                    "message": "The job queue is unavailable for a moment. The search is "
                    "saved and will run when it is back (see Location); or try again later.",
                    "errors": {},
                },
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={
                    "Retry-After": str(retry_after()),
                    "Location": request.build_absolute_uri(url),
                },
            )
        search = PathSearch.objects.select_related("source", "target").get(pk=search.pk)
        url = reverse("api:path-search-detail", kwargs={"public_id": search.public_id})
        return Response(
            PathSearchOutput(path_search_data(viewer=viewer, search=search)).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": request.build_absolute_uri(url)},
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "wait",
                float,
                description="Long polling: wait up to this many seconds (at most 10) for the "
                "search to finish before answering.",
            )
        ],
        responses={200: PathSearchOutput, 404: OpenApiResponse(description="Not found")},
    )
    def retrieve(self, request: Request, public_id: str) -> Response:
        viewer = viewer_for(request.user)
        search = path_search_get_for(viewer=viewer, public_id=_uuid_or_none(public_id))
        if search is None:
            return Response(
                {"code": "not_found", "message": "No such path search.", "errors": {}},
                status=status.HTTP_404_NOT_FOUND,
            )
        wait = request.query_params.get("wait")
        if wait:
            try:
                seconds = float(wait)
            except ValueError:
                raise DomainError("Give wait in seconds, e.g. 2.5.", field="wait") from None
            if not 0 <= seconds <= MAX_WAIT_SECONDS:
                raise DomainError("wait must be between 0 and 10 seconds.", field="wait")
            search = path_search_wait(search=search, seconds=seconds)
        return Response(PathSearchOutput(path_search_data(viewer=viewer, search=search)).data)


def _uuid_or_none(value: str) -> str | None:
    import uuid

    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None
