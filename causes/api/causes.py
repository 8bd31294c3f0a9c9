"""Causes and interests in the API (read-only: members change their own causes on their
profile page). Causes are public to every member; interests only of people the caller sees."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from causes.models import Cause, Interest
from people.errors import DomainError
from people.roles import viewer_for
from people.selectors import person_find_visible_to, person_visibility_q

NOT_FOUND = {"code": "not_found", "message": "Not found.", "errors": {}}


class CauseItemOutput(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    parent = serializers.SlugField(  # type: ignore[assignment]
        allow_null=True, help_text="The top-level cause, if any."
    )


def cause_data(cause: Cause) -> dict[str, Any]:
    return {
        "slug": cause.slug,
        "name": cause.name,
        "description": cause.description,
        "parent": cause.parent.slug if cause.parent else None,
    }


class CauseViewSet(viewsets.GenericViewSet):
    """The two-level taxonomy of causes."""

    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    queryset = Cause.objects.none()  # for the schema
    serializer_class = CauseItemOutput
    required_scopes = {"*": "people:read"}

    @extend_schema(
        parameters=[OpenApiParameter("parent", str, description="Slug: only its sub-causes.")],
        responses={200: CauseItemOutput(many=True)},
    )
    def list(self, request: Request) -> Response:
        qs = Cause.objects.select_related("parent").order_by("name", "id")
        parent = request.query_params.get("parent")
        if parent:
            qs = qs.filter(parent__slug=parent)
        page = self.paginate_queryset(qs) or []
        return self.get_paginated_response(
            CauseItemOutput([cause_data(c) for c in page], many=True).data
        )

    @extend_schema(responses={200: CauseItemOutput, 404: OpenApiResponse(description="Not found")})
    def retrieve(self, request: Request, slug: str) -> Response:
        cause = Cause.objects.select_related("parent").filter(slug=slug).first()
        if cause is None:
            return Response(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
        return Response(CauseItemOutput(cause_data(cause)).data)


class InterestOutput(serializers.Serializer):
    person = serializers.UUIDField()
    cause = serializers.SlugField()
    passion = serializers.IntegerField(min_value=1, max_value=5)
    offers = serializers.CharField()
    needs = serializers.CharField()


class InterestViewSet(viewsets.GenericViewSet):
    """Who cares about what (passion 1..5, offers and needs), among people the caller sees."""

    queryset = Interest.objects.none()  # for the schema
    serializer_class = InterestOutput
    required_scopes = {"*": "people:read"}

    @extend_schema(
        parameters=[
            OpenApiParameter("person", str, description="Public id of a person."),
            OpenApiParameter("cause", str, description="A cause slug (with its sub-causes)."),
        ],
        responses={200: InterestOutput(many=True)},
    )
    def list(self, request: Request) -> Response:
        viewer = viewer_for(request.user)
        qs = (
            Interest.objects.filter(person_visibility_q(viewer, "person__"))
            .select_related("person", "cause")
            .order_by("person_id", "cause_id")
        )
        person_id = request.query_params.get("person")
        if person_id:
            person = person_find_visible_to(viewer=viewer, public_id=person_id)
            if person is None:
                raise DomainError("No such person.", field="person")
            qs = qs.filter(person=person)
        cause = request.query_params.get("cause")
        if cause:
            qs = qs.filter(cause__slug=cause) | qs.filter(cause__parent__slug=cause)
        page = self.paginate_queryset(qs) or []
        data = [
            {
                "person": i.person.public_id,
                "cause": i.cause.slug,
                "passion": i.passion,
                "offers": i.offers,
                "needs": i.needs,
            }
            for i in page
        ]
        return self.get_paginated_response(InterestOutput(data, many=True).data)
