"""Contract tests: schemathesis generates requests from the OpenAPI schema (a bounded number
of examples per operation) and checks that nothing answers 5xx and every response matches the
schema (status code, content type, body). Runs with an organizer's key holding every scope."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
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
from network_app.apikeys.services import api_key_create

# Binary bodies (uploads, file exports) are tested in tests/network_app/exchange.
SKIPPED_PATHS = ("/api/v1/imports/", "/api/v1/exports/")
EXAMPLES_PER_OPERATION = 6


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


@pytest.fixture
def partner_headers(organizer: Any, settings: Any) -> dict[str, str]:
    settings.API_THROTTLE_RATES = {"key": "", "user": "", "expensive": ""}
    _, token = api_key_create(by=organizer.user, name="contract", scopes=list(SCOPES))
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_honours_its_schema_and_never_fails(
    case: Any, partner_headers: Any
) -> None:
    case.call_and_validate(
        headers=partner_headers,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
