"""The authorization matrix: every endpoint and method, for each persona and for API keys with
and without the endpoint's scope, answers exactly 200/201/202, 403 or 404 as it should, and no
answer ever carries a hidden person."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from rest_framework.test import APIClient

from network_app.apikeys import SCOPES
from network_app.apikeys.services import api_key_create
from tests.api.conftest import key_client
from tests.factories import AffiliationFactory, CauseFactory, InterestFactory, make_tie

pytestmark = pytest.mark.django_db

OK = (200, 201, 202)
PERSONAS = ("stranger", "member", "organizer", "admin")


@dataclass
class Endpoint:
    method: str
    path: str  # {member}, {organizers_only}, {hidden}, {hidden_tie}, {n} are filled in
    scope: str | None
    expect: dict[str, Any]  # persona -> status or tuple of statuses
    body: dict[str, Any] = field(default_factory=dict)


def allowed(**overrides: Any) -> dict[str, Any]:
    return {"stranger": 403, "member": OK, "organizer": OK, "admin": OK, **overrides}


ENDPOINTS = [
    Endpoint("get", "/api/v1/people/", "people:read", allowed()),
    Endpoint("get", "/api/v1/people/sync/", "people:read", allowed()),
    Endpoint("get", "/api/v1/people/{member}/", "people:read", allowed()),
    Endpoint("get", "/api/v1/people/{organizers_only}/", "people:read", allowed(member=404)),
    Endpoint(
        "get",
        "/api/v1/people/{hidden}/",
        "people:read",
        allowed(member=404, organizer=404, admin=404),
    ),
    Endpoint("post", "/api/v1/people/", "people:write", allowed(member=403), {"display_name": "N"}),
    Endpoint(
        "patch", "/api/v1/people/{member}/", "people:write", allowed(organizer=403), {"bio": "b"}
    ),
    Endpoint(
        "put",
        "/api/v1/people/external/crm/{n}/",
        "people:write",
        allowed(member=403),
        {"display_name": "Ext"},
    ),
    Endpoint(
        "get",
        "/api/v1/people/external/crm/none/",
        "people:read",
        allowed(member=404, organizer=404, admin=404),
    ),
    Endpoint("get", "/api/v1/ties/", "ties:read", allowed()),
    Endpoint("get", "/api/v1/ties/sync/", "ties:read", allowed()),
    Endpoint(
        "get",
        "/api/v1/ties/{hidden_tie}/",
        "ties:read",
        allowed(member=404, organizer=404, admin=404),
    ),
    Endpoint(
        "post",
        "/api/v1/ties/",
        "ties:write",
        allowed(admin=OK),
        {"person": "{member}", "other": "{other}", "strength": 3},
    ),
    Endpoint("get", "/api/v1/organizations/", "people:read", allowed()),
    Endpoint("get", "/api/v1/affiliations/", "people:read", allowed()),
    Endpoint("get", "/api/v1/causes/", "people:read", allowed()),
    Endpoint("get", "/api/v1/interests/", "people:read", allowed()),
    Endpoint(
        "get",
        "/api/v1/metrics/latest/",
        "metrics:read",
        allowed(member=403, organizer=404, admin=404),
    ),
    Endpoint("get", "/api/v1/me/", None, allowed()),
    Endpoint("get", "/api/v1/webhooks/", "webhooks:manage", allowed(member=403)),
    Endpoint(
        "post",
        "/api/v1/webhooks/",
        "webhooks:manage",
        allowed(member=403, organizer=400, admin=400),  # the URL is refused after the checks
        {"url": "ftp://nowhere", "events": ["tie.created"]},
    ),
    Endpoint("get", "/api/v1/introductions/", "introductions:read", allowed()),
    Endpoint(
        "get",
        "/api/v1/path-searches/{random}/",
        "paths:run",
        allowed(member=404, organizer=404, admin=404),
    ),
    Endpoint("get", "/api/v1/groups/", "groups:read", allowed()),
    Endpoint("get", "/api/v1/weaving-suggestions/", "groups:read", allowed()),
    Endpoint("get", "/api/v1/suggestion-runs/", "groups:read", allowed(member=403)),
    Endpoint("get", "/api/v1/exports/csv/", "exchange:run", allowed(member=403)),
    Endpoint("get", "/api/v1/", None, allowed()),
]


@pytest.fixture
def world(member, other_member, organizer, hidden_member, organizers_only_person, admin_user):
    make_tie(member.person, other_member.person)
    hidden_tie = make_tie(other_member.person, hidden_member.person)
    AffiliationFactory(person=hidden_member.person)
    cause = CauseFactory(name="Secret cause", slug="secret-cause")
    InterestFactory(person=hidden_member.person, cause=cause)
    values = {
        "member": str(member.person.public_id),
        "other": str(other_member.person.public_id),
        "organizers_only": str(organizers_only_person.public_id),
        "hidden": str(hidden_member.person.public_id),
        "hidden_tie": str(hidden_tie.public_id),
        "random": str(uuid.uuid4()),
    }
    users = {"member": member.user, "organizer": organizer.user, "admin": admin_user.user}
    return values, users, hidden_member.person


def fill(template: Any, values: dict[str, str], n: int) -> Any:
    if isinstance(template, str):
        return template.format(n=n, **values)
    if isinstance(template, dict):
        return {k: fill(v, values, n) for k, v in template.items()}
    return template


def call(client: APIClient, endpoint: Endpoint, values: dict[str, str], n: int) -> Any:
    method = getattr(client, endpoint.method)
    url = fill(endpoint.path, values, n)
    if endpoint.method == "get":
        return method(url)
    return method(url, fill(endpoint.body, values, n), format="json")


def check(response: Any, expected: Any, hidden: Any, label: str) -> None:
    wanted = expected if isinstance(expected, tuple) else (expected,)
    assert response.status_code in wanted, (
        f"{label}: {response.status_code} {response.content[:300]!r}"
    )
    text = response.content.decode(errors="replace")
    assert str(hidden.public_id) not in text, label
    assert hidden.display_name not in text, label
    if response.status_code >= 400:
        assert set(response.json()) == {"code", "message", "errors"}, label


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method.upper()} {e.path}")
def test_each_persona_gets_exactly_what_it_should(world, endpoint):
    values, users, hidden = world
    for n, persona in enumerate(PERSONAS):
        client = APIClient()
        if persona != "stranger":
            client.force_login(users[persona])
        check(call(client, endpoint, values, n), endpoint.expect[persona], hidden, persona)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method.upper()} {e.path}")
def test_a_key_needs_the_endpoints_scope_and_acts_as_its_issuer(world, endpoint):
    values, users, hidden = world
    for n, persona in enumerate(("organizer", "admin"), start=10):
        user = users[persona]
        if endpoint.scope is not None:
            others = [s for s in SCOPES if s != endpoint.scope]
            _, without = api_key_create(by=user, name="without", scopes=others)
            response = call(key_client(without), endpoint, values, n)
            check(response, 403, hidden, f"{persona} key without {endpoint.scope}")
            assert response.json()["code"] == "insufficient_scope"
        scopes = [endpoint.scope] if endpoint.scope else ["people:read"]
        _, token = api_key_create(by=user, name="with", scopes=scopes)
        check(
            call(key_client(token), endpoint, values, n + 100),
            endpoint.expect[persona],
            hidden,
            f"{persona} key with {scopes}",
        )
