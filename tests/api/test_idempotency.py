"""Idempotency-Key on POST: the same key from the same user gets the same response and one
record; another request with the same key is refused; other users are independent."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from network_app.models import IdempotencyRecord
from people.models import Person
from tests.api.conftest import key_client

pytestmark = pytest.mark.django_db


def test_a_repeated_post_with_the_same_key_creates_one_record(organizer, make_key):
    _, token = make_key(organizer.user, scopes=["people:write", "people:read"])
    client = key_client(token)
    body = {"display_name": "Once Only"}
    first = client.post("/api/v1/people/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    second = client.post("/api/v1/people/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Person.objects.filter(display_name="Once Only").count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_the_same_key_for_a_different_request_is_refused(organizer):
    client = APIClient()
    client.force_login(organizer.user)
    client.post("/api/v1/people/", {"display_name": "A"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    response = client.post(
        "/api/v1/people/", {"display_name": "B"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert not Person.objects.filter(display_name="B").exists()


def test_another_user_with_the_same_key_gets_their_own_response(organizer, admin_user):
    body = {"display_name": "Shared key"}
    for persona in (organizer, admin_user):
        client = APIClient()
        client.force_login(persona.user)
        response = client.post("/api/v1/people/", body, format="json", HTTP_IDEMPOTENCY_KEY="same")
        assert response.status_code == 201
    assert Person.objects.filter(display_name="Shared key").count() == 2


def test_refusals_are_not_kept_so_a_retry_can_succeed(member, organizer):
    client = APIClient()
    client.force_login(member.user)
    refused = client.post(
        "/api/v1/people/", {"display_name": "X"}, format="json", HTTP_IDEMPOTENCY_KEY="r"
    )
    assert refused.status_code == 403
    assert not IdempotencyRecord.objects.exists()


def test_a_validation_error_is_replayed_as_it_was(organizer):
    client = APIClient()
    client.force_login(organizer.user)
    for _ in range(2):
        response = client.post("/api/v1/people/", {}, format="json", HTTP_IDEMPOTENCY_KEY="v")
        assert response.status_code == 400
        assert "display_name" in response.json()["errors"]


def test_an_overlong_idempotency_key_is_refused(organizer):
    client = APIClient()
    client.force_login(organizer.user)
    response = client.post(
        "/api/v1/people/", {"display_name": "X"}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 300
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
