"""Suggestions API: groups, weaving suggestions and suggestion runs.

Reads go through ``causes.suggestions.selectors`` (given the caller); writes are explicit
actions calling one service each. Runs compute in the background: ``POST`` answers ``202`` with
the run's URL in ``Location``; poll ``GET`` until ``status`` is ``done`` or ``failed``.
"""

from __future__ import annotations

import time
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from causes.api.serializers import (
    ConveneInput,
    DismissInput,
    GroupOutput,
    OutcomeInput,
    RespondInput,
    SuggestionRunInput,
    SuggestionRunOutput,
    WeavingDismissInput,
    WeavingOutput,
    group_data,
    run_data,
    weaving_data,
)
from causes.models import Cause, GroupSuggestion, SuggestionRun
from causes.suggestions import selectors, services
from people.errors import DomainError, NotAllowed
from people.models import AuditEvent
from people.roles import Viewer, viewer_for

NOT_FOUND = {"code": "not_found", "message": "Not found.", "errors": {}}
FILTER_PARAMETERS = [
    OpenApiParameter("cause", str, description="Slug of a cause (includes its sub-causes)."),
    OpenApiParameter("neighbourhood", str, description="A neighbourhood name."),
]


def _cause_param(request: Request) -> Cause | None:
    value = (request.query_params.get("cause") or "").strip()
    if not value:
        return None
    cause = Cause.objects.filter(slug=value).first()
    if cause is None:
        raise DomainError("No such cause.", field="cause")
    return cause


def _organizer(viewer: Viewer) -> bool:
    return viewer.is_organizer or viewer.is_staff


