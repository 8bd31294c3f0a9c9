"""People API for partner tools: people, organizations, affiliations, ties and ``me``.

Reads go through ``people.selectors`` (hidden people never appear; the directory's
``PersonFilter`` filters the list); writes call services (``people.records``,
``people.services``), so the API cannot bypass a rule the pages keep. Input and output
serializers are separate. People and ties have sync feeds (``sync/``) and upserts by the
partner's external id (``external/<source>/<id>/``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from network_app import page_cache
from network_app.api_sync import SYNC_PARAMETERS, sync_output, sync_page
from people import records, selectors, services
from people.audit import contact_read_record
from people.errors import DomainError
from people.filters import PersonFilter
from people.models import (
    Affiliation,
    AuditEvent,
    Organization,
    OrganizationKind,
    Person,
    Provenance,
    Sector,
    SideStatus,
    Tie,
    TieKind,
    Visibility,
)
from people.roles import Viewer, viewer_for

NOT_FOUND = {"code": "not_found", "message": "Not found.", "errors": {}}
UUID_RE = "[0-9a-fA-F-]{36}"
EXTERNAL_PATH = r"external/(?P<source>[^/]{1,60})/(?P<external_id>[^/]{1,120})"


def _oversees(viewer: Viewer) -> bool:
    return viewer.is_organizer or viewer.is_staff


# =============================================================================================
# People


class AffiliationBriefOutput(serializers.Serializer):
    organization = serializers.UUIDField()
    name = serializers.CharField()
    role = serializers.CharField()
    current = serializers.BooleanField()


class InterestBriefOutput(serializers.Serializer):
    cause = serializers.SlugField()
    passion = serializers.IntegerField(min_value=1, max_value=5)


class PersonOutput(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.CharField()
    display_name = serializers.CharField()
    pronouns = serializers.CharField()
    headline = serializers.CharField()
    bio = serializers.CharField()
    city = serializers.CharField()
    neighbourhood = serializers.CharField()
    sector = serializers.CharField(help_text="A sector code, or empty.")
    skills = serializers.ListField(child=serializers.CharField())
    has_account = serializers.BooleanField(help_text="The person logs in to Smallbatch.")
    open_to_introductions = serializers.BooleanField()
    open_to_groups = serializers.BooleanField()
    visibility = serializers.CharField(
        allow_null=True, help_text="listed, organizers or hidden; null unless organizer or self."
    )
    do_not_contact = serializers.BooleanField(allow_null=True, help_text="Organizers and self.")
    email = serializers.CharField(allow_null=True, help_text="Only the person and admins.")
    phone = serializers.CharField(allow_null=True, help_text="Only the person and admins.")
    external_source = serializers.CharField(allow_null=True, help_text="Organizers only.")
    external_id = serializers.CharField(allow_null=True, help_text="Organizers only.")
    affiliations = AffiliationBriefOutput(many=True)
    interests = InterestBriefOutput(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def person_data(*, viewer: Viewer, person: Person) -> dict[str, Any]:
    """A person as this viewer may read them (private fields null when not theirs to see)."""
    is_self = viewer.person_id is not None and viewer.person_id == person.pk
    oversees = _oversees(viewer) or is_self
    private = selectors.can_see_private_fields(viewer=viewer, person=person)
    affiliations = [
        {
            "organization": a.organization.public_id,
            "name": a.organization.name,
            "role": a.role,
            "current": a.end is None,
        }
        for a in person.affiliations.all()
    ]
    interests = [{"cause": i.cause.slug, "passion": i.passion} for i in person.interests.all()]
    if private and not is_self:  # an admin reads contact details: logged (issue 9)
        contact_read_record(
            by=viewer.user, people=[person], view="api", channel=AuditEvent.Channel.API
        )
    return {
        "id": person.public_id,
        "url": reverse("api:person-detail", kwargs={"public_id": person.public_id}),
        "display_name": person.display_name,
        "pronouns": person.pronouns,
        "headline": person.headline,
        "bio": person.bio,
        "city": person.city,
        "neighbourhood": person.neighbourhood,
        "sector": person.sector,
        "skills": [str(s) for s in (person.skills or [])],
        "has_account": person.user_id is not None,
        "open_to_introductions": person.open_to_introductions,
        "open_to_groups": person.open_to_groups,
        "visibility": person.visibility if oversees else None,
        "do_not_contact": person.do_not_contact if oversees else None,
        "email": person.email if private else None,
        "phone": person.phone if private else None,
        "external_source": person.external_source if _oversees(viewer) else None,
        "external_id": person.external_id if _oversees(viewer) else None,
        "affiliations": affiliations,
        "interests": interests,
        "created_at": person.created_at,
        "updated_at": person.updated_at,
    }


def _people_with_details(qs: QuerySet[Person]) -> QuerySet[Person]:
    return qs.prefetch_related(
        Prefetch(
            "affiliations",
            queryset=Affiliation.objects.select_related("organization").order_by(
                "end", "-start", "id"
            ),
        ),
        "interests__cause",
    )


class PersonInput(serializers.Serializer):
    display_name = serializers.CharField(max_length=120)
    pronouns = serializers.CharField(max_length=40, required=False, allow_blank=True)
    headline = serializers.CharField(max_length=160, required=False, allow_blank=True)
    bio = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    city = serializers.CharField(max_length=80, required=False, allow_blank=True)
    neighbourhood = serializers.CharField(max_length=80, required=False, allow_blank=True)
    sector = serializers.ChoiceField(choices=["", *Sector.values], required=False)
    skills = serializers.ListField(
        child=serializers.CharField(max_length=60), max_length=30, required=False
    )
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    visibility = serializers.ChoiceField(
        choices=Visibility.values,
        required=False,
        help_text="organizers (default) or hidden; only the person can list themself.",
    )
    open_to_introductions = serializers.BooleanField(required=False)
    open_to_groups = serializers.BooleanField(required=False)
    do_not_contact = serializers.BooleanField(required=False)
    external_source = serializers.CharField(max_length=60, required=False, allow_blank=True)
    external_id = serializers.CharField(max_length=120, required=False, allow_blank=True)


class PersonUpdateInput(PersonInput):
    display_name = serializers.CharField(max_length=120, required=False)


PERSON_EXAMPLE = OpenApiExample(
    "A person from a partner's event platform",
    value={
        "display_name": "Amara Okafor",
        "headline": "Tenant organizer",
        "neighbourhood": "Eastside",
        "city": "Riverton",
        "sector": "organizing",
        "external_source": "eventhub",
        "external_id": "att-1042",
    },
    request_only=True,
)
PEOPLE_FILTERS = [
    OpenApiParameter("q", str, description="Words in the name, headline or place."),
    OpenApiParameter(
        "cause", str, description="A cause slug (a top-level cause includes its sub-causes)."
    ),
    OpenApiParameter("neighbourhood", str, description="Exact neighbourhood (any case)."),
    OpenApiParameter("sector", str, enum=Sector.values),
    OpenApiParameter("organization", str, description="Public id of an organization."),
    OpenApiParameter(
        "ordering",
        str,
        enum=[
            "display_name",
            "-display_name",
            "updated_at",
            "-updated_at",
            "created_at",
            "-created_at",
        ],
    ),
]
ORDERINGS = {
    "display_name": ("display_name", "id"),
    "-display_name": ("-display_name", "-id"),
    "updated_at": ("updated_at", "id"),
    "-updated_at": ("-updated_at", "-id"),
    "created_at": ("created_at", "id"),
    "-created_at": ("-created_at", "-id"),
}


def _ordering(request: Request) -> tuple[str, ...] | None:
    value = request.query_params.get("ordering")
    if not value:
        return None
    if value not in ORDERINGS:
        raise DomainError("Order by " + ", ".join(ORDERINGS) + ".", field="ordering")
    return ORDERINGS[value]


def _person_fields(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in ("external_source", "external_id")}


PersonSyncOutput = sync_output("PersonSyncPage", PersonOutput)


class PersonViewSet(viewsets.GenericViewSet):
    """People the caller may see (hidden people never appear). Organizers record people who
    have no login, and upsert them by the partner's external id."""

    lookup_field = "public_id"
    lookup_value_regex = UUID_RE
    queryset = Person.objects.none()  # for the schema: lookups go through the selectors
    serializer_class = PersonOutput
    required_scopes = {
        "list": "people:read",
        "retrieve": "people:read",
        "sync": "people:read",
        "external.get": "people:read",
        "external": "people:write",
        "create": "people:write",
        "partial_update": "people:write",
    }

    def _viewer(self) -> Viewer:
        return viewer_for(self.request.user)

    def _respond(self, viewer: Viewer, person: Person, code: int = 200) -> Response:
        person = _people_with_details(Person.objects.filter(pk=person.pk)).get()
        return Response(PersonOutput(person_data(viewer=viewer, person=person)).data, status=code)

    @extend_schema(parameters=PEOPLE_FILTERS, responses={200: PersonOutput(many=True)})
    def list(self, request: Request) -> Response:
        """The directory: people the caller may see, filtered like the directory page."""
        viewer = self._viewer()

        def build() -> Any:
            params = {
                k: v for k, v in request.query_params.items() if k in PersonFilter.base_filters
            }
            check = PersonFilter(params, queryset=Person.objects.none(), viewer=viewer)
            if not check.is_valid():
                raise serializers.ValidationError(check.errors)
            people = selectors.person_list_visible_to(viewer=viewer, filters=params or None)
            ordering = _ordering(request)
            if ordering:
                people = people.order_by(*ordering)
            page = self.paginate_queryset(_people_with_details(people)) or []
            data = [person_data(viewer=viewer, person=p) for p in page]
            return self.get_paginated_response(PersonOutput(data, many=True).data).data

        # Kept per viewer until the data changes (network_app/page_cache.py).
        return Response(
            page_cache.cached(
                "api-people", request=request, viewer=viewer, build=build, absolute=True
            )
        )

    @extend_schema(responses={200: PersonOutput, 404: OpenApiResponse(description="Not found")})
    def retrieve(self, request: Request, public_id: str) -> Response:
        viewer = self._viewer()
        person = selectors.person_find_visible_to(viewer=viewer, public_id=public_id)
        if person is None:
            return Response(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
        return self._respond(viewer, person)

    @extend_schema(
        request=PersonInput,
        responses={
            201: PersonOutput,
            200: PersonOutput,
            409: OpenApiResponse(description="Conflict"),
        },
        examples=[PERSON_EXAMPLE],
        description="Record a person (organizers). With external_source and external_id this "
        "is an upsert: 200 with the existing person, updated, or 201 with a new one.",
    )
    def create(self, request: Request) -> Response:
        viewer = self._viewer()
        data = PersonInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        source = values.get("external_source") or ""
        external_id = values.get("external_id") or ""
        if source or external_id:
            person, created = records.person_upsert_external(
                by=request.user,
                external_source=source,
                external_id=external_id,
                data=_person_fields(values),
            )
            return self._respond(viewer, person, 201 if created else 200)
        person = records.person_record_create(by=request.user, data=_person_fields(values))
        return self._respond(viewer, person, 201)

    @extend_schema(request=PersonUpdateInput, responses={200: PersonOutput})
    def partial_update(self, request: Request, public_id: str) -> Response:
        """Change a person: the person themself, admins, or organizers for people without a
        login."""
        viewer = self._viewer()
        person = selectors.person_find_visible_to(viewer=viewer, public_id=public_id)
        if person is None:
            return Response(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
        data = PersonUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = _person_fields(dict(data.validated_data))
        if not values:
            raise DomainError("Give at least one field to change.")
        person = records.person_record_update(by=request.user, person=person, data=values)
        return self._respond(viewer, person)

    @extend_schema(
        methods=["GET"],
        responses={200: PersonOutput, 404: OpenApiResponse(description="Not found")},
        description="The person a partner knows by this external id (organizers).",
    )
    @extend_schema(
        methods=["PUT"],
        request=PersonUpdateInput,
        responses={
            200: PersonOutput,
            201: PersonOutput,
            409: OpenApiResponse(description="Conflict"),
        },
        examples=[PERSON_EXAMPLE],
        description="Upsert the person a partner knows by this external id: 201 when created, "
        "200 when updated. Syncing the same record again changes the same row.",
    )
    @action(detail=False, methods=["get", "put"], url_path=EXTERNAL_PATH)
    def external(self, request: Request, source: str, external_id: str) -> Response:
        viewer = self._viewer()
        if request.method == "GET":
            if not _oversees(viewer):
                return Response(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
            person = (
                Person.objects.filter(selectors.person_visibility_q(viewer))
                .filter(external_source=source, external_id=external_id)
                .first()
            )
            if person is None:
                return Response(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
            return self._respond(viewer, person)
        data = PersonUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        person, created = records.person_upsert_external(
            by=request.user,
            external_source=source,
            external_id=external_id,
            data=_person_fields(dict(data.validated_data)),
        )
        return self._respond(viewer, person, 201 if created else 200)

    @extend_schema(parameters=SYNC_PARAMETERS, responses={200: PersonSyncOutput})
    @action(detail=False, methods=["get"])
    def sync(self, request: Request) -> Response:
        """Sync feed: people the caller may see in (updated_at, id) order, by cursor."""
        viewer = self._viewer()
        people = Person.objects.filter(selectors.person_visibility_q(viewer))

        def serialize(rows: list[Any]) -> list[dict[str, Any]]:
            full = _people_with_details(Person.objects.filter(pk__in=[p.pk for p in rows]))
            by_pk = {p.pk: p for p in full}
            data = [person_data(viewer=viewer, person=by_pk[p.pk]) for p in rows]
            return list(PersonOutput(data, many=True).data)

        return sync_page(request, people, serialize)


# =============================================================================================
# Ties


class TieSideOutput(serializers.Serializer):
    person = serializers.UUIDField()
    strength = serializers.IntegerField(allow_null=True, min_value=1, max_value=5)
    status = serializers.ChoiceField(choices=SideStatus.choices)
    allows_introductions = serializers.BooleanField(allow_null=True)
    visible_to_members = serializers.BooleanField()


class TieOutput(serializers.Serializer):
    id = serializers.UUIDField()
    person_a = serializers.UUIDField()
    person_b = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=TieKind.choices)
    context = serializers.CharField()  # type: ignore[assignment]
    since = serializers.DateField(allow_null=True)
    last_interaction = serializers.DateField(allow_null=True)
    provenance = serializers.ChoiceField(choices=Provenance.choices)
    strength = serializers.IntegerField(
        allow_null=True, help_text="The lower of the rated sides (null when neither rated)."
    )
    confirmed = serializers.BooleanField(help_text="Both people confirmed the tie.")
    sides = TieSideOutput(
        many=True, allow_null=True, help_text="Each side; organizers and the tie's people only."
    )
    external_source = serializers.CharField(allow_null=True, help_text="Organizers only.")
    external_id = serializers.CharField(allow_null=True, help_text="Organizers only.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def tie_visible_q(viewer: Viewer) -> Q:
    """Ties the viewer may read through the API: visible, and both ends visible (a member's
    own tie with a hidden person never names them)."""
    return (
        selectors.tie_visibility_q(viewer)
        & selectors.person_visibility_q(viewer, "person_a__")
        & selectors.person_visibility_q(viewer, "person_b__")
    )


def tie_find_visible_to(
    *, viewer: Viewer, pk: int | None = None, public_id: Any = None
) -> Tie | None:
    qs = Tie.objects.filter(tie_visible_q(viewer)).select_related("person_a", "person_b")
    try:
        if pk is not None:
            return qs.filter(pk=pk).first()
        return qs.filter(public_id=public_id).first()
    except (ValueError, TypeError):
        return None


def tie_data(*, viewer: Viewer, tie: Tie) -> dict[str, Any]:
    """A tie as this viewer may read it (sides for organizers and the tie's own people)."""
    own = viewer.person_id in (tie.person_a_id, tie.person_b_id)
    sides = None
    if own or _oversees(viewer):
        sides = [
            {
                "person": person.public_id,
                "strength": tie.strength_of(side),
                "status": tie.status_of(side),
                "allows_introductions": tie.allows_introductions_of(side),
                "visible_to_members": tie.visible_to_members_of(side),
            }
            for side, person in (("a", tie.person_a), ("b", tie.person_b))
        ]
    return {
        "id": str(tie.public_id),
        "person_a": str(tie.person_a.public_id),
        "person_b": str(tie.person_b.public_id),
        "kind": tie.kind,
        "context": tie.context,
        "since": tie.since.isoformat() if tie.since else None,
        "last_interaction": tie.last_interaction.isoformat() if tie.last_interaction else None,
        "provenance": tie.provenance,
        "strength": tie.effective_strength,
        "confirmed": tie.is_confirmed,
        "sides": [{**s, "person": str(s["person"])} for s in sides] if sides is not None else None,
        "external_source": tie.external_source if _oversees(viewer) else None,
        "external_id": tie.external_id if _oversees(viewer) else None,
        "created_at": tie.created_at.isoformat(),
        "updated_at": tie.updated_at.isoformat(),
    }


class TieInput(serializers.Serializer):
    person = serializers.UUIDField(help_text="Public id of one person (yourself, for a member).")
    other = serializers.UUIDField(help_text="Public id of the other person.")
    strength = serializers.IntegerField(min_value=1, max_value=5)
    kind = serializers.ChoiceField(choices=TieKind.choices, default=TieKind.COLLEAGUE)
    context = serializers.CharField(  # type: ignore[assignment]
        max_length=240, required=False, allow_blank=True, default=""
    )
    since = serializers.DateField(required=False, allow_null=True, default=None)
    external_source = serializers.CharField(
        max_length=60, required=False, allow_blank=True, default=""
    )
    external_id = serializers.CharField(
        max_length=120, required=False, allow_blank=True, default=""
    )


class TieExternalInput(TieInput):
    external_source = None  # type: ignore[assignment]
    external_id = None  # type: ignore[assignment]


class TieSideInput(serializers.Serializer):
    strength = serializers.IntegerField(min_value=1, max_value=5, allow_null=True)
    status = serializers.ChoiceField(choices=SideStatus.choices)
    allows_introductions = serializers.BooleanField(allow_null=True)
    visible_to_members = serializers.BooleanField()


TIE_EXAMPLE = OpenApiExample(
    "Two people who met at a partner's event",
    value={
        "person": "0b7d6f1e-5c1a-4a0e-9d7c-3f1a2b4c5d6e",
        "other": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
        "strength": 2,
        "kind": "met_at_event",
        "context": "Housing forum, March",
        "external_source": "eventhub",
        "external_id": "meet-77",
    },
    request_only=True,
)
TieSyncOutput = sync_output("TieSyncPage", TieOutput)


class TieViewSet(viewsets.GenericViewSet):
    """Ties the caller may see, recorded through the same service as the pages."""

    lookup_field = "public_id"
    lookup_value_regex = UUID_RE
    queryset = Tie.objects.none()  # for the schema: lookups go through the selectors
    serializer_class = TieOutput
    required_scopes = {
        "list": "ties:read",
        "retrieve": "ties:read",
        "sync": "ties:read",
        "create": "ties:write",
        "external.get": "ties:read",
        "external": "ties:write",
        "side": "ties:write",
    }

    def _people(self, viewer: Viewer, values: dict[str, Any]) -> tuple[Person, Person]:
        found = []
        for field in ("person", "other"):
            person = selectors.person_find_visible_to(viewer=viewer, public_id=values[field])
            if person is None:
                raise DomainError("No such person.", field=field)
            found.append(person)
        return found[0], found[1]

    def _respond(self, viewer: Viewer, tie: Tie, code: int = 200) -> Response:
        fresh = Tie.objects.select_related("person_a", "person_b").get(pk=tie.pk)
        return Response(TieOutput(tie_data(viewer=viewer, tie=fresh)).data, status=code)

    @extend_schema(
        parameters=[
            OpenApiParameter("person", str, description="Public id: only this person's ties."),
            OpenApiParameter("kind", str, enum=TieKind.values),
        ],
        responses={200: TieOutput(many=True)},
    )
    def list(self, request: Request) -> Response:
        viewer = viewer_for(request.user)

        def build() -> Any:
            ties = Tie.objects.filter(tie_visible_q(viewer)).select_related("person_a", "person_b")
            person_id = request.query_params.get("person")
            if person_id:
                person = selectors.person_find_visible_to(viewer=viewer, public_id=person_id)
                if person is None:
                    raise DomainError("No such person.", field="person")
                ties = ties.involving(person)
            kind = request.query_params.get("kind")
            if kind:
                if kind not in TieKind.values:
                    raise DomainError("Choose a kind of tie from the list.", field="kind")
                ties = ties.filter(kind=kind)
            page = self.paginate_queryset(ties.order_by("id")) or []
            data = [tie_data(viewer=viewer, tie=t) for t in page]
            return self.get_paginated_response(TieOutput(data, many=True).data).data

        # Kept per viewer until the data changes (network_app/page_cache.py).
        return Response(
            page_cache.cached(
                "api-ties", request=request, viewer=viewer, build=build, absolute=True
            )
        )

    @extend_schema(responses={200: TieOutput, 404: OpenApiResponse(description="Not found")})
    def retrieve(self, request: Request, public_id: str) -> Response:
        viewer = viewer_for(request.user)
        tie = tie_find_visible_to(viewer=viewer, public_id=public_id)
        if tie is None:
            return Response(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
        return Response(TieOutput(tie_data(viewer=viewer, tie=tie)).data)

    @extend_schema(
        request=TieInput,
        responses={201: TieOutput, 200: TieOutput, 409: OpenApiResponse(description="Conflict")},
        examples=[TIE_EXAMPLE],
        description="Record a tie (a member: their own; an organizer: between people they can "
        "see). Recording an existing pair updates it (200) instead of duplicating it.",
    )
    def create(self, request: Request) -> Response:
        viewer = viewer_for(request.user)
        data = TieInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        person, other = self._people(viewer, values)
        tie, created = records.tie_upsert(
            by=request.user,
            person=person,
            other=other,
            strength=values["strength"],
            kind=values["kind"],
            context=values["context"],
            since=values["since"],
            external_source=values["external_source"],
            external_id=values["external_id"],
        )
        return self._respond(viewer, tie, 201 if created else 200)

    @extend_schema(
        methods=["GET"], responses={200: TieOutput, 404: OpenApiResponse(description="Not found")}
    )
    @extend_schema(
        methods=["PUT"],
        request=TieExternalInput,
        responses={201: TieOutput, 200: TieOutput, 409: OpenApiResponse(description="Conflict")},
        description="Upsert the tie a partner knows by this external id.",
    )
    @action(detail=False, methods=["get", "put"], url_path=EXTERNAL_PATH)
    def external(self, request: Request, source: str, external_id: str) -> Response:
        viewer = viewer_for(request.user)
        if request.method == "GET":
            tie = (
                Tie.objects.filter(tie_visible_q(viewer))
                .filter(external_source=source, external_id=external_id)
                .select_related("person_a", "person_b")
                .first()
            )
            if tie is None or not _oversees(viewer):
                return Response(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
            return Response(TieOutput(tie_data(viewer=viewer, tie=tie)).data)
        data = TieExternalInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        person, other = self._people(viewer, values)
        tie, created = records.tie_upsert(
            by=request.user,
            person=person,
            other=other,
            strength=values["strength"],
            kind=values["kind"],
            context=values["context"],
            since=values["since"],
            external_source=source,
            external_id=external_id,
        )
        return self._respond(viewer, tie, 201 if created else 200)

    @extend_schema(request=TieSideInput, responses={200: TieOutput})
    @action(detail=True, methods=["post"])
    def side(self, request: Request, public_id: str) -> Response:
        """Rate, confirm or dispute your own side of a tie (only the people in it)."""
        viewer = viewer_for(request.user)
        tie = selectors.tie_get_for_side_owner(viewer=viewer, public_id=public_id)
        if tie is None:
            return Response(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
        data = TieSideInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        tie = services.tie_side_update(
            by=request.user,
            tie=tie,
            strength=values["strength"],
            status=values["status"],
            allows_introductions=values["allows_introductions"],
            visible_to_members=values["visible_to_members"],
        )
        return self._respond(viewer, tie)

    @extend_schema(parameters=SYNC_PARAMETERS, responses={200: TieSyncOutput})
    @action(detail=False, methods=["get"])
    def sync(self, request: Request) -> Response:
        """Sync feed: ties the caller may see in (updated_at, id) order, by cursor."""
        viewer = viewer_for(request.user)
        ties = Tie.objects.filter(tie_visible_q(viewer)).select_related("person_a", "person_b")
        return sync_page(request, ties, lambda rows: [tie_data(viewer=viewer, tie=t) for t in rows])


# =============================================================================================
# Organizations and affiliations


class OrganizationOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=OrganizationKind.choices)
    city = serializers.CharField()
    neighbourhood = serializers.CharField()
    website = serializers.CharField()
    description = serializers.CharField()


def organization_data(org: Organization) -> dict[str, Any]:
    return {
        "id": org.public_id,
        "name": org.name,
        "kind": org.kind,
        "city": org.city,
        "neighbourhood": org.neighbourhood,
        "website": org.website,
        "description": org.description,
    }


class OrganizationViewSet(viewsets.GenericViewSet):
    """Organizations with at least one person the caller may see (an organization known only
    through hidden people does not reveal them)."""

    lookup_field = "public_id"
    lookup_value_regex = UUID_RE
    queryset = Organization.objects.none()  # for the schema
    serializer_class = OrganizationOutput
    required_scopes = {"*": "people:read"}

    def _qs(self) -> QuerySet[Organization]:
        viewer = viewer_for(self.request.user)
        ids = selectors.organization_options_visible_to(viewer=viewer).values("pk")
        return Organization.objects.filter(pk__in=ids).order_by("name", "id")

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Words in the name.")],
        responses={200: OrganizationOutput(many=True)},
    )
    def list(self, request: Request) -> Response:
        qs = self._qs()
        for term in (request.query_params.get("q") or "").split()[:6]:
            qs = qs.filter(name__icontains=term)
        page = self.paginate_queryset(qs) or []
        return self.get_paginated_response(
            OrganizationOutput([organization_data(o) for o in page], many=True).data
        )

    @extend_schema(
        responses={200: OrganizationOutput, 404: OpenApiResponse(description="Not found")}
    )
    def retrieve(self, request: Request, public_id: str) -> Response:
        org = self._qs().filter(public_id=public_id).first()
        if org is None:
            return Response(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
        return Response(OrganizationOutput(organization_data(org)).data)


class AffiliationOutput(serializers.Serializer):
    person = serializers.UUIDField()
    organization = serializers.UUIDField()
    role = serializers.CharField()
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    current = serializers.BooleanField()


class AffiliationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Who works or volunteers where, among the people the caller may see."""

    queryset = Affiliation.objects.none()  # for the schema
    serializer_class = AffiliationOutput
    required_scopes = {"*": "people:read"}

    @extend_schema(
        parameters=[
            OpenApiParameter("person", str, description="Public id of a person."),
            OpenApiParameter("organization", str, description="Public id of an organization."),
        ],
        responses={200: AffiliationOutput(many=True)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        viewer = viewer_for(request.user)
        qs = (
            Affiliation.objects.filter(selectors.person_visibility_q(viewer, "person__"))
            .select_related("person", "organization")
            .order_by("id")
        )
        for field in ("person", "organization"):
            value = request.query_params.get(field)
            if value:
                try:
                    qs = qs.filter(**{f"{field}__public_id": value})
                    qs.exists()
                except (ValueError, TypeError, DjangoValidationError):
                    raise DomainError("Give a public id.", field=field) from None
        page = self.paginate_queryset(qs) or []
        data = [
            {
                "person": a.person.public_id,
                "organization": a.organization.public_id,
                "role": a.role,
                "start": a.start,
                "end": a.end,
                "current": a.end is None,
            }
            for a in page
        ]
        return self.get_paginated_response(AffiliationOutput(data, many=True).data)


# =============================================================================================
# Me


class MeKeyOutput(serializers.Serializer):
    name = serializers.CharField()
    prefix = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    expires_at = serializers.DateTimeField(allow_null=True)


class MeOutput(serializers.Serializer):
    username = serializers.CharField()
    is_organizer = serializers.BooleanField()
    is_staff = serializers.BooleanField()
    person = PersonOutput(allow_null=True)
    api_key = MeKeyOutput(allow_null=True, help_text="The key used for this request, if any.")


class MeView(APIView):
    """Who the caller is: the login (the key's issuer, for a key), roles, own profile, and
    the key's scopes."""

    required_scopes = {"*": None}

    @extend_schema(
        responses={200: MeOutput},
        examples=[
            OpenApiExample(
                "An organizer's key",
                value={
                    "username": "olga",
                    "is_organizer": True,
                    "is_staff": False,
                    "person": None,
                    "api_key": {
                        "name": "CRM sync",
                        "prefix": "1a2b3c4d",
                        "scopes": ["people:read", "ties:read"],
                        "expires_at": None,
                    },
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        from network_app.models import ApiKey

        viewer = viewer_for(request.user)
        person = None
        if viewer.person is not None:
            full = _people_with_details(Person.objects.filter(pk=viewer.person.pk)).get()
            person = person_data(viewer=viewer, person=full)
        key = request.auth if isinstance(request.auth, ApiKey) else None
        body = {
            "username": request.user.get_username(),
            "is_organizer": viewer.is_organizer,
            "is_staff": viewer.is_staff,
            "person": person,
            "api_key": (
                {
                    "name": key.name,
                    "prefix": key.prefix,
                    "scopes": key.scopes,
                    "expires_at": key.expires_at,
                }
                if key
                else None
            ),
        }
        return Response(MeOutput(body).data)


__all__ = [
    "AffiliationViewSet",
    "MeView",
    "OrganizationViewSet",
    "PersonViewSet",
    "TieViewSet",
]
