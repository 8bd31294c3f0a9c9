"""Who is looking: the viewer object every selector takes.

Roles: a *member* is a login linked to a Person; an *organizer* is a user in the
``settings.ORGANIZER_GROUP`` group (a network weaver); an *admin* is staff. A stranger is an
anonymous user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, Group

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from people.models import Person


def is_organizer(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_smallbatch_is_organizer", None)
    if cached is None:
        cached = user.groups.filter(name=settings.ORGANIZER_GROUP).exists()
        user._smallbatch_is_organizer = cached
    return bool(cached)


def organizer_group() -> Group:
    group, _ = Group.objects.get_or_create(name=settings.ORGANIZER_GROUP)
    return group


def make_organizer(user: User) -> None:
    user.groups.add(organizer_group())
    if hasattr(user, "_smallbatch_is_organizer"):
        del user._smallbatch_is_organizer


@dataclass(frozen=True)
class Viewer:
    """The person looking at data, resolved once per request."""

    user: Any
    person: Person | None
    is_organizer: bool
    is_staff: bool

    @property
    def is_authenticated(self) -> bool:
        return bool(getattr(self.user, "is_authenticated", False))

    @property
    def person_id(self) -> int | None:
        return self.person.pk if self.person is not None else None

    @property
    def sees_organizer_only_people(self) -> bool:
        return self.is_organizer or self.is_staff


def viewer_for(user: Any) -> Viewer:
    """Build the Viewer for a user (anonymous users become strangers)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Viewer(user=AnonymousUser(), person=None, is_organizer=False, is_staff=False)
    from people.models import Person

    person = Person.objects.filter(user=user).first()
    return Viewer(
        user=user,
        person=person,
        is_organizer=is_organizer(user),
        is_staff=bool(user.is_staff),
    )
