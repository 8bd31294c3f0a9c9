"""Hypothesis over the services every page, the API and the importer write through, with any
text (NUL and other control characters included), numbers far out of range and odd dates:
each call either succeeds, storing exactly what it was given, or refuses with a DomainError
or ValidationError that names the field. Never an IntegrityError, a DataError or a
PostgreSQL "NUL character" crash. Then the importer's row parsing, alone and end to end."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from causes.models import Cause
from causes.services import interest_set
from causes.suggestions.services import suggestion_run_start, weaving_dismiss
from network_app.apikeys.services import api_key_create
from network_app.exchange.importer import (
    ImportOptions,
    import_apply,
    import_plan,
    parse_causes,
    parse_date,
    parse_level,
    parse_number,
    split_list,
)
from network_app.exchange.tables import Dataset, SourceRow
from people.errors import DomainError
from people.introductions.services import introduction_decline, introduction_request
from people.models import Person, Tie, TieKind
from people.roles import viewer_for
from people.services import person_update, tie_record
from tests.conftest import Persona
from tests.factories import CauseFactory, PersonFactory, make_tie
from tests.security.fuzz.conftest import FUZZ_EXAMPLES, World
from tests.security.fuzz.corpus import text

REFUSED = (DomainError, ValidationError)
DB_SETTINGS = settings(
    max_examples=max(15, FUZZ_EXAMPLES * 4),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
PURE_SETTINGS = settings(max_examples=max(200, FUZZ_EXAMPLES * 50), deadline=None)

wide_ints = st.one_of(st.integers(min_value=-10, max_value=10), st.integers(), st.just(10**30))
dates = st.one_of(st.none(), st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
PERSON_TEXT = ["display_name", "pronouns", "headline", "bio", "city", "neighbourhood", "phone"]


def _attempt(call: Any, **kwargs: Any) -> Any:
    try:
        return call(**kwargs)
    except REFUSED as error:
        message = getattr(error, "message", None) or getattr(error, "messages", None)
        assert message, "a refusal says why"
        return None


@pytest.mark.django_db
@DB_SETTINGS
@given(data=st.data())
def test_profile_updates_store_exactly_what_is_given_or_refuse(
    member: Persona, data: st.DataObject
) -> None:
    assert member.person is not None
    changes = {name: data.draw(text, label=name) for name in PERSON_TEXT}
    saved = _attempt(person_update, by=member.user, person=member.person, data=changes)
    if saved is not None:
        stored = Person.objects.values(*PERSON_TEXT).get(pk=member.person.pk)
        assert stored == changes


@pytest.mark.django_db
@DB_SETTINGS
@given(
    strength=wide_ints,
    kind=st.one_of(st.sampled_from(TieKind.values), text),
    context=text,
    since=dates,
)
def test_recording_a_tie_stores_a_valid_tie_or_refuses(
    member: Persona, other_member: Persona, strength: int, kind: str, context: str, since: Any
) -> None:
    assert member.person is not None and other_member.person is not None
    result = _attempt(
        tie_record,
        by=member.user,
        person=member.person,
        other=other_member.person,
        strength=strength,
        kind=kind,
        context=context,
        since=since,
    )
    for tie in Tie.objects.between(member.person, other_member.person):
        assert tie.a_strength is None or 1 <= tie.a_strength <= 5
        assert tie.b_strength is None or 1 <= tie.b_strength <= 5
        assert tie.kind in TieKind.values
    if result is not None:
        assert 1 <= strength <= 5 and kind in TieKind.values


@pytest.mark.django_db
@DB_SETTINGS
@given(passion=wide_ints, offers=text, needs=text)
def test_interests_store_exactly_what_is_given_or_refuse(
    member: Persona, passion: int, offers: str, needs: str
) -> None:
    assert member.person is not None
    cause = Cause.objects.first() or CauseFactory(name="Housing", slug="housing")
    interest = _attempt(
        interest_set,
        by=member.user,
        person=member.person,
        cause=cause,
        passion=passion,
        offers=offers,
        needs=needs,
    )
    if interest is not None:
        interest.refresh_from_db()
        assert (interest.passion, interest.offers, interest.needs) == (passion, offers, needs)


@pytest.mark.django_db
@DB_SETTINGS
@given(message=text, reason=text)
def test_introduction_messages_and_reasons_are_stored_or_refused(
    member: Persona, message: str, reason: str
) -> None:
    assert member.person is not None
    broker, target = PersonFactory(), PersonFactory()
    from tests.factories import UserFactory

    broker.user = UserFactory.create()
    broker.save()
    make_tie(member.person, broker, strength=4)
    make_tie(broker, target, strength=4)
    introduction = _attempt(
        introduction_request, by=member.user, target=target, broker=broker, message=message
    )
    if introduction is None:
        return
    introduction.refresh_from_db()
    assert introduction.message == message.strip() or introduction.message == message
    _attempt(introduction_decline, by=broker.user, introduction=introduction, reason=reason)


@pytest.mark.django_db
@DB_SETTINGS
@given(reason=text, neighbourhood=text, city=text, name=text)
def test_organizer_services_store_or_refuse_any_text(
    world: World, organizer: Persona, reason: str, neighbourhood: str, city: str, name: str
) -> None:
    _attempt(weaving_dismiss, by=organizer.user, suggestion=world.weaving, reason=reason)
    _attempt(suggestion_run_start, by=organizer.user, neighbourhood=neighbourhood, city=city)
    _attempt(api_key_create, by=organizer.user, name=name, scopes=["people:read"])


# --- importer row parsing --------------------------------------------------------------------


@PURE_SETTINGS
@given(value=st.text())
def test_row_parsers_return_a_value_or_a_plain_value_error(value: str) -> None:
    for parse in (parse_date, parse_number, lambda v: parse_level(v, "Strength")):
        try:
            parsed = parse(value)
        except ValueError:
            continue
        if isinstance(parsed, float):
            assert parsed == parsed and abs(parsed) != float("inf")
    assert all(part and part == part.strip() for part in split_list(value))
    for name, level in parse_causes(value):
        assert name
        assert level is None or isinstance(level, int)


row_values = st.fixed_dictionaries(
    {"display_name": text, "email": text, "neighbourhood": text, "skills": text},
    optional={"causes": text, "sector": text, "external_id": text},
)


@pytest.mark.django_db
@DB_SETTINGS
@given(rows=st.lists(row_values, min_size=1, max_size=4))
def test_import_rows_are_written_or_rejected_with_a_reason(
    organizer: Persona, rows: list[dict[str, str]]
) -> None:
    dataset = Dataset(format="csv")
    for number, values in enumerate(rows, start=2):
        stripped = {k: v.strip() for k, v in values.items() if v.strip()}
        dataset.add(SourceRow(kind="people", row=number, values=stripped, where=f"row {number}"))
    options = ImportOptions(source="fuzz", mode="valid_only")
    viewer = viewer_for(organizer.user)
    plan = import_plan(dataset=dataset, options=options, viewer=viewer)
    for issue in plan.issues:
        assert issue.message
    result = import_apply(dataset=dataset, options=options, viewer=viewer)
    assert result.report["message"]
