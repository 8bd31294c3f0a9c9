"""Sync feeds: cursor pagination over ``(updated_at, id)`` for partners that copy people and
ties and then poll for changes.

A cursor is the position of the last row sent. Rows are read strictly after it in
``(updated_at, id)`` order, so a row inserted or changed while a partner pages through gets a
later ``updated_at`` and shows up on a later page: nothing is skipped, nothing is sent twice
(a row sent again has changed since). Rows changed in the last ``API_SYNC_SETTLE_SECONDS`` are
held back: a transaction that took its timestamp earlier but commits later would otherwise
land behind a cursor that has already passed.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from people.errors import DomainError

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500

SYNC_PARAMETERS = [
    OpenApiParameter(
        "updated_since",
        str,
        description="ISO 8601 date-time: start with the rows changed at or after it (first "
        "call only; then follow next_cursor).",
    ),
    OpenApiParameter("cursor", str, description="The next_cursor of the previous page (opaque)."),
    OpenApiParameter(
        "page_size",
        int,
        description=f"Rows per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
    ),
]


def encode_cursor(at: dt.datetime, pk: int) -> str:
    raw = json.dumps([at.isoformat(), pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        at_text, pk = json.loads(raw)
        at = parse_datetime(at_text)
        if at is None or not isinstance(pk, int):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise DomainError(
            "This cursor is not valid: use next_cursor as given.", field="cursor"
        ) from None
    return at, pk


def _parse_since(value: str) -> dt.datetime:
    try:
        at = parse_datetime(value)
    except ValueError:
        at = None
    if at is None:
        raise DomainError(
            "Give an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z.", field="updated_since"
        )
    if timezone.is_naive(at):
        at = timezone.make_aware(at, dt.UTC)
    return at


def _page_size(value: str | None) -> int:
    if not value:
        return DEFAULT_PAGE_SIZE
    try:
        size = int(value)
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise DomainError(f"page_size must be between 1 and {MAX_PAGE_SIZE}.", field="page_size")
    return size


def sync_page(
    request: Request,
    queryset: QuerySet[Any],
    serialize: Callable[[list[Any]], list[dict[str, Any]]],
) -> Response:
    """One page of a sync feed over ``queryset`` (already limited to what the caller sees)."""
    params = request.query_params
    size = _page_size(params.get("page_size"))
    settled = timezone.now() - dt.timedelta(seconds=settings.API_SYNC_SETTLE_SECONDS)
    qs = queryset.filter(updated_at__lte=settled)
    cursor = params.get("cursor")
    start: tuple[dt.datetime, int]
    if cursor:
        start = decode_cursor(cursor)
        qs = qs.filter(Q(updated_at__gt=start[0]) | Q(updated_at=start[0], pk__gt=start[1]))
    elif params.get("updated_since"):
        since = _parse_since(params["updated_since"])
        start = (since, 0)
        qs = qs.filter(updated_at__gte=since)
    else:
        start = (dt.datetime(2000, 1, 1, tzinfo=dt.UTC), 0)
    rows: list[Model] = list(qs.order_by("updated_at", "pk")[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    if rows:
        last = rows[-1]
        next_cursor = encode_cursor(last.updated_at, last.pk)  # type: ignore[attr-defined]
    else:
        next_cursor = cursor or encode_cursor(*start)
    next_url = request.build_absolute_uri(request.path) + f"?cursor={next_cursor}&page_size={size}"
    return Response(
        {
            "results": serialize(rows),
            "next_cursor": next_cursor,
            "has_more": has_more,
            "next": next_url,
        }
    )


def sync_output(name: str, item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The schema of a sync page of ``item`` rows."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "results": item(many=True),
            "next_cursor": serializers.CharField(
                help_text="Pass as cursor to get the rows changed after this page; keep it to "
                "poll for changes later."
            ),
            "has_more": serializers.BooleanField(help_text="More rows are waiting now."),
            "next": serializers.URLField(),
        },
    )
