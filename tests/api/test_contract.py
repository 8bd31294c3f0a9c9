"""Contract tests: schemathesis generates requests from the OpenAPI schema (a bounded number
of examples per operation) and checks that nothing answers 5xx and every response matches the
schema (status code, content type, body).

Each operation is fuzzed as four callers, so the refusals are fuzzed too: an organizer's key
holding every scope (the deepest run), a member's browser session (with its CSRF token, so
writes reach the views), a key whose scopes were all withdrawn (403 everywhere but ``/me``) and
a revoked key (401). A stateful run then chains operations through the links schemathesis
infers from the schema (create a person, then read and patch it; open an introduction, then
act on it).

``FUZZ_EXAMPLES`` (default 6) sets the organizer's examples per operation; the other callers
get a share of it. CI keeps the default (about a minute); run deeper locally with e.g.
``FUZZ_EXAMPLES=100``."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.test import Client
from django.utils.crypto import get_random_string
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from network_app.apikeys import SCOPES
from network_app.apikeys.services import api_key_create, api_key_revoke
from network_app.models import ApiKey

# Binary bodies (uploads, file exports) are tested in tests/network_app/exchange.
SKIPPED_PATHS = ("/api/v1/imports/", "/api/v1/exports/")
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "6"))
MEMBER_EXAMPLES = max(2, math.ceil(EXAMPLES_PER_OPERATION / 3))
REFUSED_EXAMPLES = max(1, math.ceil(EXAMPLES_PER_OPERATION / 6))
STATEFUL_SCENARIOS = max(10, EXAMPLES_PER_OPERATION * 3)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _schema() -> Any:
    raw = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(_plain(raw))
    loaded.app = get_wsgi_application()
    return loaded.exclude(path_regex="^(" + "|".join(SKIPPED_PATHS) + ")")


def _plain(value: Any) -> Any:
    """The generator's output with lazy strings and ordered dicts made plain JSON."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


schema = _schema()


def _settings(examples: int) -> Callable[[Any], Any]:
    return hypothesis_settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Requests go straight to the WSGI app: stop Django closing the test's connection at the
    end of each request, as its test client does (on PostgreSQL it would end the test's
    transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _no_throttles(settings: Any, eager_celery: None) -> None:
    settings.API_THROTTLE_RATES = {"key": "", "user": "", "expensive": ""}


@pytest.fixture
def partner_headers(organizer: Any) -> dict[str, str]:
    _, token = api_key_create(by=organizer.user, name="contract", scopes=list(SCOPES))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def member_session(member: Any) -> dict[str, Any]:
    """What a member's browser sends: the session cookie, and the CSRF cookie with its header."""
    client = Client()
    client.force_login(member.user)
    csrf = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
    return {
        "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf},
        "headers": {"X-CSRFToken": csrf},
    }


@pytest.fixture
def no_scope_headers(organizer: Any) -> dict[str, str]:
    """A key whose every scope was withdrawn (the service never issues one; the table allows)."""
    key, token = api_key_create(by=organizer.user, name="no scopes", scopes=["metrics:read"])
    ApiKey.objects.filter(pk=key.pk).update(scopes=[])
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def revoked_headers(organizer: Any) -> dict[str, str]:
    key, token = api_key_create(by=organizer.user, name="revoked", scopes=list(SCOPES))
    api_key_revoke(key=key, by=organizer.user)
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.django_db
@schema.parametrize()
@_settings(EXAMPLES_PER_OPERATION)
def test_every_operation_honours_its_schema_and_never_fails(
    case: Any, partner_headers: Any
) -> None:
    case.call_and_validate(headers=partner_headers, checks=CHECKS)


@pytest.mark.django_db
@schema.parametrize()
@_settings(MEMBER_EXAMPLES)
def test_every_operation_as_a_member_session_honours_its_schema(
    case: Any, member_session: dict[str, Any]
) -> None:
    case.call_and_validate(**member_session, checks=CHECKS)


@pytest.mark.django_db
@schema.parametrize()
@_settings(REFUSED_EXAMPLES)
def test_a_key_without_scopes_is_refused_cleanly_everywhere(
    case: Any, no_scope_headers: dict[str, str]
) -> None:
    response = case.call_and_validate(headers=no_scope_headers, checks=CHECKS)
    if case.operation.path != "/api/v1/me/":
        # then nothing but refusals (or a 400 for input refused before the scope is looked at)
        assert response.status_code in (400, 403, 404, 405), response.text[:300]


@pytest.mark.django_db
@schema.parametrize()
@_settings(REFUSED_EXAMPLES)
def test_a_revoked_key_is_refused_with_401_everywhere(
    case: Any, revoked_headers: dict[str, str]
) -> None:
    response = case.call_and_validate(headers=revoked_headers, checks=CHECKS)
    assert response.status_code in (400, 401, 404, 405), response.text[:300]


@pytest.mark.django_db
def test_chained_operations_never_fail(partner_headers: dict[str, str]) -> None:
    """Stateful: sequences of calls that feed ids from one response into the next request."""
    base = schema.as_state_machine()

    class Workflow(base):  # type: ignore[valid-type]
        """Each scenario starts from the same database (a savepoint rolled back after it), so
        hypothesis can replay and shrink a failing sequence."""

        def setup(self) -> None:
            self._scenario = transaction.atomic()
            self._scenario.__enter__()

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self._scenario.__exit__(None, None, None)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": partner_headers}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    Workflow.run(
        settings=hypothesis_settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
    )
