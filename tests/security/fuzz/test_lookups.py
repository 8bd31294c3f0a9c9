"""``__in`` on integer columns with posted ids no column can hold (network_app/lookups.py):
they match nothing instead of a 500 (SQLite's OverflowError, ValueError for "1e309")."""

from __future__ import annotations

import pytest

from people.models import Person
from tests.conftest import Persona

pytestmark = pytest.mark.django_db


def test_ids_out_of_the_columns_range_match_nothing(member: Persona) -> None:
    assert member.person is not None
    assert not Person.objects.filter(pk__in=[10**20, -(10**20)]).exists()
    assert list(Person.objects.filter(pk__in=[10**20, member.person.pk])) == [member.person]


def test_posted_text_that_is_no_integer_matches_nothing(member: Persona) -> None:
    assert member.person is not None
    found = Person.objects.filter(pk__in=["1e309", "abc", str(member.person.pk)])
    assert list(found) == [member.person]
    assert not Person.objects.filter(pk__in=["1e309"]).exists()


def test_a_wrong_type_from_code_still_raises(member: Persona) -> None:
    with pytest.raises(TypeError):
        list(Person.objects.filter(pk__in=[object()]))
