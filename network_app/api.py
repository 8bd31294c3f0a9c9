"""The versioned REST API: one router under /api/v1/ and one error shape.

Every error answers ``{"code": ..., "message": ..., "errors": {field: [messages]}}``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.routers import APIRootView, DefaultRouter
from rest_framework.views import exception_handler as drf_exception_handler

from causes.api.causes import CauseViewSet, InterestViewSet
from causes.api.views import GroupViewSet, SuggestionRunViewSet, WeavingSuggestionViewSet
from network_app.api_metrics import MetricsViewSet
from network_app.apikeys.auth import InvalidApiKey
from network_app.exchange_api import ExportViewSet, ImportJobViewSet
from network_app.webhooks.api import WebhookViewSet
from people.api.introductions import IntroductionViewSet
from people.api.people import (
    AffiliationViewSet,
    MeView,
    OrganizationViewSet,
    PersonViewSet,
    TieViewSet,
)
from people.api.views import PathSearchViewSet
from people.errors import DomainError, NotAllowed
from people.records import Conflict


class _ApiRoot(APIRootView):
    required_scopes = {"*": None}  # any valid key may list the endpoints


class _Router(DefaultRouter):
    APIRootView = _ApiRoot


class _Schema(SpectacularAPIView):
    required_scopes = {"*": None}


class _Docs(SpectacularSwaggerSplitView):
    required_scopes = {"*": None}
    permission_classes = [AllowAny]  # the page is static; the schema behind it needs a login


@csrf_exempt  # it changes nothing; a POST to a mistyped URL must still get JSON
def _not_found(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {"code": "not_found", "message": "No such endpoint or object.", "errors": {}}, status=404
    )


router = _Router()
router.register("path-searches", PathSearchViewSet, basename="path-search")
router.register("introductions", IntroductionViewSet, basename="introduction")
router.register("imports", ImportJobViewSet, basename="import-job")  # issue 8
router.register("exports", ExportViewSet, basename="export")  # issue 8
router.register("groups", GroupViewSet, basename="group")
router.register("weaving-suggestions", WeavingSuggestionViewSet, basename="weaving-suggestion")
router.register("suggestion-runs", SuggestionRunViewSet, basename="suggestion-run")

# Issue 7: the resources partner tools sync, and webhooks.
router.register("people", PersonViewSet, basename="person")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("affiliations", AffiliationViewSet, basename="affiliation")
router.register("ties", TieViewSet, basename="tie")
router.register("causes", CauseViewSet, basename="cause")
router.register("interests", InterestViewSet, basename="interest")
router.register("metrics", MetricsViewSet, basename="metrics")
router.register("webhooks", WebhookViewSet, basename="webhook")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("schema/", _Schema.as_view(), name="schema"),
    path("docs/", _Docs.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
    # Anything else under /api/v1/ answers in the error shape, not with an HTML page (also a
    # path holding a newline, which "." alone would not match).
    re_path(r"^[\s\S]*$", _not_found, name="not-found"),
]


def _field_errors(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            str(k): [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()
        }
    return {}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map domain errors and DRF errors to the one error shape."""
    if isinstance(exc, Conflict):
        return Response(
            {"code": exc.code, "message": exc.message, "errors": {}},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):  # a model constraint checked by full_clean
        errors = exc.message_dict if hasattr(exc, "error_dict") else {}
        return Response(
            {
                "code": "invalid",
                "message": " ".join(exc.messages) or "Some fields are not valid.",
                "errors": _field_errors(errors),
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, NotAllowed):
        return Response(
            {"code": exc.code, "message": exc.message, "errors": {}},
            status=status.HTTP_403_FORBIDDEN,
        )
    if isinstance(exc, DomainError):
        errors = {exc.field: [exc.message]} if exc.field else {}
        return Response(
            {"code": exc.code, "message": exc.message, "errors": errors},
            status=status.HTTP_400_BAD_REQUEST,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = {
            "code": "invalid",
            "message": "Some fields are not valid.",
            "errors": _field_errors(exc.detail),
        }
    else:
        detail = getattr(exc, "detail", "")
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        body = {"code": str(code), "message": str(detail), "errors": {}}
    response.data = body
    if isinstance(exc, InvalidApiKey):
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
