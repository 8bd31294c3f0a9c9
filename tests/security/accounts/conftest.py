"""Helpers for the account tests: real TOTP codes from a device's key, and logins through the
login form (so django-axes and the two-step login take part, unlike ``force_login``)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or ``steps_ahead`` 30-second steps later:
    a code is accepted once, so a second verification uses the next step's code)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code_for(device: TOTPDevice) -> str:
    right = {code_for(device, step) for step in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def login(client: Client, username: str, password: str, path: str = "") -> Any:
    return client.post(path or reverse("login"), {"username": username, "password": password})


def logged_in_user_id(client: Client) -> Any:
    return client.session.get("_auth_user_id")


@pytest.fixture
def device_for() -> Any:
    """``device_for(user)``: a confirmed TOTP device, as after the enable page."""

    def make(user: Any) -> TOTPDevice:
        return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)

    return make


@pytest.fixture
def no_code_throttle(settings: Any) -> None:
    """django-otp also slows down codes after a wrong one (1 s, 2 s, 4 s ...); tests that
    enter a wrong code and then a right one lift that delay (django-axes still counts)."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
