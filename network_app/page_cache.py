"""Cached pages and API lists, exact to the last committed change (issue 9, load).

At 100,000 people a directory page, a profile or an API list costs 30 to 45 ms of Python
(queries built by the ORM, templates, serialization) for a result that only changes when the
data does. This module keeps such results in the cache under a key made of:

- the name of the result and the full URL (path and query string; scheme and host for the
  API, whose links are absolute);
- who is looking: the user, their person, and whether they are an organizer or staff (the
  roles are read afresh on every request, so a promotion or demotion takes effect at once);
  results that show nothing of the viewer but whom they may see (the directory) are shared by
  all members, or all organizers, instead;
- the *data version*: the tokens of ``network_app_dataversion``, which database triggers
  change in the same transaction as every insert, update, delete or truncate of people, ties,
  interests, causes, affiliations and organizations (migration ``network_app 0004``). Whatever
  wrote (the site, the admin, an import, a command, raw SQL), the next read sees a new
  version and computes the result afresh; nothing is ever invalidated by hand.

The version is read before the data, so a result read while another transaction commits is
stored under the older version (newer data under an older key: never stale for anyone). Each
token is random, so a state that a rollback discarded never comes back to serve its results.

Admins are never served from here: their reads show contact details, and every such read is
logged (``people.audit.contact_read_record``). ``PAGE_CACHE_SECONDS`` bounds how long an entry
stays in the cache (memory, not freshness); 0 turns the cache off. Only what needs no request
of its own is cached: CSRF tokens, messages and the navigation are rendered per request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest
from rest_framework.request import Request

from people.roles import Viewer
from people.selectors import visibility_class_of

T = TypeVar("T")
KEY_PREFIX = "page-cache:v1"
# The version a result is being built under, for the caches it uses in turn (large counts).
building_version: ContextVar[str | None] = ContextVar("building_version", default=None)


def data_version() -> str:
    """The current data version: every slot's token, in one query."""
    from network_app.models import DataVersion

    table = connection.ops.quote_name(DataVersion._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # 257 slots: folded in the database
            cursor.execute(
                f"SELECT md5(string_agg(slot || ':' || token, ',' ORDER BY slot)) FROM {table}"  # noqa: S608
            )
            return str(cursor.fetchone()[0])
        cursor.execute(f"SELECT slot, token FROM {table} ORDER BY slot")  # noqa: S608
        rows = cursor.fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def enabled_for(viewer: Viewer) -> bool:
    """Whether this viewer's results may be cached: signed in, not staff, cache on."""
    return settings.PAGE_CACHE_SECONDS > 0 and viewer.is_authenticated and not viewer.is_staff


def _viewer_part(viewer: Viewer, by_class: bool) -> tuple[Any, ...]:
    if by_class:
        shared = visibility_class_of(viewer)
        if shared is not None:
            return ("class", shared)
    return ("viewer", viewer.user.pk, viewer.person_id, viewer.is_organizer, viewer.is_staff)


def cached(
    name: str,
    *,
    request: HttpRequest | Request,
    viewer: Viewer,
    build: Callable[[], T],
    absolute: bool = False,
    by_class: bool = False,
    url: str | None = None,
) -> T:
    """``build()``'s result for this URL and viewer at the current data version, from the
    cache when it holds it. ``build`` may raise (a 404, a 400): nothing is stored then.
    ``absolute`` keys by scheme and host too (results that hold absolute links). ``by_class``
    shares the entry between viewers who see the same people (all members, or all organizers:
    ``people.selectors.visibility_class_of``), for results that show nothing else of the
    viewer; a viewer whose own hidden person widens what they see still gets their own.
    ``url`` replaces the request's URL in the key, for results that do not depend on it."""
    if not enabled_for(viewer):
        return build()
    if url is None:
        url = request.build_absolute_uri() if absolute else request.get_full_path()
    # Read once per request, and before the data: see the module.
    holder = cast(Any, request)
    version = getattr(holder, "_smallbatch_data_version", None)
    if version is None:
        version = data_version()
        holder._smallbatch_data_version = version
    digest = hashlib.sha256(repr((name, url, _viewer_part(viewer, by_class), version)).encode())
    key = f"{KEY_PREFIX}:{name}:{digest.hexdigest()}"
    hit = cache.get(key)
    if hit is not None:
        return cast(T, hit)
    token = building_version.set(version)
    try:
        result = build()
    finally:
        building_version.reset(token)
    cache.set(key, result, settings.PAGE_CACHE_SECONDS)
    return result
