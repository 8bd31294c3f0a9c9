"""API request guards that must run before any view: keys in a URL are refused, and POSTs
with an ``Idempotency-Key`` are answered once.

Keys in a URL leak into server logs, browser history and ``Referer`` headers, so a request to
the API naming ``key``, ``api_key`` or ``token`` in its query string is refused with 400 (the
key should also be revoked; the message says so).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from network_app.apikeys.auth import AUTH_KEYWORDS
from network_app.apikeys.services import api_key_authenticate
from network_app.models import IdempotencyRecord

API_PREFIX = "/api/"
URL_KEY_PARAMS = ("key", "api_key", "apikey", "token", "access_token")
IDEMPOTENCY_HEADER = "HTTP_IDEMPOTENCY_KEY"
# Responses worth replaying: a success or a refusal that the same request would meet again.
# 401, 403, 429 and 5xx are not kept, so the client may retry with the same key.
_NOT_KEPT = {401, 403, 429}


def _error(status: int, code: str, message: str, **headers: str) -> JsonResponse:
    response = JsonResponse({"code": code, "message": message, "errors": {}}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def _has_nul(request: HttpRequest) -> bool:
    if "%00" in request.META.get("QUERY_STRING", ""):
        return True
    if request.content_type == "application/json":
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length and length <= (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or length):
            return b"\\u0000" in request.body or b"\x00" in request.body
    return False


def _api_user(request: HttpRequest) -> Any:
    """Who is calling: the key's issuer, else the session user, else None."""
    header = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(header) == 2 and header[0].lower() in AUTH_KEYWORDS:
        key = api_key_authenticate(header[1])
        return key.user if key is not None else None
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def _request_hash(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.get_full_path()}\n".encode())
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    if length and limit and length > limit:
        # A large upload is not read here (the view streams it): its size stands for it.
        digest.update(f"{request.content_type} {length}".encode())
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        record.body, status=record.status_code, content_type=record.content_type or None
    )
    if record.location:
        response["Location"] = record.location
    response["Idempotent-Replayed"] = "true"
    return response


def _idempotent(
    request: HttpRequest, key: str, get_response: Callable[[HttpRequest], HttpResponse]
) -> HttpResponse:
    if not key or len(key) > 255 or not key.isprintable():
        return _error(400, "invalid_idempotency_key", "Idempotency-Key: 1 to 255 characters.")
    user = _api_user(request)
    if user is None:
        return get_response(request)  # the view refuses it
    request_hash = _request_hash(request)
    ttl = dt.timedelta(hours=settings.API_IDEMPOTENCY_TTL_HOURS)
    IdempotencyRecord.objects.filter(
        user=user, key=key, created_at__lt=timezone.now() - ttl
    ).delete()
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                user=user,
                key=key,
                method=request.method or "",
                path=request.path[:500],
                request_hash=request_hash,
            )
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if existing is None:  # removed by the first request (it failed): try again
            return _error(
                409, "idempotency_in_progress", "Retry in a moment.", **{"Retry-After": "1"}
            )
        if existing.request_hash != request_hash:
            return _error(
                422,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request.",
            )
        if existing.status_code == 0:
            return _error(
                409,
                "idempotency_in_progress",
                "A request with this Idempotency-Key is still running.",
                **{"Retry-After": "1"},
            )
        return _replay(existing)

    try:
        response = get_response(request)
    except BaseException:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        raise
    streaming = getattr(response, "streaming", False)
    if response.status_code >= 500 or response.status_code in _NOT_KEPT or streaming:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return response
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status_code=response.status_code,
        content_type=response.get("Content-Type", "")[:100],
        body=response.content.decode("utf-8", errors="replace"),
        location=response.get("Location", "")[:500],
    )
    return response


class ApiGuardMiddleware:
    """Refuse keys in API URLs; honour ``Idempotency-Key`` on API POSTs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if "\x00" in request.path:  # no object has a NUL in its id
            return _error(404, "not_found", "No such endpoint or object.")
        if _has_nul(request):
            # PostgreSQL cannot store or compare NUL characters: refuse them up front.
            return _error(400, "invalid", "Remove the NUL (\\u0000) characters from the request.")
        named = [name for name in URL_KEY_PARAMS if name in request.GET]
        if named:
            return _error(
                400,
                "key_in_url",
                f"Send API keys in the Authorization header, never in the URL ('{named[0]}' "
                "given). Treat a key sent in a URL as leaked: revoke it and create another.",
            )
        if request.method == "POST" and IDEMPOTENCY_HEADER in request.META:
            return _idempotent(request, request.META[IDEMPOTENCY_HEADER].strip(), self.get_response)
        return self.get_response(request)
