"""Outages of the database, the job queue (Redis as Celery broker) and the cache.

When PostgreSQL or Redis is away, a request must not turn into a 500: it answers 503 with a
plain message and ``Retry-After`` (pages: a small HTML page; the API: the error shape
``{"code", "message", "errors"}``), and the process recovers by itself when the service is
back (Django reconnects with ``CONN_HEALTH_CHECKS``; kombu reconnects to the broker).

- :class:`OutageMiddleware` turns outage errors raised by views into 503s.
- :func:`server_error` (``handler500``) does the same for errors raised in middleware (the API
  key and idempotency guards read the database before any view runs).
- :class:`ResilientRedisCache` degrades instead of failing: while Redis is down a read misses,
  a write is dropped, so API throttles fail open (see the README) and pages keep working.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import kombu.exceptions
import redis.exceptions
from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"

# Errors that mean "Redis (as broker, result backend or cache) cannot be reached".
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
# Errors that mean "the database cannot be reached" (not: a constraint or a bad query).
DATABASE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)

MESSAGES = {
    "database": (
        "The database is unavailable for a moment. Nothing you did was lost; please try again "
        "in a minute."
    ),
    "queue": "The job queue is unavailable for a moment. Please try again in a minute.",
}


def outage_kind(exc: BaseException | None) -> str | None:
    """``"database"``, ``"queue"`` or None (not an outage), for an exception or its causes."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, DATABASE_ERRORS):
            return "database"
        if isinstance(exc, DatabaseError) and _is_connection_error(exc):
            return "database"
        if isinstance(exc, BROKER_ERRORS):
            return "queue"
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def _is_connection_error(exc: DatabaseError) -> bool:
    text = str(exc).lower()
    return any(
        words in text
        for words in ("connection", "server closed", "terminating", "shutting down", "recovery")
    )


def retry_after() -> int:
    return int(getattr(settings, "OUTAGE_RETRY_AFTER_SECONDS", 30))


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def unavailable_response(
    request: HttpRequest, kind: str, message: str | None = None, link: str | None = None
) -> HttpResponse:
    """The 503 for an outage of ``kind``: JSON in the error shape under /api/, else a plain
    page that needs neither the database nor the session."""
    text = message or MESSAGES.get(kind, MESSAGES["database"])
    response: HttpResponse
    if is_api(request):
        response = JsonResponse(
            {"code": "service_unavailable", "message": text, "errors": {}}, status=503
        )
    else:
        html = render_to_string("outage.html", {"message": text, "link": link})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(retry_after())
    response["Cache-Control"] = "no-store"
    return response


class OutageMiddleware:
    """503 with a plain message instead of a 500 when a view meets an outage."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        kind = outage_kind(exception)
        if kind is None:
            return None
        logger.warning(
            "%s outage on %s %s: %s", kind, request.method, request.path, type(exception).__name__
        )
        return unavailable_response(request, kind)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: an outage met outside a view (in a middleware) still answers 503."""
    kind = outage_kind(sys.exc_info()[1])
    if kind is not None:
        return unavailable_response(request, kind)
    if is_api(request):
        return JsonResponse(
            {"code": "server_error", "message": "Something went wrong.", "errors": {}},
            status=500,
        )
    return defaults.server_error(request)


# ---------------------------------------------------------------------------------------------
# The cache


_REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
_WARN_EVERY_SECONDS = 10.0
_last_warning = 0.0


def _warn(operation: str, exc: BaseException) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= _WARN_EVERY_SECONDS:
        _last_warning = now
        logger.warning("cache unavailable (%s): %s; degrading", operation, type(exc).__name__)


class ResilientRedisCache(RedisCache):
    """Django's Redis cache that degrades while Redis is down: reads miss, writes are dropped,
    ``add`` reports success (locks built on it fail open), ``incr`` behaves as for a missing
    key (``ValueError``). Nothing that uses the cache may depend on it for correctness; the API
    throttles thus fail open during an outage."""

    def _degrade(self, operation: str, call: Callable[[], Any], fallback: Any) -> Any:
        try:
            return call()
        except _REDIS_ERRORS as exc:
            _warn(operation, exc)
            if isinstance(fallback, BaseException):
                raise fallback from exc
            return fallback

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._degrade("get", partial(super().get, key, default, version), default)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        found: dict[Any, Any] = self._degrade(
            "get_many", partial(super().get_many, keys, version), {}
        )
        return found

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return bool(self._degrade("has_key", partial(super().has_key, key, version), False))

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        self._degrade("set", partial(super().set, key, value, timeout, version), None)

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        # True: a lock taken with add() fails open (the caller computes instead of waiting for
        # a holder that cannot exist), like everything else here.
        return bool(self._degrade("add", partial(super().add, key, value, timeout, version), True))

    def set_many(
        self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        failed: list[Any] = self._degrade(
            "set_many", partial(super().set_many, data, timeout, version), list(data)
        )
        return failed

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return bool(self._degrade("touch", partial(super().touch, key, timeout, version), False))

    def delete(self, key: Any, version: int | None = None) -> bool:
        return bool(self._degrade("delete", partial(super().delete, key, version), False))

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._degrade("delete_many", partial(super().delete_many, keys, version), None)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        unavailable = ValueError("The cache is unavailable.")
        count: int = self._degrade("incr", partial(super().incr, key, delta, version), unavailable)
        return count

    def clear(self) -> None:
        self._degrade("clear", partial(super().clear), None)
