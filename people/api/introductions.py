"""Introductions API: ask (from a path search result or an explicit path), list by role and
state, read one, and take a step (accept, decline, forward, withdraw, record-outcome).

Visible only to the people in an introduction (once it has reached them), organizers and
staff; an introduction the caller may not see is a 404. A step the caller may not take answers
403, a step the state does not allow 400, both in the one error shape.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from network_app.graph import MAX_HOPS
from people import introductions, selectors
from people.errors import DomainError
from people.introductions.present import (
    IntroductionView,
    introduction_list_present,
    introduction_present,
)
from people.models import Introduction, IntroductionState, Person
from people.paths import path_search_get_for
from people.roles import Viewer, viewer_for

# ---------------------------------------------------------------------------------------------
# Serializers: input and output kept separate


class IntroductionCreateInput(serializers.Serializer):
    message = serializers.CharField(help_text="Why the requester would like to meet.")
    path_search = serializers.UUIDField(
        required=False, help_text="A path search of the caller; use with path_index."
    )
    path_index = serializers.IntegerField(
        required=False, min_value=0, help_text="Which of the search's paths (0 = the best)."
    )
    path = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        min_length=3,
        max_length=MAX_HOPS + 1,
        help_text="An explicit path: public ids from the caller to the target.",
    )
    target = serializers.UUIDField(required=False)
    broker = serializers.UUIDField(required=False, help_text="With target: the mutual contact.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        ways = [
            "path_search" in attrs,
            "path" in attrs,
            "broker" in attrs and "target" in attrs,
        ]
        if sum(ways) != 1:
            raise serializers.ValidationError(
                "Give one of: path_search with path_index, path, or target with broker."
            )
        if "path_search" in attrs and "path_index" not in attrs:
            raise serializers.ValidationError({"path_index": ["Give the index of the path."]})
        return attrs


class IntroductionDeclineInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class IntroductionOutcomeInput(serializers.Serializer):
    met = serializers.BooleanField()
    rating = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class IntroductionChainPersonOutput(serializers.Serializer):
    id = serializers.UUIDField(allow_null=True, help_text="null when masked for the caller")
    name = serializers.CharField()
    role = serializers.CharField()
    deciding = serializers.BooleanField()


class IntroductionHistoryOutput(serializers.Serializer):
    at = serializers.DateTimeField()
    text = serializers.CharField()


class IntroductionOutput(serializers.Serializer):
    id = serializers.UUIDField()
    state = serializers.CharField(
        help_text="The state; a decline reads 'declined' unless the caller declined it or "
        "oversees the network."
    )
    state_label = serializers.CharField()
    role = serializers.CharField(help_text="requester, intermediary, target or observer")
    requester = serializers.UUIDField()
    target = serializers.UUIDField()
    broker = serializers.UUIDField()
    chain = IntroductionChainPersonOutput(many=True)
    message = serializers.CharField()
    waiting_on_you = serializers.BooleanField()
    actions = serializers.ListField(child=serializers.CharField())
    history = IntroductionHistoryOutput(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)


def introduction_data(
    *, viewer: Viewer, introduction: Introduction, view: IntroductionView | None = None
) -> dict[str, Any]:
    """The API body of one introduction, as this viewer may see it."""
    view = view or introduction_present(viewer=viewer, introduction=introduction)
    state = introduction.state
    if view.state_label == "Declined":
        state = "declined"
    return {
        "id": introduction.public_id,
        "state": state,
        "state_label": view.state_label,
        "role": view.role,
        "requester": introduction.requester.public_id,
        "target": introduction.target.public_id,
        "broker": introduction.broker.public_id,
        "chain": [
            {
                "id": hop.person.public_id if hop.person else None,
                "name": hop.label,
                "role": hop.role,
                "deciding": hop.is_holder,
            }
            for hop in view.chain
        ],
        "message": introduction.message,
        "waiting_on_you": view.waiting_on_me,
        "actions": sorted(view.action_names),
        "history": [{"at": line.at, "text": line.text} for line in view.history],
        "created_at": introduction.created_at,
        "updated_at": introduction.updated_at,
        "decided_at": introduction.decided_at,
        "expires_at": introduction.expires_at,
    }


def _person(viewer: Viewer, public_id: Any, field: str) -> Person:
    person = selectors.person_find_visible_to(viewer=viewer, public_id=public_id)
    if person is None:
        raise DomainError("No such person.", field=field)
    return person


class IntroductionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Introductions the caller may see.

    ``GET /introductions/?role=requester|broker|target&state=...`` lists them;
    ``POST /introductions/`` asks for one; ``POST /introductions/<id>/<action>/`` takes a step.
    """

    lookup_field = "public_id"
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    # API key scopes (issue 7): reads and writes.
    required_scopes = {
        "list": "introductions:read",
        "retrieve": "introductions:read",
        "*": "introductions:write",
    }
    serializer_class = IntroductionOutput

    def get_queryset(self) -> Any:
        viewer = viewer_for(self.request.user)
        params = self.request.query_params
        return introductions.introduction_list_for(
            viewer=viewer, role=params.get("role") or None, state=params.get("state") or None
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("role", str, enum=["requester", "broker", "target"]),
            OpenApiParameter("state", str, enum=IntroductionState.values),
        ],
        responses={200: IntroductionOutput(many=True)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        viewer = viewer_for(request.user)
        page = self.paginate_queryset(self.get_queryset())
        rows = page if page is not None else list(self.get_queryset())
        views = introduction_list_present(viewer=viewer, introductions=list(rows))
        data = [
            introduction_data(viewer=viewer, introduction=v.introduction, view=v) for v in views
        ]
        body = IntroductionOutput(data, many=True).data
        return self.get_paginated_response(body) if page is not None else Response(body)

    @extend_schema(
        responses={200: IntroductionOutput, 404: OpenApiResponse(description="Not found")}
    )
    def retrieve(self, request: Request, public_id: str) -> Response:
        viewer = viewer_for(request.user)
        introduction = self._get(viewer, public_id)
        if introduction is None:
            return _not_found()
        return Response(
            IntroductionOutput(introduction_data(viewer=viewer, introduction=introduction)).data
        )

    @extend_schema(
        request=IntroductionCreateInput,
        responses={201: IntroductionOutput, 400: OpenApiResponse(description="Field errors")},
    )
    def create(self, request: Request) -> Response:
        viewer = viewer_for(request.user)
        data = IntroductionCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values: dict[str, Any] = data.validated_data
        search = None
        broker: Person | None = None
        path: list[Person] | None = None
        if "path_search" in values:
            search = path_search_get_for(viewer=viewer, public_id=values["path_search"])
            if search is None or search.requester_id != request.user.pk:
                raise DomainError("No such path search.", field="path_search")
            raw = search.result.get("paths", []) if isinstance(search.result, dict) else []
            index = values["path_index"]
            if index >= len(raw):
                raise DomainError("The search has no path with this index.", field="path_index")
            ids: list[int] = raw[index]["people"]
            people = {p.pk: p for p in Person.objects.filter(pk__in=ids)}
            if len(people) != len(ids):
                raise DomainError("This path has changed; search again.", field="path_index")
            path = [people[pk] for pk in ids]
            target = path[-1]
        elif "path" in values:
            # An explicit path names people: each must be visible to the caller.
            path = [_person(viewer, pid, "path") for pid in values["path"]]
            target = path[-1]
        else:
            target = _person(viewer, values["target"], "target")
            broker = _person(viewer, values["broker"], "broker")
        introduction = introductions.introduction_request(
            by=request.user,
            target=target,
            broker=broker,
            path=path,
            message=values["message"],
            path_search=search,
        )
        introduction = Introduction.objects.select_related(
            "requester", "target", "broker", "current_holder"
        ).get(pk=introduction.pk)
        return Response(
            IntroductionOutput(introduction_data(viewer=viewer, introduction=introduction)).data,
            status=status.HTTP_201_CREATED,
        )

    def _get(self, viewer: Viewer, public_id: str) -> Introduction | None:
        return introductions.introduction_get_for(viewer=viewer, public_id=public_id)

    def _step(self, request: Request, public_id: str, name: str) -> Response:
        viewer = viewer_for(request.user)
        introduction = self._get(viewer, public_id)
        if introduction is None:
            return _not_found()
        if name == "accept":
            introductions.introduction_accept(by=request.user, introduction=introduction)
        elif name == "forward":
            introductions.introduction_forward(by=request.user, introduction=introduction)
        elif name == "withdraw":
            introductions.introduction_withdraw(by=request.user, introduction=introduction)
        elif name == "decline":
            decline = IntroductionDeclineInput(data=request.data)
            decline.is_valid(raise_exception=True)
            introductions.introduction_decline(
                by=request.user, introduction=introduction, reason=decline.validated_data["reason"]
            )
        else:
            outcome = IntroductionOutcomeInput(data=request.data)
            outcome.is_valid(raise_exception=True)
            values = outcome.validated_data
            introductions.introduction_record_outcome(
                by=request.user,
                introduction=introduction,
                met=values["met"],
                rating=values.get("rating"),
                note=values.get("note", ""),
            )
        fresh = self._get(viewer, public_id)
        assert fresh is not None
        return Response(
            IntroductionOutput(introduction_data(viewer=viewer, introduction=fresh)).data
        )

    @extend_schema(request=None, responses={200: IntroductionOutput})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, public_id: str) -> Response:
        """The holder agrees to their step (broker: ask the next person; target: agree to be
        introduced; broker after the target agreed: make the introduction)."""
        return self._step(request, public_id, "accept")

    @extend_schema(request=None, responses={200: IntroductionOutput})
    @action(detail=True, methods=["post"])
    def forward(self, request: Request, public_id: str) -> Response:
        """An intermediary passes the request to the next intermediary on the path."""
        return self._step(request, public_id, "forward")

    @extend_schema(request=IntroductionDeclineInput, responses={200: IntroductionOutput})
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, public_id: str) -> Response:
        """The holder declines, with an optional private reason."""
        return self._step(request, public_id, "decline")

    @extend_schema(request=None, responses={200: IntroductionOutput})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, public_id: str) -> Response:
        """The requester withdraws an open request."""
        return self._step(request, public_id, "withdraw")

    @extend_schema(request=IntroductionOutcomeInput, responses={200: IntroductionOutput})
    @action(detail=True, methods=["post"], url_path="record-outcome", url_name="record-outcome")
    def record_outcome(self, request: Request, public_id: str) -> Response:
        """The requester or the target says whether they met and how well they know each other."""
        return self._step(request, public_id, "record-outcome")


def _not_found() -> Response:
    return Response(
        {"code": "not_found", "message": "No such introduction.", "errors": {}},
        status=status.HTTP_404_NOT_FOUND,
    )
