"""The authorization matrix over every page and API endpoint (issue 9).

Every URL pattern of the project must have rows in ``table.py`` (``test_every_route_is_in_the
_matrix``), so a new page cannot be added without its rules. Each cell of the table is one
test: one persona (or API key) asks for one object and gets exactly the status code written
there; an allowed read shows what it should and not what it should not; and no answer to
anybody who may not see them carries the hidden person's or the private ties' markers.
"""

from __future__ import annotations

import json
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.contrib.admin import site as admin_site
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from tests.security.matrix.table import ADMIN_NAMESPACE, API, KEY_PERSONAS, ROWS, WEB, Row
from tests.security.matrix.world import PERSONAS, World

pytestmark = pytest.mark.django_db

SEES_HIDDEN = {"hidden_self"}  # only the hidden person herself (admins: in the admin only)
SEES_PRIVATE_TIES = {"organizer", "admin", "key", "admin_key"}


def route_names() -> set[str]:
    """Every URL name of the project (``namespace:name``), unnamed patterns as ``?<regex>``."""
    found: set[str] = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern):
                name = pattern.name or f"?{pattern.pattern}"
                found.add(f"{namespace}:{name}" if namespace else name)

    walk(get_resolver().url_patterns, "")
    return found


def test_every_route_is_in_the_matrix() -> None:
    covered = {row.name for row in ROWS}
    routes = route_names()
    missing = sorted(
        name for name in routes - covered if not name.startswith(f"{ADMIN_NAMESPACE}:")
    )
    assert missing == [], f"Add rows for these routes to tests/security/matrix/table.py: {missing}"
    assert sorted(covered - routes) == [], "Rows for routes that no longer exist"


def url_of(row: Row, world: World) -> str:
    if row.path:
        return row.path
    kwargs = {k: world.value(v) for k, v in row.kwargs.items()} | row.literal
    return reverse(row.name, kwargs=kwargs) + row.query.format(**world.values)


def fill(data: Any, world: World) -> Any:
    if isinstance(data, str):
        return data.format(**world.values)
    if isinstance(data, dict):
        return {k: fill(v, world) for k, v in data.items()}
    return data


def token_for(persona: str, row: Row, world: World) -> str:
    scope = row.scope or "people:read"
    return {
        "key": world.tokens[f"organizer:{scope}"],
        "admin_key": world.tokens[f"admin:{scope}"],
        "key_without": world.tokens[f"without:{scope}"],
        "key_expired": world.tokens["expired"],
        "key_revoked": world.tokens["revoked"],
    }[persona]


def csv_file() -> SimpleUploadedFile:
    return SimpleUploadedFile("people.csv", b"display_name\nNew Person\n", "text/csv")


def ask(row: Row, persona: str, world: World) -> Any:
    url = url_of(row, world)
    data = fill(row.data, world)
    client: Client | APIClient
    if persona in KEY_PERSONAS:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(persona, row, world)}")
    else:
        client = world.clients[persona]
    method = getattr(client, row.method)
    saved = SimpleCookie(client.cookies)  # a logout or password change keeps the login
    try:
        if row.method == "get":
            return method(url)
        if data and "@csv" in data.values():
            upload = {k: csv_file() if v == "@csv" else v for k, v in data.items()}
            return (
                method(url, upload, format="multipart")
                if persona in KEY_PERSONAS
                else (method(url, upload))
            )
        if row.is_api:
            return method(url, json.dumps(data or {}), content_type="application/json")
        return method(url, data or {})
    finally:
        client.cookies = saved


def body_of(response: Any) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode(errors="replace").lower()


def texts(key: str, world: World) -> list[str]:
    found = [world.value(key).lower()]
    if key in world.labels:
        found.append(world.labels[key].lower())
    return found


def check_cell(row: Row, persona: str, world: World) -> None:
    expected = row.expect[persona]
    response = ask(row, persona, world)
    body = body_of(response)
    assert response.status_code in (expected, *row.also), (
        f"{row.id} as {persona}: {response.status_code} (expected {expected}) {body[:300]!r}"
    )
    if persona == "stranger" and expected == 302 and row.name not in ("home", "logout"):
        assert reverse("login") in response["Location"], response["Location"]
    if 200 <= expected < 300:
        for key in row.shows.get(persona, ()):
            assert any(t in body for t in texts(key, world)), f"{row.id}: {persona} misses {key}"
        for key in row.hides.get(persona, ()):
            assert not any(t in body for t in texts(key, world)), f"{row.id}: {persona} sees {key}"
    asked = (url_of(row, world) + json.dumps(fill(row.data, world))).lower()
    if persona not in SEES_HIDDEN:
        leaked = [m for m in world.hidden_markers if m in body and m not in asked]
        assert leaked == [], f"{row.id}: {persona} was shown the hidden person: {leaked}"
    if persona not in SEES_PRIVATE_TIES:
        leaked = [m for m in world.private_tie_markers if m in body and m not in asked]
        assert leaked == [], f"{row.id}: {persona} was shown a private tie: {leaked}"


# Logged-in personas (and keys that may act) get one test per cell: their answers differ by
# object and a POST that is allowed changes the world (rolled back after each test).
SIGNED_IN = PERSONAS[1:]
WEB_CELLS = [pytest.param(row, p, id=f"{row.id} as {p}") for row in WEB for p in SIGNED_IN]
API_CELLS = [
    pytest.param(row, p, id=f"{row.id} as {p}")
    for row in API
    for p in (*SIGNED_IN, "key", "admin_key")
]
# Who is refused before anything happens (the stranger, a key without the scope, an expired
# or revoked key) is checked over every row in one test each.
REFUSED_EARLY = ("stranger", "key_without", "key_expired", "key_revoked")


@pytest.mark.parametrize(("row", "persona"), WEB_CELLS)
def test_page(world: World, row: Row, persona: str) -> None:
    check_cell(row, persona, world)


@pytest.mark.parametrize(("row", "persona"), API_CELLS)
def test_api(world: World, row: Row, persona: str) -> None:
    check_cell(row, persona, world)


@pytest.mark.parametrize("persona", REFUSED_EARLY)
def test_refused_everywhere_it_should_be(world: World, persona: str) -> None:
    rows = [row for row in ROWS if persona in row.expect]
    assert len(rows) >= len(API) - 5
    failures = []
    for row in rows:
        try:
            check_cell(row, persona, world)
        except AssertionError as error:
            failures.append(str(error).splitlines()[0])
    assert failures == []


def test_the_admin_lets_in_staff_only(world: World) -> None:
    """Every admin page without arguments: the stranger, members and organizers are sent to
    the admin's login, only staff get in."""
    names = ["admin:index"] + [
        f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        for model in admin_site._registry
    ]
    login = reverse("admin:login")
    for name in names:
        url = reverse(name)
        for persona in ("stranger", "member", "hidden_self", "organizer"):
            response = world.clients[persona].get(url)
            assert response.status_code == 302, (name, persona)
            assert response["Location"].startswith(login), (name, persona)
        assert world.clients["admin"].get(url).status_code == 200, name
