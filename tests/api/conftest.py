"""Helpers for the API tests: API keys for the personas, and clients that send them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from network_app.apikeys import SCOPES
from network_app.apikeys.services import api_key_create

ALL_SCOPES = list(SCOPES)


def key_client(token: str, keyword: str = "Bearer") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {token}")
    return client


@pytest.fixture
def make_key(db: None) -> Callable[..., tuple[Any, str]]:
    """``make_key(user, scopes=[...])`` -> (ApiKey, token)."""

    def make(user: Any, scopes: list[str] | None = None, **kwargs: Any) -> tuple[Any, str]:
        return api_key_create(
            by=user, name=kwargs.pop("name", "Partner tool"), scopes=scopes or ALL_SCOPES, **kwargs
        )

    return make


@pytest.fixture
def organizer_key(organizer: Any, make_key: Any) -> tuple[Any, APIClient]:
    """An organizer's key with every scope, and a client sending it."""
    key, token = make_key(organizer.user)
    return key, key_client(token)


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Run tasks in-process even when REDIS_URL is set (CI's second pass). Only the Celery
    app's setting changes: touching Django's setting first would freeze it into app.conf."""
    from network_app.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous
