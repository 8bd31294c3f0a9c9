"""Personas shared by the whole suite (after healthchecks' Alice, Bob and Charlie).

- ``organizer``: a network weaver (in the Organizers group) with a listed person.
- ``member``: a member with a listed person.
- ``other_member``: another member with a listed person.
- ``stranger``: not logged in.
- ``hidden_member``: a member whose person is hidden.
- ``organizers_only_person``: a person visible to organizers only (no login).
- ``admin_user``: staff + superuser.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from people.models import Person, Visibility
from people.roles import make_organizer
from tests.factories import PASSWORD, PersonFactory, UserFactory


@dataclass
class Persona:
    user: Any
    person: Person | None
    client: Client


def _persona(username: str, visibility: str = Visibility.LISTED, **person: Any) -> Persona:
    user = UserFactory(username=username)
    p = PersonFactory(
        user=user,
        display_name=person.pop("display_name", username.title()),
        visibility=visibility,
        **person,
    )
    client = Client()
    client.force_login(user)
    return Persona(user=user, person=p, client=client)


@pytest.fixture
def member(db: None) -> Persona:
    return _persona("mina", display_name="Mina Member")


@pytest.fixture
def other_member(db: None) -> Persona:
    return _persona("omar", display_name="Omar Other")


@pytest.fixture
def organizer(db: None) -> Persona:
    persona = _persona("olga", display_name="Olga Organizer")
    make_organizer(persona.user)
    return persona


@pytest.fixture
def hidden_member(db: None) -> Persona:
    return _persona("hana", Visibility.HIDDEN, display_name="Hana Hidden")


@pytest.fixture
def organizers_only_person(db: None) -> Person:
    return PersonFactory(display_name="Otto Organizers-Only", visibility=Visibility.ORGANIZERS)


@pytest.fixture
def stranger() -> Persona:
    return Persona(user=None, person=None, client=Client())


@pytest.fixture
def admin_user(db: None) -> Persona:
    user = UserFactory(username="ada", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return Persona(user=user, person=None, client=client)


@pytest.fixture
def password() -> str:
    return PASSWORD
