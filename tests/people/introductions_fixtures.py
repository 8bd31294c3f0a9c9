"""Shared fixtures of the introduction tests: a small network with logins along a path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from people.models import Person
from tests.factories import PersonFactory, UserFactory, make_tie


@dataclass
class Member:
    user: Any
    person: Person
    client: Client


def make_member(username: str, display_name: str, **person: Any) -> Member:
    user = UserFactory(username=username)
    p = PersonFactory(user=user, display_name=display_name, **person)
    client = Client()
    client.force_login(user)
    return Member(user=user, person=p, client=client)


@pytest.fixture
def eager_celery():
    """Tasks run in-process in these tests, also in CI's Redis run (the real worker is covered
    by tests/integration/test_introduction_emails.py)."""
    from network_app.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def chain(member, eager_celery):
    """member -(5)- Bea Broker -(4)- Ben Bridge -(4)- Tara Target, and Bea -(3)- Tara.

    Each has a login; ``short`` is [member, Bea, Tara], ``long`` is [member, Bea, Ben, Tara].
    """
    broker = make_member("bea", "Bea Broker")
    bridge = make_member("ben", "Ben Bridge")
    target = make_member("tara", "Tara Target")
    make_tie(member.person, broker.person, strength=5)
    make_tie(broker.person, bridge.person, strength=4)
    make_tie(bridge.person, target.person, strength=4)
    make_tie(broker.person, target.person, strength=3)
    return {
        "requester": member,
        "broker": broker,
        "bridge": bridge,
        "target": target,
        "short": [member.person, broker.person, target.person],
        "long": [member.person, broker.person, bridge.person, target.person],
    }
