"""A small world for the fuzz tests: the suggestion tests' food-security network with a
computed suggestion run (groups and weaving suggestions), an introduction waiting on a broker,
a path search, an import job and a cause, so every page with an id in its URL has a real one.

The hostile corpus lives in ``tests/security/fuzz/corpus.py``; ``FUZZ_EXAMPLES`` sets how many
examples the hypothesis tests draw (default small for CI)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from causes.models import GroupSuggestion, SuggestionRun, WeavingSuggestion
from causes.suggestions.services import group_convene
from people.introductions import services as introductions
from people.models import Introduction, PathSearch, Person
from tests.causes.conftest import Network, network  # noqa: F401 - the fixture, reused
from tests.conftest import Persona

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))


@pytest.fixture(autouse=True)
def _eager_celery() -> Iterator[None]:
    """Tasks run in-process, also in CI's Redis pass (only the Celery app's setting changes)."""
    from network_app.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


@dataclass
class World:
    network: Network
    run: SuggestionRun
    group: GroupSuggestion
    convened: GroupSuggestion
    weaving: WeavingSuggestion
    introduction: Introduction
    search: PathSearch
    broker: Persona
    target: Person

    def ids(self) -> dict[str, str]:
        """Values for the URL patterns' parameters."""
        return {
            "person": str(self.target.public_id),
            "other": str(self.network.people["ben"].public_id),
            "group": str(self.group.public_id),
            "convened": str(self.convened.public_id),
            "weaving": str(self.weaving.public_id),
            "run": str(self.run.public_id),
            "introduction": str(self.introduction.public_id),
            "search": str(self.search.public_id),
            "cause": self.network.cause.slug,
            "ana": str(self.network.people["ana"].public_id),
        }


@pytest.fixture
def world(network: Network, member: Persona, organizer: Persona) -> World:  # noqa: F811
    from django.test import Client

    run = network.run()
    groups = list(GroupSuggestion.objects.filter(is_current=True).order_by("-score")[:2])
    assert len(groups) == 2
    group = groups[0]
    convened = group_convene(by=organizer.user, group=groups[1], message="First meeting?")
    weaving = WeavingSuggestion.objects.filter(run=run).first()
    assert group is not None and weaving is not None
    # Mina asks Ana (her tie) to introduce her to Ben (Ana's tie).
    ana = network.people["ana"]
    from tests.factories import UserFactory

    ana.user = UserFactory.create(username="ana")
    ana.save()
    client = Client()
    client.force_login(ana.user)
    broker = Persona(user=ana.user, person=ana, client=client)
    target = network.people["ben"]
    introduction = introductions.introduction_request(
        by=member.user, target=target, broker=ana, message="Hello, could we meet?"
    )
    assert member.person is not None
    search = PathSearch.objects.create(
        requester=member.user, source=member.person, target=target, status="done", result={}
    )
    return World(
        network=network,
        run=run,
        group=group,
        convened=convened,
        weaving=weaving,
        introduction=introduction,
        search=search,
        broker=broker,
        target=target,
    )
