"""Sessions: a new key at login (fixation), and a password change or reset ends every other
session of the account."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD
from tests.security.accounts.conftest import logged_in_user_id, login

pytestmark = pytest.mark.django_db

NEW = "lantern-orchard-42-quietly"


def test_logging_in_gives_a_new_session_key(member: Any) -> None:
    client = Client()
    client.get(reverse("login"))
    session = client.session
    session["planted"] = "by an attacker"
    session.save()
    before = session.session_key
    assert client.cookies["sessionid"].value == before
    assert login(client, "mina", PASSWORD).status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    assert logged_in_user_id(client) == str(member.user.pk)
    # the planted key no longer names a logged-in session
    planted = Client()
    planted.cookies["sessionid"] = before
    assert planted.get(reverse("people:me")).status_code == 302


def _second_browser() -> Client:
    other = Client()
    assert login(other, "mina", PASSWORD).status_code == 302
    assert other.get(reverse("people:me")).status_code == 200
    return other


def test_a_password_change_logs_out_the_other_browsers_but_not_this_one(member: Any) -> None:
    other = _second_browser()
    response = member.client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    assert member.client.get(reverse("people:me")).status_code == 200
    gone = other.get(reverse("people:me"))
    assert gone.status_code == 302 and gone["Location"].startswith(reverse("login"))


def test_a_password_reset_logs_out_every_browser(member: Any) -> None:
    other = _second_browser()
    anonymous = Client()
    anonymous.post(reverse("password_reset"), {"email": member.user.email})
    link = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body)
    assert link is not None
    form = anonymous.get(link.group(1), follow=True)
    assert form.status_code == 200
    done = anonymous.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302
    assert other.get(reverse("people:me")).status_code == 302
    assert member.client.get(reverse("people:me")).status_code == 302
    assert login(Client(), "mina", NEW).status_code == 302


def test_the_password_change_page_refuses_strangers(stranger: Any) -> None:
    response = stranger.client.get(reverse("password_change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_log_out_everywhere_else_keeps_only_this_browser(member: Any) -> None:
    other = _second_browser()
    url = reverse("accounts:sessions_end_others")
    wrong = member.client.post(url, {"password": "not-it"})
    assert wrong.status_code == 400
    assert other.get(reverse("people:me")).status_code == 200
    done = member.client.post(url, {"password": PASSWORD})
    assert done.status_code == 302
    assert member.client.get(reverse("people:me")).status_code == 200
    assert other.get(reverse("people:me")).status_code == 302
    assert login(Client(), "mina", PASSWORD).status_code == 302  # same password


def test_log_out_everywhere_else_is_for_logged_in_people_and_counts_wrong_passwords(
    member: Any, stranger: Any
) -> None:
    url = reverse("accounts:sessions_end_others")
    assert stranger.client.post(url, {"password": PASSWORD}).status_code == 302
    for _ in range(4):
        assert member.client.post(url, {"password": "guess"}).status_code == 400
    assert member.client.post(url, {"password": "guess"}).status_code == 429
    assert member.client.post(url, {"password": PASSWORD}).status_code == 429
