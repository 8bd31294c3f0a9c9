"""Paginators whose row count is kept in the cache when it is large (issue 9, load).

Counting the rows of a big list is often the slowest part of its page: at 100,000 people and
1,000,000 ties, ``COUNT(*)`` over the ties an organizer may see takes over a second, while the
page itself takes milliseconds. A count of at least ``LARGE_COUNT_MIN_ROWS`` is therefore kept
for ``LARGE_COUNT_CACHE_SECONDS`` under a key made of the exact SQL and its parameters (which
include the viewer's visibility rules, so no viewer ever gets another's count) and the data
version (``network_app.page_cache.data_version``: any change to people, ties, interests,
causes, affiliations or organizations counts afresh). Small counts, and every count while the
setting is 0, are read afresh. The rows on the page are always read afresh; only a total of
other rows (introductions, groups) can be that many seconds old.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination

LARGE_COUNT_MIN_ROWS = 10_000


def _count_key(queryset: QuerySet[Any]) -> str | None:
    from network_app.page_cache import building_version, data_version

    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return None
    # The data version (network_app/page_cache.py) makes a count of people, ties, interests
    # or organizations exact: any change to them counts afresh.
    version = building_version.get() or data_version()
    digest = hashlib.sha256(f"{queryset.db}\0{sql}\0{params!r}\0{version}".encode())
    return f"large-count:v2:{digest.hexdigest()}"


class CachedCountPaginator(Paginator):
    """Django's paginator, with large counts kept in the cache (see the module)."""

    @cached_property
    def count(self) -> int:
        seconds = settings.LARGE_COUNT_CACHE_SECONDS
        queryset = self.object_list
        if seconds <= 0 or not isinstance(queryset, QuerySet):
            return super().count
        key = _count_key(queryset)
        if key is None:
            return super().count
        cached = cache.get(key)
        if cached is not None:
            return int(cached)
        count = super().count
        if count >= LARGE_COUNT_MIN_ROWS:
            cache.set(key, count, seconds)
        return count


class CachedCountPageNumberPagination(PageNumberPagination):
    """DRF's page-number pagination on :class:`CachedCountPaginator`."""

    django_paginator_class = CachedCountPaginator
