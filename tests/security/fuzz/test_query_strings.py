"""Every GET page and API list with hostile query strings (filters, page=-1, page=10**20,
ordering=unknown, cursor=garbage, updated_since=garbage, NUL, markup, very long values):
200, 400 or 404, never a 500, and no markup reflected unescaped."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Persona
from tests.security.fuzz.conftest import FUZZ_EXAMPLES, World
from tests.security.fuzz.corpus import HOSTILE_PARAMS, RAW_MARKUP

pytestmark = pytest.mark.django_db

ALLOWED = {200, 302, 400, 404}

# (persona, path with {ids}, the query parameters the page reads)
FILTERS = ["cause", "neighbourhood", "sector", "organization"]
MAP = [*FILTERS, "min_strength", "focus", "steps", "size", "colour"]
PAGES: list[tuple[str, str, list[str]]] = [
    ("member", "/people/", ["q", "page", *FILTERS]),
    ("member", "/people/organizations/", ["organization"]),
    ("member", "/people/me/", []),
    ("member", "/people/me/ties/", ["q", "page"]),
    ("member", "/people/me/data/", []),
    ("member", "/people/{person}/", []),
    ("member", "/people/{person}/tie/", []),
    ("member", "/people/searches/{search}/", ["wait"]),
    ("member", "/people/introductions/", ["tab", "page"]),
    ("member", "/people/introductions/new/", ["search", "path", "target", "broker"]),
    ("member", "/people/introductions/{introduction}/", []),
    ("member", "/people/notifications/", ["page"]),
    ("member", "/causes/", ["page", "parent"]),
    ("member", "/causes/{cause}/", ["page"]),
    ("organizer", "/people/introductions/network/", ["state", "page"]),
    ("organizer", "/causes/groups/", ["cause", "neighbourhood", "status", "page"]),
    ("organizer", "/causes/groups/{group}/", []),
    ("organizer", "/causes/weaving/", ["cause", "neighbourhood", "kind", "page"]),
    ("organizer", "/causes/runs/", ["page"]),
    ("organizer", "/causes/runs/{run}/", []),
    ("organizer", "/causes/{cause}/groups/", ["neighbourhood", "page"]),
    ("organizer", "/dashboard/", MAP),
    ("organizer", "/dashboard/map/", MAP),
    ("organizer", "/dashboard/map.json", MAP),
    ("organizer", "/dashboard/table/", [*MAP, "sort", "page"]),
    ("organizer", "/dashboard/export.graphml", MAP),
    ("organizer", "/dashboard/people/{person}/", ["partial"]),
    ("organizer", "/exchange/", []),
    ("organizer", "/exchange/templates/people/", []),
    ("organizer", "/exchange/export/csv/", [*FILTERS, "min_strength"]),
    ("organizer", "/api-keys/", []),
    ("admin_user", "/admin/people/person/", ["q", "o", "p", "e", "visibility__exact", "all"]),
    ("admin_user", "/admin/people/tie/", ["q", "o", "p"]),
    ("admin_user", "/admin/people/organization/", ["q", "o", "p"]),
    ("admin_user", "/admin/people/auditevent/", ["q", "o", "p"]),
]
SYNC = ["cursor", "updated_since", "page_size"]
API: list[tuple[str, str, list[str]]] = [
    ("member", "/api/v1/me/", []),
    ("member", "/api/v1/people/", ["q", "ordering", "page", *FILTERS]),
    ("member", "/api/v1/people/sync/", SYNC),
    ("member", "/api/v1/people/{person}/", []),
    ("member", "/api/v1/ties/", ["person", "kind", "page"]),
    ("member", "/api/v1/ties/sync/", SYNC),
    ("member", "/api/v1/organizations/", ["q", "page"]),
    ("member", "/api/v1/affiliations/", ["person", "organization", "page"]),
    ("member", "/api/v1/causes/", ["parent", "page"]),
    ("member", "/api/v1/interests/", ["person", "cause", "page"]),
    ("member", "/api/v1/introductions/", ["state", "role", "page"]),
    ("member", "/api/v1/path-searches/{search}/", ["wait"]),
    ("organizer", "/api/v1/groups/", ["cause", "neighbourhood", "status", "page"]),
    ("organizer", "/api/v1/weaving-suggestions/", ["cause", "neighbourhood", "kind", "page"]),
    ("organizer", "/api/v1/suggestion-runs/", ["page", "wait"]),
    ("organizer", "/api/v1/suggestion-runs/{run}/", ["wait"]),
    ("organizer", "/api/v1/metrics/latest/", []),  # 404 until the first snapshot
    ("organizer", "/api/v1/webhooks/", ["page"]),
    ("organizer", "/api/v1/exports/csv/", [*FILTERS, "min_strength"]),
]
# Asked of each parameter alone (the whole corpus goes into all parameters at once).
ONE_AT_A_TIME = ["-1", str(10**20), "\x00", "abc", "' OR 1=1 --", "2020-13-45T99:99:99"]
# Asked of every page besides its own: parameters a page does not read must not hurt either.
GENERIC = ["page", "ordering", "cursor", "updated_since", "format", "next", "sort"]


def _check(response: Any, where: Any) -> None:
    assert response.status_code in ALLOWED, (where, response.status_code)
    if response.get("Content-Type", "").startswith("text/html"):
        for markup in RAW_MARKUP:
            assert markup not in response.content, where


def _get(persona: Persona, path: str, params: dict[str, str]) -> Any:
    return persona.client.get(path, params, headers={"accept": "text/html,application/json"})


@pytest.mark.parametrize(("who", "pattern", "names"), PAGES + API, ids=lambda v: str(v))
def test_hostile_query_strings_never_fail(
    request: pytest.FixtureRequest, world: World, who: str, pattern: str, names: list[str]
) -> None:
    persona: Persona = request.getfixturevalue(who)
    path = pattern.format(**world.ids())
    # given the page answers normally
    normal = (
        {"target": world.ids()["person"], "broker": world.ids()["ana"]} if "new" in path else {}
    )
    assert _get(persona, path, normal).status_code == (404 if "metrics" in path else 200), path
    for value in HOSTILE_PARAMS:
        # when one parameter at a time is hostile
        for name in names if value in ONE_AT_A_TIME else ():
            _check(_get(persona, path, {name: value}), (path, name, value))
        # and when all of them (and the generic ones) are at once
        every = dict.fromkeys([*names, *GENERIC], value)
        _check(_get(persona, path, every), (path, "all", value))


@pytest.mark.parametrize(
    "pattern",
    ["/people/{}/", "/causes/groups/{}/", "/causes/runs/{}/", "/people/introductions/{}/"],
)
@pytest.mark.parametrize(
    "value", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "%00", "💥", "a" * 300]
)
def test_garbage_ids_in_paths_are_404(organizer: Persona, pattern: str, value: str) -> None:
    response = organizer.client.get(pattern.format(value))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/api/v1/causes/a%0Ab/", "/api/v1/introductions/%0A/record-outcome/", "/api/v1/x%0D%0Ay"],
)
def test_api_paths_with_line_breaks_are_json_404(organizer: Persona, path: str) -> None:
    # found by schemathesis: "." in the API's catch-all pattern did not match a newline
    response = organizer.client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


@settings(
    max_examples=FUZZ_EXAMPLES * 2,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
@given(
    params=st.dictionaries(
        st.sampled_from(sorted({n for _, _, names in PAGES + API for n in names} | set(GENERIC))),
        st.text(max_size=60),
        max_size=6,
    ),
    page=st.sampled_from(PAGES + API),
)
def test_random_query_strings_never_fail(
    request: pytest.FixtureRequest, world: World, params: dict[str, str], page: Any
) -> None:
    who, pattern, _ = page
    persona: Persona = request.getfixturevalue(who)
    path = pattern.format(**world.ids())
    _check(_get(persona, path, params), (path, params))
