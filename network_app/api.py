"""The versioned REST API: one router under /api/v1/ and one error shape.

Every error answers ``{"code": ..., "message": ..., "errors": {field: [messages]}}``.
"""

from __future__ import annotations

from typing import Any

from django.urls import include, path
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import exception_handler as drf_exception_handler

from causes.api.views import GroupViewSet, SuggestionRunViewSet, WeavingSuggestionViewSet
from network_app.exchange_api import ExportViewSet, ImportJobViewSet
from people.api.introductions import IntroductionViewSet
from people.api.views import PathSearchViewSet
from people.errors import DomainError, NotAllowed

router = DefaultRouter()
router.register("path-searches", PathSearchViewSet, basename="path-search")
router.register("introductions", IntroductionViewSet, basename="introduction")
router.register("imports", ImportJobViewSet, basename="import-job")  # issue 8
router.register("exports", ExportViewSet, basename="export")  # issue 8
router.register("groups", GroupViewSet, basename="group")
router.register("weaving-suggestions", WeavingSuggestionViewSet, basename="weaving-suggestion")
router.register("suggestion-runs", SuggestionRunViewSet, basename="suggestion-run")

urlpatterns = [path("", include(router.urls))]


def _field_errors(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            str(k): [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()
        }
    return {}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map domain errors and DRF errors to the one error shape."""
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
    return response
