"""Every HTML form, posted through its real view by the persona who uses it, with hostile
values in one field at a time (the corpus, then hypothesis text in every text field at once),
missing fields and duplicated fields:

- never a 500;
- a refused submission re-renders the form with a visible error and keeps what was typed in
  the other fields (nothing lost); forms that answer with a redirect show the error as a
  message on the next page;
- a saved value is shown escaped on the page that displays it, never as markup.

Each form starts from what the page itself offers (parsed from its HTML, so formset and
admin-inline management forms are right), made valid by a few overrides."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Persona
from tests.security.fuzz.conftest import FUZZ_EXAMPLES, World
from tests.security.fuzz.corpus import (
    HOSTILE_DATES,
    HOSTILE_NUMBERS,
    HOSTILE_TEXT,
    ONE_FIELD_TEXT,
    RAW_MARKUP,
    text,
)
from tests.security.fuzz.htmlforms import HtmlForm, form_posting_to

pytestmark = pytest.mark.django_db

KEEP = "Kept-value-7319"
ERROR_MARKS = (b'role="alert"', b"errorlist", b"errornote", b'class="error')
NEVER_FUZZED = {"csrfmiddlewaretoken", "next"}
CHOICE_VALUES = ["-1", str(10**20), "1e309", "abc", "2020-13-45", "<script>", "\x00", "a" * 2000]
ALL_CHOICE_VALUES = [*HOSTILE_NUMBERS, *HOSTILE_DATES, *CHOICE_VALUES, "💥"]


@dataclass
class FormCase:
    name: str
    who: str  # persona fixture name, or "broker"
    page: str  # GET path with {ids}
    action: str  # the form's action (suffix), with {ids}
    view: str  # a page that shows what was saved
    overrides: dict[str, Any] = field(default_factory=dict)
    keep: str | None = None  # a free-text field whose input must survive a refusal
    rerenders: bool = True  # False: refusals redirect with a message
    fields: list[str] | None = None  # fuzz only these (default: every text and choice field)
    baseline_saves: bool = True
    extra_status: tuple[int, ...] = ()


CASES = [
    FormCase(
        "profile",
        "member",
        "/people/me/",
        "/people/me/",
        "/people/{me}/",
        overrides={"bio": KEEP, "email": "mina@example.org"},
        keep="bio",
    ),
    FormCase(
        "privacy",
        "member",
        "/people/me/",
        "/people/me/privacy/",
        "/people/me/",
        overrides={"monthly_intro_capacity": "3"},
    ),
    FormCase(
        "causes",
        "member",
        "/people/me/",
        "/people/me/causes/",
        "/causes/{cause}/",
        overrides={"interests-0-cause": "{cause_pk}", "interests-0-offers": KEEP},
        keep="interests-0-offers",
    ),
    FormCase(
        "record tie",
        "member",
        "/people/{person}/tie/",
        "/people/{person}/tie/",
        "/people/me/ties/",
        overrides={"strength": "3", "kind": "friend", "context": KEEP},
        keep="context",
    ),
    FormCase(
        "tie side",
        "member",
        "/people/me/ties/",
        "/people/me/ties/{tie}/",
        "/people/me/ties/",
        overrides={"tie-{tie}-status": "confirmed"},
    ),
    FormCase(
        "introduction request",
        "member",
        "/people/introductions/new/?target={dee}&broker={cy}",
        "/people/introductions/new/",
        "/people/introductions/",
        overrides={"message": KEEP},
        keep="message",
    ),
    FormCase(
        "introduction decline",
        "broker",
        "/people/introductions/{introduction}/",
        "/people/introductions/{introduction}/decline/",
        "/people/introductions/{introduction}/",
        overrides={"reason": "Not now"},
        extra_status=(403,),
    ),
    FormCase(
        "group convene",
        "organizer",
        "/causes/groups/{group}/",
        "/causes/groups/{group}/convene/",
        "/causes/groups/{group}/",
        rerenders=False,
    ),
    FormCase(
        "group dismiss",
        "organizer",
        "/causes/groups/{group}/",
        "/causes/groups/{group}/dismiss/",
        "/causes/groups/{group}/",
        overrides={"reason": "They already meet"},
        rerenders=False,
    ),
    FormCase(
        "group outcome",
        "organizer",
        "/causes/groups/{convened}/",
        "/causes/groups/{convened}/outcome/",
        "/causes/groups/{convened}/",
        overrides={"outcome": "met", "note": "We met twice"},
        rerenders=False,
    ),
    FormCase(
        "suggestion run",
        "organizer",
        "/causes/runs/",
        "/causes/runs/new/",
        "/causes/runs/",
        rerenders=False,
    ),
    FormCase(
        "weaving dismiss",
        "organizer",
        "/causes/weaving/",
        "/causes/weaving/{weaving}/dismiss/",
        "/causes/weaving/",
        rerenders=False,
        extra_status=(404,),  # once dismissed, it is gone
    ),
    FormCase(
        "api key",
        "organizer",
        "/api-keys/",
        "/api-keys/",
        "/api-keys/",
        overrides={"name": "Check-in tool", "scopes": ["people:read"]},
    ),
    FormCase(
        "delete my data",
        "member",
        "/people/me/data/delete/",
        "/people/me/data/delete/",
        "/people/me/data/",
        overrides={"confirm": "DELETE", "password": "not the password"},
        baseline_saves=False,
    ),
    FormCase(
        "password change",
        "member",
        "/accounts/password_change/",
        "/accounts/password_change/",
        "/people/me/",
        overrides={
            "old_password": "not the password",
            "new_password1": "a new long passphrase 42",
            "new_password2": "a new long passphrase 42",
        },
        baseline_saves=False,
    ),
    FormCase(
        "password reset",
        "stranger",
        "/accounts/password_reset/",
        "/accounts/password_reset/",
        "/accounts/login/",
        overrides={"email": "mina@example.org"},
    ),
    FormCase(
        "login",
        "stranger",
        "/accounts/login/",
        "/accounts/login/",
        "/accounts/login/",
        overrides={"username": "nobody", "password": "wrong"},
        baseline_saves=False,
        extra_status=(429,),  # the lockout after repeated failures
    ),
    FormCase(
        "admin person",
        "admin_user",
        "/admin/people/person/add/",
        "/admin/people/person/add/",
        "/admin/people/person/",
        overrides={"display_name": "Added by fuzz", "bio": KEEP},
        keep="bio",
        fields=[
            *("display_name", "headline", "bio", "city", "neighbourhood", "email", "phone"),
            *("skills", "visibility", "sector", "monthly_intro_capacity"),
        ],
    ),
    FormCase(
        "admin organization",
        "admin_user",
        "/admin/people/organization/add/",
        "/admin/people/organization/add/",
        "/admin/people/organization/",
        overrides={"name": "Fuzz Co-op", "kind": "cooperative", "website": "https://example.org"},
    ),
    FormCase(
        "admin tie",
        "admin_user",
        "/admin/people/tie/add/",
        "/admin/people/tie/add/",
        "/admin/people/tie/",
        overrides={"person_a": "{ana_pk}", "person_b": "{eve_pk}", "context": KEEP},
        keep="context",
        fields=[
            *("person_a", "person_b", "kind", "context", "since"),
            *("a_strength", "b_strength", "a_status", "b_status"),
        ],
    ),
]


def _ids(world: World, member: Persona) -> dict[str, Any]:
    people = world.network.people
    assert member.person is not None
    tie = member.person.ties_as_a.first() or member.person.ties_as_b.first()
    assert tie is not None
    return {
        **world.ids(),
        "me": str(member.person.public_id),
        "tie": str(tie.public_id),
        "ana": str(people["ana"].public_id),
        "cy": str(people["cy"].public_id),
        "dee": str(people["dee"].public_id),
        "ana_pk": str(people["ana"].pk),
        "eve_pk": str(people["eve"].pk),
        "cause_pk": str(world.network.cause.pk),
    }


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value.format(**ids) if isinstance(value, str) else value


class Poster:
    """Posts one case's form with changes, and checks every answer."""

    def __init__(self, case: FormCase, client: Any, ids: dict[str, Any]) -> None:
        self.case, self.client, self.ids = case, client, ids
        self.page = _fill(case.page, ids)
        self.action = _fill(case.action, ids)
        page = client.get(self.page)
        assert page.status_code == 200, (case.name, page.status_code)
        self.form: HtmlForm = form_posting_to(page.content.decode(), self.action, self.page)
        self.baseline = self.form.data()
        for name, value in case.overrides.items():
            filled = _fill(value, ids)
            self.baseline[_fill(name, ids)] = filled if isinstance(filled, list) else [filled]
        self.post_to = self.form.action or self.page

    def fuzzable(self) -> list[str]:
        names = self.case.fields or [*self.form.text_fields, *self.form.choice_fields]
        return [_fill(n, self.ids) for n in names if n not in NEVER_FUZZED]

    def post(self, changes: dict[str, Any], drop: tuple[str, ...] = ()) -> Any:
        data = {k: v for k, v in self.baseline.items() if k not in drop}
        data.update(changes)
        response = self.client.post(self.post_to, data)
        where = (self.case.name, {k: str(v)[:60] for k, v in changes.items()}, drop)
        allowed = {200, 302, 400, *self.case.extra_status}
        assert response.status_code in allowed, (where, response.status_code)
        if response.status_code in (200, 400):
            self._check_refusal(response, {**changes, **dict.fromkeys(drop)}, where)
        if response.status_code == 302:
            self._check_saved(response, where)
        return response

    def _check_refusal(self, response: Any, changes: dict[str, Any], where: Any) -> None:
        body = response.content
        for markup in RAW_MARKUP:
            assert markup not in body, where
        if self.action.encode() in body:  # the form is still offered: its error is shown
            assert any(mark in body for mark in ERROR_MARKS), ("no visible error", where)
        keep = self.case.keep and _fill(self.case.keep, self.ids)
        if keep and keep not in changes and self.baseline.get(keep) == [KEEP]:
            assert KEEP.encode() in body, ("the other fields were lost", where)

    def _check_saved(self, response: Any, where: Any) -> None:
        for url in {response["Location"], _fill(self.case.view, self.ids)}:
            page = self.client.get(url)
            assert page.status_code < 500, (where, url)
            for markup in RAW_MARKUP:
                assert markup not in page.content, (where, url)


