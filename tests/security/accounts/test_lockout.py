"""Login lockout (django-axes): failures are counted per username *and* address together.

Choice: an attacker who guesses a member's password from one address locks that name out
from that address only; the member still logs in from their own address. The limit and the
cool-off come from LOGIN_FAILURE_LIMIT (5) and LOGIN_LOCKOUT_MINUTES (15)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD
from tests.security.accounts.conftest import logged_in_user_id, login

pytestmark = pytest.mark.django_db

LOCKED_TEXT = "Too many failed attempts"


def _fail(client: Client, username: str, times: int, path: str = "") -> Any:
    response = None
    for _ in range(times):
        response = login(client, username, "wrong-password", path)
    return response


def test_settings_default_to_five_failures_and_fifteen_minutes() -> None:
    assert settings.AXES_FAILURE_LIMIT == 5
    assert round(settings.AXES_COOLOFF_TIME * 60) == 15  # hours, as django-axes reads it
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_four_wrong_passwords_still_let_the_right_one_in(member: Any) -> None:
    client = Client()
    assert _fail(client, "mina", 4).status_code == 200
    assert login(client, "mina", PASSWORD).status_code == 302
    assert logged_in_user_id(client) == str(member.user.pk)


def test_the_fifth_wrong_password_locks_even_the_right_one_out(member: Any) -> None:
    client = Client()
    locked = _fail(client, "mina", 5)
    assert locked.status_code == 429
    body = locked.content.decode()
    assert LOCKED_TEXT in body and "Traceback" not in body
    again = login(client, "mina", PASSWORD)
    assert again.status_code == 429
    assert logged_in_user_id(client) is None


def test_the_admin_login_page_is_locked_the_same_way(admin_user: Any) -> None:
    client = Client()
    locked = _fail(client, "ada", 5, path=reverse("admin:login"))
    assert locked.status_code == 429
    assert LOCKED_TEXT in locked.content.decode()
    assert login(client, "ada", PASSWORD, reverse("admin:login")).status_code == 429
    assert client.get(reverse("admin:index")).status_code == 302  # still not logged in


def test_an_attacker_elsewhere_does_not_lock_the_member_out_of_their_own_address(
    member: Any,
) -> None:
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    assert _fail(attacker, "mina", 6).status_code == 429
    own = Client(REMOTE_ADDR="198.51.100.7")
    assert login(own, "mina", PASSWORD).status_code == 302


def test_a_forged_x_forwarded_for_does_not_reset_the_count(member: Any) -> None:
    for n in range(5):
        response = Client(HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").post(
            reverse("login"), {"username": "mina", "password": "wrong-password"}
        )
    assert response.status_code == 429
    forged = Client(HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert login(forged, "mina", PASSWORD).status_code == 429


def test_the_lock_lifts_after_the_cool_off(member: Any) -> None:
    client = Client()
    _fail(client, "mina", 5)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - dt.timedelta(minutes=16)
    )
    assert login(client, "mina", PASSWORD).status_code == 302


def test_a_successful_login_resets_the_count(member: Any) -> None:
    client = Client()
    _fail(client, "mina", 4)
    assert login(client, "mina", PASSWORD).status_code == 302
    client.logout()
    assert _fail(client, "mina", 4).status_code == 200
    assert login(client, "mina", PASSWORD).status_code == 302


def test_an_unknown_username_gets_the_same_lock_and_no_clue(db: None) -> None:
    client = Client()
    first = login(client, "nobody-here", "x")
    assert first.status_code == 200
    assert _fail(client, "nobody-here", 4).status_code == 429


def test_the_lockout_page_escapes_the_submitted_username(db: None) -> None:
    client = Client()
    response = _fail(client, "<script>alert(1)</script>", 5)
    assert response.status_code == 429
    assert "<script>alert(1)" not in response.content.decode()


def test_api_keys_are_untouched_by_a_locked_out_login(organizer: Any) -> None:
    from network_app.apikeys.services import api_key_create

    _key, token = api_key_create(by=organizer.user, name="CRM", scopes=["people:read"])
    _fail(Client(), "olga", 5)
    response = Client().get("/api/v1/people/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


def test_an_api_session_is_made_only_by_the_locked_login_page(member: Any) -> None:
    """The API has no login endpoint of its own: its session comes from /accounts/login/."""
    client = Client()
    _fail(client, "mina", 5)
    assert login(client, "mina", PASSWORD).status_code == 429
    assert client.get("/api/v1/me/").status_code in (401, 403)
