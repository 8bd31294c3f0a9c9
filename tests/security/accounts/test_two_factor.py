"""Two-factor login (TOTP) for organizers and admins, with real codes from the device key."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from people.models import AuditEvent
from tests.factories import PASSWORD
from tests.security.accounts.conftest import code_for, logged_in_user_id, login, wrong_code_for

pytestmark = pytest.mark.django_db

PAGE = "/accounts/two-factor/"
CODE_STEP = "/accounts/login/code/"


def _enter(client: Client, code: str, path: str = CODE_STEP) -> Any:
    return client.post(path, {"code": code})


def test_an_organizer_turns_it_on_with_a_qr_code_and_one_code(organizer: Any) -> None:
    page = organizer.client.get(PAGE)
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and "<script" not in body.split("<main", 1)[1]
    assert not re.search(r"\son[a-z]+=", body)  # no inline event handlers (CSP)
    device = TOTPDevice.objects.get(user=organizer.user, confirmed=False)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', body)
    assert secret is not None
    raw = secret.group(1).replace(" ", "")
    assert base64.b32decode(raw + "=" * (-len(raw) % 8)) == device.bin_key
    assert _enter(organizer.client, wrong_code_for(device), PAGE).status_code == 400
    device.refresh_from_db()
    assert not device.confirmed


def test_a_valid_code_confirms_the_device_and_is_audited(organizer: Any) -> None:
    organizer.client.get(PAGE)
    device = TOTPDevice.objects.get(user=organizer.user)
    response = _enter(organizer.client, code_for(device), PAGE)
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="two_factor.enable", actor=organizer.user).exists()
    assert "Two-factor login is on" in organizer.client.get(PAGE).content.decode()
    # the session that turned it on stays in, also in the admin for a staff user
    assert organizer.client.get(reverse("people:me")).status_code == 200


def test_members_cannot_see_the_page_and_strangers_must_log_in(member: Any, stranger: Any) -> None:
    assert member.client.get(PAGE).status_code == 403
    assert member.client.post(PAGE, {"code": "123456"}).status_code == 403
    assert member.client.post(PAGE + "disable/", {"code": "123456"}).status_code == 403
    assert not TOTPDevice.objects.exists()
    assert stranger.client.get(PAGE)["Location"].startswith(reverse("login"))


def test_login_asks_for_the_code_after_the_password(organizer: Any, device_for: Any) -> None:
    device = device_for(organizer.user)
    client = Client()
    response = login(client, "olga", PASSWORD)
    assert response.status_code == 302 and response["Location"] == CODE_STEP
    assert logged_in_user_id(client) is None
    assert client.get(reverse("people:me")).status_code == 302  # not logged in yet
    page = client.get(CODE_STEP)
    assert page.status_code == 200 and "Enter your code" in page.content.decode()
    before = client.cookies["sessionid"].value
    done = _enter(client, code_for(device))
    assert done.status_code == 302 and done["Location"] == reverse("people:directory")
    assert logged_in_user_id(client) == str(organizer.user.pk)
    assert client.cookies["sessionid"].value != before
    assert client.get(reverse("people:me")).status_code == 200


def test_login_keeps_the_next_page_through_the_code_step(organizer: Any, device_for: Any) -> None:
    device = device_for(organizer.user)
    client = Client()
    client.post(reverse("login"), {"username": "olga", "password": PASSWORD, "next": "/dashboard/"})
    assert _enter(client, code_for(device))["Location"] == "/dashboard/"


def test_a_code_is_accepted_only_once(organizer: Any, device_for: Any) -> None:
    device = device_for(organizer.user)
    first = Client()
    login(first, "olga", PASSWORD)
    code = code_for(device)
    assert _enter(first, code).status_code == 302
    replay = Client()
    login(replay, "olga", PASSWORD)
    assert _enter(replay, code).status_code == 400
    assert logged_in_user_id(replay) is None


def test_the_code_step_needs_the_password_step_first(organizer: Any, device_for: Any) -> None:
    device = device_for(organizer.user)
    client = Client()
    response = _enter(client, code_for(device))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert logged_in_user_id(client) is None


def test_wrong_codes_lock_like_wrong_passwords(
    organizer: Any, device_for: Any, no_code_throttle: None
) -> None:
    device = device_for(organizer.user)
    client = Client()
    login(client, "olga", PASSWORD)
    wrong = wrong_code_for(device)
    for _ in range(4):
        assert _enter(client, wrong).status_code == 400
    locked = _enter(client, wrong)
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.content.decode()
    # now even the right code and the right password are refused
    assert _enter(client, code_for(device)).status_code == 429
    assert login(Client(), "olga", PASSWORD).status_code == 429
    assert logged_in_user_id(client) is None


def test_a_wrong_code_then_the_right_one_logs_in(
    organizer: Any, device_for: Any, no_code_throttle: None
) -> None:
    device = device_for(organizer.user)
    client = Client()
    login(client, "olga", PASSWORD)
    assert _enter(client, wrong_code_for(device)).status_code == 400
    assert _enter(client, code_for(device)).status_code == 302
    assert logged_in_user_id(client) == str(organizer.user.pk)


def test_the_admin_login_asks_for_the_code_too(admin_user: Any, device_for: Any) -> None:
    device = device_for(admin_user.user)
    client = Client()
    response = client.post(
        reverse("admin:login"), {"username": "ada", "password": PASSWORD, "next": "/admin/"}
    )
    assert response["Location"] == CODE_STEP
    assert client.get("/admin/").status_code == 302
    assert _enter(client, code_for(device))["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_admin_refuses_an_unverified_session_of_a_user_with_a_device(
    admin_user: Any, device_for: Any
) -> None:
    device = device_for(admin_user.user)
    # admin_user's client was logged in without a code (as before the device existed)
    response = admin_user.client.get("/admin/people/person/")
    assert response.status_code == 302
    assert response["Location"].startswith(CODE_STEP)
    done = _enter(admin_user.client, code_for(device), response["Location"])
    assert done["Location"] == "/admin/people/person/"
    assert admin_user.client.get("/admin/people/person/").status_code == 200


def test_an_admin_without_a_device_uses_the_admin_as_before(admin_user: Any) -> None:
    assert admin_user.client.get("/admin/").status_code == 200


def test_turning_it_off_needs_a_current_code(
    organizer: Any, device_for: Any, no_code_throttle: None
) -> None:
    device = device_for(organizer.user)
    refused = organizer.client.post(PAGE + "disable/", {"code": wrong_code_for(device)})
    assert refused.status_code == 400
    assert TOTPDevice.objects.filter(user=organizer.user, confirmed=True).exists()
    done = organizer.client.post(PAGE + "disable/", {"code": code_for(device)})
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=organizer.user).exists()
    assert AuditEvent.objects.filter(action="two_factor.disable", actor=organizer.user).exists()
    client = Client()
    assert login(client, "olga", PASSWORD)["Location"] == reverse("people:directory")


def test_a_member_without_a_device_logs_in_with_the_password_alone(member: Any) -> None:
    response = login(Client(), "mina", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("people:directory")


def test_hostile_codes_get_a_form_error_not_a_500(organizer: Any, device_for: Any) -> None:
    device_for(organizer.user)
    client = Client()
    login(client, "olga", PASSWORD)
    for code in ("", "abc", "1" * 50, "12\x0034", "<script>"):
        assert _enter(client, code).status_code in (400, 429)


def test_the_admin_never_shows_a_device_key(admin_user: Any, organizer: Any) -> None:
    device = TOTPDevice.objects.create(user=organizer.user, name="Phone", confirmed=True)
    url = reverse("admin:otp_totp_totpdevice_change", args=[device.pk])
    page = admin_user.client.get(url)
    assert page.status_code == 200
    assert device.key not in page.content.decode()
    qr = admin_user.client.get(url.replace("/change/", "/config/"))
    assert qr.status_code in (403, 404) or device.key not in qr.content.decode()
