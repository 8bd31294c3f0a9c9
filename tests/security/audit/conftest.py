"""Fixtures of the audit tests: eager Celery (CI's second pass sets REDIS_URL) and a helper
that runs what a request enqueues after commit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest


@pytest.fixture
def eager_celery() -> Iterator[None]:
    from network_app.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


@pytest.fixture
def committing(
    django_capture_on_commit_callbacks: Any, eager_celery: None
) -> Callable[[Callable[[], Any]], Any]:
    def run(action: Callable[[], Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run