class GroupViewSet(viewsets.ViewSet):
    """Small-batch groups. Organizers see every current group (per cause and neighbourhood)
    and may convene, dismiss and record outcomes; a member sees only the groups they are in and
    may answer (``respond``: accepted or opted_out)."""

    lookup_field = "public_id"
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    # API key scopes (issue 7): reads and writes.
    required_scopes = {"list": "groups:read", "retrieve": "groups:read", "*": "groups:write"}
    pagination_class = PageNumberPagination  # lists are paged: documented as such (issue 7)

    def _get(self, request: Request, public_id: str) -> tuple[Viewer, GroupSuggestion | None]:
        viewer = viewer_for(request.user)
        return viewer, selectors.group_get_visible_to(viewer=viewer, public_id=public_id)

    @extend_schema(
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("status", str, enum=[c for c, _ in GroupSuggestion.Status.choices]),
        ],
        responses={200: GroupOutput(many=True)},
    )
    def list(self, request: Request) -> Response:
        viewer = viewer_for(request.user)
        status_filter = (request.query_params.get("status") or "").strip()
        if status_filter and status_filter not in GroupSuggestion.Status.values:
            raise DomainError("Choose suggested, convened or dismissed.", field="status")
        groups: QuerySet[GroupSuggestion] = selectors.group_list_visible_to(
            viewer=viewer,
            cause=_cause_param(request),
            neighbourhood=(request.query_params.get("neighbourhood") or "").strip()[:80],
            status=status_filter if _organizer(viewer) else "",
        )
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(groups, request, view=self) or []
        organizer = _organizer(viewer)
        data = [
            group_data(selectors.group_present(viewer=viewer, group=g), organizer=organizer)
            for g in page
        ]
        return paginator.get_paginated_response(GroupOutput(data, many=True).data)

    @extend_schema(responses={200: GroupOutput, 404: OpenApiResponse(description="Not found")})
    def retrieve(self, request: Request, public_id: str) -> Response:
        viewer, group = self._get(request, public_id)
        if group is None:
            return Response(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
        presented = selectors.group_present(viewer=viewer, group=group)
        return Response(GroupOutput(group_data(presented, organizer=_organizer(viewer))).data)

    def _act(self, request: Request, public_id: str, input_class: Any, call: Any) -> Response:
        viewer, group = self._get(request, public_id)
        if group is None:
            return Response(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
        data = input_class(data=request.data)
        data.is_valid(raise_exception=True)
        call(group, data.validated_data)
        group = selectors.group_get_visible_to(viewer=viewer, public_id=public_id)
        if group is None:  # a member who just opted out no longer sees the group
            return Response(status=status.HTTP_204_NO_CONTENT)
        presented = selectors.group_present(viewer=viewer, group=group)
        return Response(GroupOutput(group_data(presented, organizer=_organizer(viewer))).data)

    @extend_schema(request=ConveneInput, responses={200: GroupOutput})
    @action(detail=True, methods=["post"])
    def convene(self, request: Request, public_id: str) -> Response:
        return self._act(
            request,
            public_id,
            ConveneInput,
            lambda g, v: services.group_convene(
                by=request.user, group=g, message=v["message"], channel=AuditEvent.Channel.API
            ),
        )

    @extend_schema(request=DismissInput, responses={200: GroupOutput})
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, public_id: str) -> Response:
        return self._act(
            request,
            public_id,
            DismissInput,
            lambda g, v: services.group_dismiss(
                by=request.user, group=g, reason=v["reason"], channel=AuditEvent.Channel.API
            ),
        )

    @extend_schema(request=OutcomeInput, responses={200: GroupOutput})
    @action(detail=True, methods=["post"])
    def outcome(self, request: Request, public_id: str) -> Response:
        return self._act(
            request,
            public_id,
            OutcomeInput,
            lambda g, v: services.group_outcome_record(
                by=request.user,
                group=g,
                outcome=v["outcome"],
                note=v["note"],
                channel=AuditEvent.Channel.API,
            ),
        )

    @extend_schema(request=RespondInput, responses={200: GroupOutput, 204: None})
    @action(detail=True, methods=["post"])
    def respond(self, request: Request, public_id: str) -> Response:
        return self._act(
            request,
            public_id,
            RespondInput,
            lambda g, v: services.group_member_respond(
                by=request.user, group=g, response=v["response"]
            ),
        )


class WeavingSuggestionViewSet(viewsets.ViewSet):
    """Weaving suggestions of the latest run: organizers see all, a member those naming them.
    Each carries ``introduction_url`` for one of the pair: the introduction request through the
    mutual contact."""

    lookup_field = "public_id"
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    # API key scopes (issue 7): reads and writes.
    required_scopes = {"list": "groups:read", "retrieve": "groups:read", "*": "groups:write"}
    pagination_class = PageNumberPagination  # lists are paged: documented as such (issue 7)

    @extend_schema(
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("kind", str, enum=["triangle", "periphery"]),
        ],
        responses={200: WeavingOutput(many=True)},
    )
    def list(self, request: Request) -> Response:
        viewer = viewer_for(request.user)
        kind = (request.query_params.get("kind") or "").strip()
        if kind and kind not in ("triangle", "periphery"):
            raise DomainError("Choose triangle or periphery.", field="kind")
        items = selectors.weaving_list_visible_to(
            viewer=viewer,
            cause=_cause_param(request),
            neighbourhood=(request.query_params.get("neighbourhood") or "").strip()[:80],
            kind=kind,
        )
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(items, request, view=self) or []
        data = [weaving_data(selectors.weaving_present(viewer=viewer, suggestion=s)) for s in page]
        return paginator.get_paginated_response(WeavingOutput(data, many=True).data)

    @extend_schema(responses={200: WeavingOutput, 404: OpenApiResponse(description="Not found")})
    def retrieve(self, request: Request, public_id: str) -> Response:
        viewer = viewer_for(request.user)
        item = selectors.weaving_get_visible_to(viewer=viewer, public_id=public_id)
        if item is None:
            return Response(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
        presented = selectors.weaving_present(viewer=viewer, suggestion=item)
        return Response(WeavingOutput(weaving_data(presented)).data)

    @extend_schema(request=WeavingDismissInput, responses={204: None})
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, public_id: str) -> Response:
        viewer = viewer_for(request.user)
        item = selectors.weaving_get_visible_to(viewer=viewer, public_id=public_id)
        if item is None:
            return Response(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
        data = WeavingDismissInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.weaving_dismiss(
            by=request.user, suggestion=item, reason=data.validated_data["reason"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class SuggestionRunViewSet(viewsets.ViewSet):
    """Start a suggestion run and follow it (organizers and staff only)."""

    lookup_field = "public_id"
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    # API key scopes (issue 7): reads and writes.
    required_scopes = {"list": "groups:read", "retrieve": "groups:read", "*": "groups:write"}
    pagination_class = PageNumberPagination  # lists are paged: documented as such (issue 7)
    expensive_actions = ("create",)

    def _require_organizer(self, request: Request) -> Viewer:
        viewer = viewer_for(request.user)
        if not _organizer(viewer):
            raise NotAllowed("Only organizers can see and start suggestion runs.")
        return viewer

    @extend_schema(responses={200: SuggestionRunOutput(many=True)})
    def list(self, request: Request) -> Response:
        viewer = self._require_organizer(request)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(
            selectors.run_list_visible_to(viewer=viewer), request, view=self
        )
        data = [run_data(r) for r in page or []]
        return paginator.get_paginated_response(SuggestionRunOutput(data, many=True).data)

    @extend_schema(
        request=SuggestionRunInput,
        responses={202: SuggestionRunOutput, 400: OpenApiResponse(description="Field errors")},
    )
    def create(self, request: Request) -> Response:
        self._require_organizer(request)
        data = SuggestionRunInput(data=request.data)
        data.is_valid(raise_exception=True)
        values: dict[str, Any] = data.validated_data
        cause = None
        if values.get("cause"):
            cause = Cause.objects.filter(slug=values["cause"]).first()
            if cause is None:
                raise DomainError("No such cause.", field="cause")
        run = services.suggestion_run_start(
            by=request.user,
            cause=cause,
            neighbourhood=values.get("neighbourhood", ""),
            city=values.get("city", ""),
            include_groups=values["groups"],
            include_weaving=values.get("weaving"),
            trigger=SuggestionRun.Trigger.API,
        )
        run = SuggestionRun.objects.select_related("cause").get(pk=run.pk)
        url = reverse("api:suggestion-run-detail", kwargs={"public_id": run.public_id})
        return Response(
            SuggestionRunOutput(run_data(run)).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": request.build_absolute_uri(url)},
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "wait", float, description="Long polling: wait up to this many seconds (<= 10)."
            )
        ],
        responses={200: SuggestionRunOutput, 404: OpenApiResponse(description="Not found")},
    )
    def retrieve(self, request: Request, public_id: str) -> Response:
        viewer = self._require_organizer(request)
        run = selectors.run_get_visible_to(viewer=viewer, public_id=public_id)
        if run is None:
            return Response(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
        wait = request.query_params.get("wait")
        if wait:
            try:
                seconds = float(wait)
            except ValueError:
                raise DomainError("Give wait in seconds, e.g. 2.5.", field="wait") from None
            if not 0 <= seconds <= 10:
                raise DomainError("wait must be between 0 and 10 seconds.", field="wait")
            deadline = time.monotonic() + seconds
            while not run.is_finished and time.monotonic() < deadline:
                time.sleep(0.05)
                run.refresh_from_db(fields=["status", "progress", "stage"])
            run = SuggestionRun.objects.select_related("cause").get(pk=run.pk)
        return Response(SuggestionRunOutput(run_data(run)).data)