def _client(case: FormCase, request: pytest.FixtureRequest, world: World) -> Any:
    if case.who == "broker":
        return world.broker.client
    persona: Persona = request.getfixturevalue(case.who)
    return persona.client


@pytest.fixture
def poster(request: pytest.FixtureRequest, world: World, member: Persona) -> Callable[..., Poster]:
    made: dict[str, Poster] = {}  # one per case: hypothesis runs its examples on one world

    def make(case: FormCase) -> Poster:
        if case.name not in made:
            made[case.name] = Poster(case, _client(case, request, world), _ids(world, member))
        return made[case.name]

    return make


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_hostile_values_in_each_field_never_fail(
    poster: Callable[..., Poster], case: FormCase
) -> None:
    # given the form as the page offers it, made valid
    form = poster(case)
    first = form.post({})
    if case.baseline_saves:
        assert first.status_code == 302, (case.name, first.content[:2000])
    # when each field in turn gets hostile values (the others stay as they were)
    names = form.fuzzable()
    for name in names:
        values = ONE_FIELD_TEXT if name in form.form.text_fields else CHOICE_VALUES
        for value in values:
            # then: a saved value shown escaped, or a refusal with an error and nothing lost
            form.post({name: value})
    # and when every text field gets the same value of the whole corpus at once
    texts = [n for n in names if n in form.form.text_fields]
    for value in HOSTILE_TEXT if texts else ():
        form.post(dict.fromkeys(texts, value))
    choices = [n for n in names if n not in form.form.text_fields]
    for value in ALL_CHOICE_VALUES if choices else ():
        form.post(dict.fromkeys(choices, value))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_missing_and_duplicated_fields_never_fail(
    poster: Callable[..., Poster], case: FormCase
) -> None:
    form = poster(case)
    form.post({}, drop=tuple(form.baseline))  # an empty POST
    for name in form.fuzzable():
        form.post({}, drop=(name,))
        form.post({name: [HOSTILE_TEXT[0], *form.baseline.get(name, ["x"])]})
        form.post({name: [*form.baseline.get(name, ["x"]), "", "\x00"]})


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
@given(data=st.data())
def test_random_text_in_every_field_never_fails(
    poster: Callable[..., Poster], case: FormCase, data: st.DataObject
) -> None:
    form = poster(case)
    names = [n for n in form.fuzzable() if n in form.form.text_fields]
    if not names:
        names = form.fuzzable()
    changes = {name: data.draw(text, label=name) for name in names}
    form.post(changes)
