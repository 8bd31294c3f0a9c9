"""API keys: shown once, stored hashed, revocable, expiring, scoped, acting as their issuer and
never more, refused in URLs; the organizer page and the admin."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.test import APIClient

from network_app.apikeys.services import api_key_revoke
from network_app.models import ApiKey
from people.errors import NotAllowed
from tests.api.conftest import key_client

pytestmark = pytest.mark.django_db


def test_a_key_is_stored_only_as_a_hash_and_its_prefix(organizer, make_key):
    key, token = make_key(organizer.user)
    assert token.startswith(f"sb_{key.prefix}_")
    assert key.hashed_token == hashlib.sha256(token.encode()).hexdigest()
    stored = ApiKey.objects.filter(pk=key.pk).values()[0]
    assert token not in [str(v) for v in stored.values()]


@pytest.mark.parametrize("keyword", ["Bearer", "Api-Key", "bearer"])
def test_a_key_authenticates_as_its_issuer(organizer, make_key, keyword):
    key, token = make_key(organizer.user, scopes=["people:read"])
    response = key_client(token, keyword).get("/api/v1/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == organizer.user.username
    assert body["is_organizer"] is True
    assert body["api_key"]["scopes"] == ["people:read"]
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_an_unknown_key_answers_401_with_the_error_shape(db):
    response = key_client("sb_00000000_nothing").get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_api_key"
    assert set(response.json()) == {"code", "message", "errors"}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_key_stops_working_at_once(organizer, make_key):
    key, token = make_key(organizer.user)
    client = key_client(token)
    assert client.get("/api/v1/me/").status_code == 200
    api_key_revoke(by=organizer.user, key=key)
    assert client.get("/api/v1/me/").status_code == 401


def test_an_expired_key_is_refused(organizer, make_key):
    key, token = make_key(organizer.user, expires_at=timezone.now() + dt.timedelta(days=1))
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert key_client(token).get("/api/v1/me/").status_code == 401


def test_a_key_of_an_inactive_user_is_refused(organizer, make_key):
    _, token = make_key(organizer.user)
    organizer.user.is_active = False
    organizer.user.save()
    assert key_client(token).get("/api/v1/me/").status_code == 401


@pytest.mark.parametrize("param", ["key", "api_key", "token"])
def test_a_key_in_the_url_is_refused_with_400(organizer, make_key, param):
    _, token = make_key(organizer.user)
    response = key_client(token).get(f"/api/v1/people/?{param}={token}")
    assert response.status_code == 400
    assert response.json()["code"] == "key_in_url"
    assert APIClient().get(f"/api/v1/me/?{param}={token}").status_code == 400


def test_a_member_cannot_issue_keys(member, make_key):
    with pytest.raises(NotAllowed):
        make_key(member.user)


def test_a_key_needs_the_scope_its_endpoint_declares(organizer, make_key):
    _, token = make_key(organizer.user, scopes=["ties:read"])
    client = key_client(token)
    response = client.get("/api/v1/people/")
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
    assert "people:read" in response.json()["message"]
    assert client.get("/api/v1/ties/").status_code == 200
    # The existing endpoints declare their scopes too.
    assert client.get("/api/v1/introductions/").status_code == 403
    assert client.post("/api/v1/path-searches/", {}, format="json").status_code == 403
    assert client.get("/api/v1/groups/").status_code == 403
    assert client.get("/api/v1/exports/csv/").status_code == 403


def test_a_key_acts_with_its_issuers_rights_never_more(organizer, make_key, organizers_only_person):
    _, token = make_key(organizer.user, scopes=["people:read"])
    client = key_client(token)
    url = f"/api/v1/people/{organizers_only_person.public_id}/"
    assert client.get(url).status_code == 200
    # The issuer stops being an organizer: the key loses what the role gave.
    organizer.user.groups.remove(Group.objects.get(name="Organizers"))
    assert client.get(url).status_code == 404
    assert client.get("/api/v1/metrics/latest/").status_code == 403


def test_an_admins_key_does_not_see_hidden_people_in_the_api(admin_user, make_key, hidden_member):
    _, token = make_key(admin_user.user, scopes=["people:read"])
    response = key_client(token).get("/api/v1/people/")
    assert response.status_code == 200
    assert str(hidden_member.person.public_id) not in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Pages


def test_an_organizer_creates_a_key_and_sees_it_only_once(organizer):
    client = organizer.client
    response = client.post(
        "/api-keys/", {"name": "Event check-in", "scopes": ["people:read", "ties:write"]}
    )
    assert response.status_code == 302
    page = client.get("/api-keys/").content.decode()
    key = ApiKey.objects.get(name="Event check-in")
    assert f"sb_{key.prefix}_" in page
    assert "shown only once" in page
    again = client.get("/api-keys/").content.decode()
    assert f'value="sb_{key.prefix}_' not in again
    assert key.scopes == ["people:read", "ties:write"]


def test_the_key_form_refuses_bad_input_without_creating_a_key(organizer):
    response = organizer.client.post("/api-keys/", {"name": "", "scopes": ["nope"]})
    assert response.status_code == 400
    yesterday = (timezone.now() - dt.timedelta(days=1)).date().isoformat()
    response = organizer.client.post(
        "/api-keys/", {"name": "x", "scopes": ["people:read"], "expires_on": yesterday}
    )
    assert response.status_code == 400
    assert not ApiKey.objects.exists()


def test_an_organizer_revokes_their_key_from_the_page(organizer, make_key):
    key, token = make_key(organizer.user)
    response = organizer.client.post(f"/api-keys/{key.public_id}/revoke/")
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert key_client(token).get("/api/v1/me/").status_code == 401


def test_another_organizer_cannot_see_or_revoke_my_key(organizer, make_key, other_member):
    from people.roles import make_organizer

    key, _ = make_key(organizer.user)
    make_organizer(other_member.user)
    assert key.prefix not in other_member.client.get("/api-keys/").content.decode()
    assert other_member.client.post(f"/api-keys/{key.public_id}/revoke/").status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_members_and_strangers_cannot_use_the_key_pages(member, stranger):
    assert member.client.get("/api-keys/").status_code == 403
    assert (
        member.client.post("/api-keys/", {"name": "x", "scopes": ["people:read"]}).status_code
        == 403
    )
    assert stranger.client.get("/api-keys/").status_code == 302
    assert not ApiKey.objects.exists()


def test_an_admin_creates_a_key_in_the_admin_and_sees_it_once(admin_user):
    response = admin_user.client.post(
        "/admin/network_app/apikey/add/",
        {"name": "CRM", "scopes": ["people:read"]},
        follow=True,
    )
    assert response.status_code == 200
    key = ApiKey.objects.get(name="CRM")
    assert f"sb_{key.prefix}_" in response.content.decode()
    assert key.user == admin_user.user
    assert admin_user.client.get(f"/admin/network_app/apikey/{key.pk}/change/").status_code == 200


def test_the_api_keys_link_shows_for_organizers_only(organizer, member):
    assert 'href="/api-keys/"' in organizer.client.get("/people/").content.decode()
    assert 'href="/api-keys/"' not in member.client.get("/people/").content.decode()


def test_a_key_decides_even_when_a_session_cookie_comes_along(organizer, make_key):
    _, token = make_key(organizer.user, scopes=["ties:read"])
    client = APIClient()
    client.force_login(organizer.user)
    assert client.get("/api/v1/people/").status_code == 200  # the session alone
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/people/").status_code == 403  # the key's scopes apply
