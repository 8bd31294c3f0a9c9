"""``seed_demo --compute`` (what ``make run`` does on first run): the demo opens with network
metrics on the dashboard and small-batch groups and weaving suggestions on the causes."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command

from causes.models import GroupSuggestion, SuggestionRun, WeavingSuggestion
from network_app.models import NetworkSnapshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def eager_celery() -> Iterator[None]:
    from network_app.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_the_demo_comes_with_its_first_metrics_and_suggestions(eager_celery):
    out = StringIO()
    call_command("seed_demo", people=120, seed=3, compute=True, stdout=out)

    snapshot = NetworkSnapshot.objects.get()
    assert snapshot.status == NetworkSnapshot.Status.DONE
    run = SuggestionRun.objects.get()
    assert run.status == SuggestionRun.Status.DONE
    assert GroupSuggestion.objects.exists()
    assert WeavingSuggestion.objects.exists()
    assert "network metrics: Done" in out.getvalue()


def test_without_compute_nothing_is_queued():
    call_command("seed_demo", people=30, seed=3, stdout=StringIO())
    assert not NetworkSnapshot.objects.exists()
    assert not SuggestionRun.objects.exists()
