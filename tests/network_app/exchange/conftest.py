"""Fixtures of the import and export tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """These tests check the flow in-process, also in CI's Redis run (the real worker is
    covered by test_import_worker.py)."""
    from network_app.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def committing(django_capture_on_commit_callbacks, eager_celery):
    """Run what a request enqueues after commit, as a real commit would (tasks run eagerly)."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run
