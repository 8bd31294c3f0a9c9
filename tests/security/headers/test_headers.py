"""Security headers on real responses of every kind of page.

Each page type (directory, profile, map, dashboard, admin, API docs, API JSON, login, an error
page) is fetched as the persona who may see it, and the response must carry the
Content-Security-Policy (no inline or eval'd script, no inline style), frame protection,
Referrer-Policy, nosniff and Cross-Origin-Opener-Policy; over HTTPS also HSTS. The HTML of
each page must hold no inline script, event handler, ``javascript:`` URL or inline style,
since the policy would block them.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.contrib import admin
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from tests.conftest import Persona
from tests.factories import PASSWORD, PersonFactory

pytestmark = pytest.mark.django_db

EXPECTED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
}


def parse_csp(header: str) -> dict[str, list[str]]:
    policy: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            policy[words[0]] = words[1:]
    return policy


class InlineCodeFinder(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block in an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_inline_script = False
        self._script_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name == "style":
                self.found.append(f"<{tag} style={value!r}>")
            if name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "style":
            self.found.append("<style> element")
        if tag == "script" and "src" not in values:
            kind = (values.get("type") or "").lower()
            if kind != "application/json":
                self._in_inline_script = True
                self._script_text = ""

    def handle_data(self, data: str) -> None:
        if self._in_inline_script:
            self._script_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_inline_script:
            self._in_inline_script = False
            if self._script_text.strip():
                self.found.append(f"inline <script>: {self._script_text.strip()[:80]!r}")


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def test_the_inline_code_finder_finds_what_the_policy_blocks() -> None:
    # Guards the page tests below against passing because the finder sees nothing.
    html = (
        '<script>alert(1)</script><script type="application/json">{"a": 1}</script>'
        '<script src="/static/x.js"></script><img src=x onerror="alert(1)">'
        '<a href=" JavaScript:alert(1)">x</a><p style="color:red">x</p><style>p{}</style>'
    )

    found = inline_code(html)

    assert len(found) == 5, found
    assert inline_code('<script type="application/json">{"a": "</p>"}</script>') == []


def assert_security_headers(response: HttpResponse) -> None:
    policy = parse_csp(response["Content-Security-Policy"])
    assert policy == EXPECTED_CSP, response["Content-Security-Policy"]
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.fixture
def page_urls(
    member: Persona,
    organizer: Persona,
    admin_user: Persona,
    stranger: Persona,
) -> dict[str, tuple[Client, str]]:
    assert member.person is not None
    listed = PersonFactory(display_name="Lee Listed")
    return {
        "login": (stranger.client, reverse("login")),
        "directory": (member.client, reverse("people:directory")),
        "profile": (member.client, listed.get_absolute_url()),
        "my profile form": (member.client, reverse("people:me")),
        "map": (organizer.client, reverse("dashboard:map")),
        "map side panel": (organizer.client, reverse("dashboard:person", args=[listed.public_id])),
        "table view": (organizer.client, reverse("dashboard:table")),
        "dashboard": (organizer.client, reverse("dashboard:overview")),
        "two-factor setup (QR code)": (organizer.client, reverse("accounts:two_factor")),
        "invitations": (organizer.client, reverse("accounts:invitations")),
        "admin index": (admin_user.client, reverse("admin:index")),
        "admin list": (admin_user.client, reverse("admin:people_person_changelist")),
        "admin form": (admin_user.client, reverse("admin:people_person_change", args=[listed.pk])),
        "admin users": (admin_user.client, reverse("admin:auth_user_changelist")),
        "API docs": (stranger.client, reverse("api:docs")),
        "API browsable": (member.client, reverse("api:person-list")),
        "404 page": (member.client, "/people/not-a-page/"),
    }


PAGES = [
    "login",
    "directory",
    "profile",
    "my profile form",
    "map",
    "map side panel",
    "table view",
    "dashboard",
    "two-factor setup (QR code)",
    "invitations",
    "admin index",
    "admin list",
    "admin form",
    "admin users",
    "API docs",
    "API browsable",
    "404 page",
]


@pytest.mark.parametrize("page", PAGES)
def test_every_html_page_carries_the_policy_and_holds_no_inline_code(
    page: str, page_urls: dict[str, tuple[Client, str]]
) -> None:
    client, url = page_urls[page]

    response = client.get(url, HTTP_ACCEPT="text/html")

    assert response.status_code in (200, 404), (page, response.status_code)
    assert response["Content-Type"].startswith("text/html")
    assert_security_headers(response)
    assert inline_code(response.content.decode()) == [], page


@pytest.mark.parametrize(
    "url",
    ["/api/v1/me/", "/api/v1/people/", "/api/v1/schema/", "/api/v1/no-such-endpoint/", "/healthz"],
)
def test_api_and_json_responses_carry_the_headers(member: Persona, url: str) -> None:
    response = member.client.get(url, HTTP_ACCEPT="application/json")

    # (/healthz answers 503 on PostgreSQL + Redis when no worker runs: that is its report)
    assert response.status_code < 500 or url == "/healthz", response.status_code
    assert response.status_code != 500
    assert_security_headers(response)


def test_https_responses_carry_hsts_and_plain_http_does_not(member: Persona) -> None:
    url = reverse("people:directory")

    over_https = member.client.get(url, secure=True)
    over_http = member.client.get(url)

    assert over_https["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "Strict-Transport-Security" not in over_http


def test_the_login_cookies_are_httponly_samesite_and_secure_when_configured(
    settings: Any, member: Persona
) -> None:
    # The production values (DEBUG off, not under the test runner); the subprocess test in
    # test_production.py proves that production settings resolve to them.
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    client = Client()

    client.get(reverse("login"), secure=True)
    response = client.post(
        reverse("login"),
        {"username": member.user.username, "password": PASSWORD},
        secure=True,
    )

    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["httponly"] is True
    assert session["secure"] is True
    assert session["samesite"] == "Lax"
    csrf = client.cookies["csrftoken"]
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"


TEMPLATES_DIR = Path(__file__).resolve().parents[3] / "templates"


@pytest.mark.parametrize(
    "template",
    sorted(str(p.relative_to(TEMPLATES_DIR)) for p in TEMPLATES_DIR.rglob("*.html")),
)
def test_no_template_holds_inline_code(template: str) -> None:
    # Also the partials and pages the tests above do not render (emails are plain text).
    text = (TEMPLATES_DIR / template).read_text()
    text = re.sub(r"{#.*?#}|{% comment %}.*?{% endcomment %}", "", text, flags=re.DOTALL)

    assert inline_code(text) == []


def test_every_admin_list_and_add_form_holds_no_inline_code(admin_user: Persona) -> None:
    pages = 0
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        url = reverse("admin:{}_{}_changelist".format(*info))
        response = admin_user.client.get(url)
        assert response.status_code == 200, url
        assert inline_code(response.content.decode()) == [], url
        pages += 1
        add = admin_user.client.get(reverse("admin:{}_{}_add".format(*info)))
        if add.status_code == 200:
            assert inline_code(add.content.decode()) == [], info
            pages += 1
    assert pages > 20
