"""Webhooks in the API (scope ``webhooks:manage``): register, list, change, remove, read the
delivery log, and send a test ``ping``."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from network_app.models import ApiKey, Webhook, WebhookDelivery
from network_app.webhooks import services
from people.errors import NotAllowed
from people.events import EVENTS

NOT_FOUND = {"code": "not_found", "message": "No such webhook.", "errors": {}}


class WebhookInput(serializers.Serializer):
    url = serializers.URLField(max_length=500, help_text="http(s) URL receiving POSTs.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=list(EVENTS)), min_length=1, max_length=len(EVENTS)
    )


class WebhookUpdateInput(serializers.Serializer):
    url = serializers.URLField(max_length=500, required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=list(EVENTS)),
        min_length=1,
        max_length=len(EVENTS),
        required=False,
    )
    is_active = serializers.BooleanField(
        required=False, help_text="true switches a disabled webhook on again."
    )


class WebhookOutput(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.CharField())
    is_active = serializers.BooleanField()
    consecutive_failures = serializers.IntegerField()
    disabled_at = serializers.DateTimeField(allow_null=True)
    disabled_reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class WebhookCreatedOutput(WebhookOutput):
    secret = serializers.CharField(
        help_text="Shown once: verify X-Smallbatch-Signature with it (HMAC-SHA256 over "
        "'<X-Smallbatch-Timestamp>.<body>')."
    )


class DeliveryOutput(serializers.Serializer):
    id = serializers.UUIDField()
    event = serializers.CharField()
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices)
    attempts = serializers.IntegerField()
    response_status = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()
    payload = serializers.DictField()
    created_at = serializers.DateTimeField()
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)


def webhook_data(hook: Webhook) -> dict[str, Any]:
    return {
        "id": hook.public_id,
        "url": hook.url,
        "events": hook.events,
        "is_active": hook.is_active,
        "consecutive_failures": hook.consecutive_failures,
        "disabled_at": hook.disabled_at,
        "disabled_reason": hook.disabled_reason,
        "created_at": hook.created_at,
    }


def delivery_data(d: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": d.public_id,
        "event": d.event,
        "status": d.status,
        "attempts": d.attempts,
        "response_status": d.response_status,
        "error": d.error,
        "payload": d.payload,
        "created_at": d.created_at,
        "last_attempt_at": d.last_attempt_at,
        "next_attempt_at": d.next_attempt_at,
        "delivered_at": d.delivered_at,
    }


class WebhookViewSet(viewsets.GenericViewSet):
    """The caller's webhooks. Deliveries are POSTs of JSON ``{"id", "event", "occurred_at",
    "data"}`` signed with HMAC-SHA256 (headers ``X-Smallbatch-Signature: sha256=<hex>`` over
    ``<X-Smallbatch-Timestamp>.<body>``); failures are retried with exponential backoff and a
    webhook failing too often in a row is disabled."""

    lookup_field = "public_id"
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    queryset = Webhook.objects.none()  # for the schema
    serializer_class = WebhookOutput
    required_scopes = {"*": "webhooks:manage"}

    def _require(self, request: Request) -> None:
        if not services.may_manage_webhooks(request.user):
            raise NotAllowed("Only organizers can manage webhooks.")

    def _get(self, request: Request, public_id: str) -> Webhook | None:
        self._require(request)
        return services.webhook_list_for(user=request.user).filter(public_id=public_id).first()

    @extend_schema(responses={200: WebhookOutput(many=True)})
    def list(self, request: Request) -> Response:
        self._require(request)
        page = self.paginate_queryset(services.webhook_list_for(user=request.user)) or []
        return self.get_paginated_response(
            WebhookOutput([webhook_data(h) for h in page], many=True).data
        )

    @extend_schema(
        request=WebhookInput,
        responses={201: WebhookCreatedOutput, 400: OpenApiResponse(description="Field errors")},
        examples=[
            OpenApiExample(
                "Follow introductions and ties",
                value={
                    "url": "https://crm.example.org/hooks/smallbatch",
                    "events": ["introduction.state_changed", "tie.created"],
                },
                request_only=True,
            )
        ],
    )
    def create(self, request: Request) -> Response:
        self._require(request)
        data = WebhookInput(data=request.data)
        data.is_valid(raise_exception=True)
        key = request.auth if isinstance(request.auth, ApiKey) else None
        hook = services.webhook_create(
            by=request.user,
            url=data.validated_data["url"],
            events=data.validated_data["events"],
            api_key=key,
        )
        body = {**webhook_data(hook), "secret": hook.secret}
        return Response(WebhookCreatedOutput(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: WebhookOutput, 404: OpenApiResponse(description="Not found")})
    def retrieve(self, request: Request, public_id: str) -> Response:
        hook = self._get(request, public_id)
        if hook is None:
            return Response(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
        return Response(WebhookOutput(webhook_data(hook)).data)

    @extend_schema(request=WebhookUpdateInput, responses={200: WebhookOutput})
    def partial_update(self, request: Request, public_id: str) -> Response:
        hook = self._get(request, public_id)
        if hook is None:
            return Response(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
        data = WebhookUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        hook = services.webhook_update(by=request.user, hook=hook, data=dict(data.validated_data))
        return Response(WebhookOutput(webhook_data(hook)).data)

    @extend_schema(responses={204: None, 404: OpenApiResponse(description="Not found")})
    def destroy(self, request: Request, public_id: str) -> Response:
        hook = self._get(request, public_id)
        if hook is None:
            return Response(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
        services.webhook_delete(by=request.user, hook=hook)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: DeliveryOutput(many=True)})
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, public_id: str) -> Response:
        """The delivery log, newest first."""
        hook = self._get(request, public_id)
        if hook is None:
            return Response(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
        page = self.paginate_queryset(hook.deliveries.order_by("-created_at", "-id")) or []
        return self.get_paginated_response(
            DeliveryOutput([delivery_data(d) for d in page], many=True).data
        )

    @extend_schema(request=None, responses={202: DeliveryOutput})
    @action(detail=True, methods=["post"])
    def ping(self, request: Request, public_id: str) -> Response:
        """Send a signed test delivery (event ``ping``) now."""
        from network_app.webhooks.tasks import webhook_deliver

        hook = self._get(request, public_id)
        if hook is None:
            return Response(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
        delivery = WebhookDelivery(webhook=hook, event="ping")
        delivery.payload = {
            "id": str(delivery.public_id),
            "event": "ping",
            "occurred_at": timezone.now().isoformat(),
            "data": {"webhook": str(hook.public_id)},
        }
        delivery.save()
        transaction.on_commit(lambda: webhook_deliver.delay(delivery.pk))
        return Response(DeliveryOutput(delivery_data(delivery)).data, status=202)
