"""The matrix world is built once per test module, inside a transaction that is rolled back
at the end of the module; each test runs in a savepoint of it (pytest-django's ``db``), so
what one test changes (a revoked key, a convened group) is gone before the next."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from tests.security.matrix.world import World, build_world


@pytest.fixture(scope="module")
def _eager_celery_module() -> Iterator[None]:
    """Tasks run in-process, also in CI's Redis pass (no worker marker here)."""
    from network_app.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, _eager_celery_module: None
) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        yield built
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _no_throttles(settings: Any) -> None:
    """Hundreds of requests from the same personas: throttles are tested in tests/api."""
    settings.API_THROTTLE_RATES = {"key": "", "user": "", "expensive": ""}
