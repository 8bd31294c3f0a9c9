"""Passwords: Argon2 in production, Django's four validators on every form that sets one."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory
from tests.security.accounts.conftest import login

pytestmark = pytest.mark.django_db

STRONG = "lantern-orchard-42-quietly"


def test_production_settings_put_argon2_first_and_keep_the_four_validators() -> None:
    assert settings.PRODUCTION_PASSWORD_HASHERS[0] == (
        "django.contrib.auth.hashers.Argon2PasswordHasher"
    )
    names = {v["NAME"].rsplit(".", 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS}
    assert names == {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    }


@override_settings(PASSWORD_HASHERS=settings.PRODUCTION_PASSWORD_HASHERS)
def test_a_password_changed_through_the_app_is_stored_as_argon2(member: Any) -> None:
    member.user.set_password(PASSWORD)  # the suite's users carry fast test hashes
    member.user.save(update_fields=["password"])
    member.client.force_login(member.user)
    response = member.client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": STRONG, "new_password2": STRONG},
    )
    assert response.status_code == 302
    member.user.refresh_from_db()
    assert member.user.password.startswith("argon2$argon2id$")
    assert member.user.check_password(STRONG)


@override_settings(PASSWORD_HASHERS=settings.PRODUCTION_PASSWORD_HASHERS)
def test_an_older_pbkdf2_hash_is_upgraded_to_argon2_at_the_next_login() -> None:
    user: Any = UserFactory(username="legacy")
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    response = login(Client(), "legacy", PASSWORD)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


@pytest.mark.parametrize(
    ("weak", "message"),
    [
        ("short1", "This password is too short"),
        ("password123", "This password is too common"),
        ("84736251947362", "This password is entirely numeric"),
        ("mina@example", "The password is too similar to the email address"),
    ],
)
def test_a_weak_password_is_refused_on_the_change_form_with_a_readable_error(
    member: Any, weak: str, message: str
) -> None:
    response = member.client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    member.user.refresh_from_db()
    assert member.user.check_password(PASSWORD)


def test_the_user_model_is_djangos() -> None:
    # The similarity validator compares with username and email of this model.
    assert get_user_model()._meta.label == "auth.User"
