"""Project-level views: the health check."""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from network_app import health

logger = logging.getLogger(__name__)


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, cache, broker and worker status as JSON; 503 when a required part is down.

    Public (load balancers and ``docker compose`` poll it), so it reports only status,
    timings and redacted errors, never data.
    """
    try:
        report = health.run_checks()
    except Exception:  # each check already catches its own errors; this is the last guard
        logger.exception("healthz failed")
        return JsonResponse({"status": "down", "checks": {}}, status=503)
    return JsonResponse(report, status=503 if report["status"] == "down" else 200)
