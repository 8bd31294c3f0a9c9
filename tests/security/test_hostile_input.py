"""Hostile input on the member pages and the path API: never a 500, never stored XSS, nothing
lost. A first slice of the trust issue's fuzzing, over what exists today."""

from __future__ import annotations

import pytest
from django.urls import reverse

from people.models import Person, Tie
from tests.factories import CauseFactory, PersonFactory, make_tie

pytestmark = pytest.mark.django_db

HOSTILE = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "Robert'); DROP TABLE people_person;--",
    "' OR 1=1 --",
    "\u202egnp.exe",  # right-to-left override
    "\x00\x01\x07 control",
    "a" * 20_000,
    "😀" * 500,
    "{{ settings.SECRET_KEY }}",
    "%(password)s %s %d",
    "../../etc/passwd",
    "",
    " ",
]
BAD_IDS = ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "1 OR 1=1", "%00", "💥"]


@pytest.mark.parametrize("value", HOSTILE)
def test_directory_search_and_filters_never_fail(member, value):
    url = reverse("people:directory")
    for params in (
        {"q": value},
        {"cause": value},
        {"neighbourhood": value},
        {"sector": value},
        {"organization": value},
        {"page": value},
    ):
        response = member.client.get(url, params)
        assert response.status_code < 500, params
        assert b"<script>alert('x')</script>" not in response.content


@pytest.mark.parametrize("value", BAD_IDS)
def test_garbage_ids_in_urls_are_404_not_500(member, value):
    for path in (
        f"/people/{value}/",
        f"/people/{value}/tie/",
        f"/people/searches/{value}/",
        f"/api/v1/path-searches/{value}/",
        f"/causes/{value}/",
    ):
        response = member.client.get(path)
        assert response.status_code in (404, 405), (path, response.status_code)


@pytest.mark.parametrize("value", HOSTILE)
def test_profile_form_rejects_or_escapes_hostile_text(member, other_member, value):
    # when the member saves hostile text in every free-text profile field
    before = Person.objects.values().get(pk=member.person.pk)
    response = member.client.post(
        reverse("people:me"),
        {
            "display_name": value or "x",
            "pronouns": value[:40],
            "headline": value,
            "bio": value,
            "city": value[:80],
            "neighbourhood": value[:80],
            "sector": "",
            "skills": value,
            "email": "",
            "phone": value[:40],
        },
    )
    # then it is a form error or a redirect, never a server error
    assert response.status_code in (200, 302)
    if response.status_code == 200:  # refused: nothing changed
        assert Person.objects.values().get(pk=member.person.pk) == before
    # and another member sees it escaped, never as markup
    page = other_member.client.get(member.person.get_absolute_url())
    assert page.status_code == 200
    assert b"<script>alert('x')</script>" not in page.content
    assert b"<img src=x onerror" not in page.content


@pytest.mark.parametrize("value", HOSTILE)
def test_record_tie_form_never_fails(member, other_member, value):
    response = member.client.post(
        reverse("people:record_tie", kwargs={"public_id": other_member.person.public_id}),
        {"strength": value, "kind": value, "context": value, "since": value},
    )
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert not Tie.objects.between(member.person, other_member.person).exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"target": "<script>"},
        {"target": None},
        {"target": 12},
        {"target": ["a"]},
        {"k": "3; DROP"},
        {"k": 10**30},
        {"max_hops": -1},
        {"source": "💥"},
        "not an object",
        [1, 2, 3],
    ],
)
def test_path_search_api_bad_payloads_are_400(member, other_member, payload):
    if isinstance(payload, dict):
        payload = {"target": str(other_member.person.public_id), **payload}
    response = member.client.post(
        reverse("api:path-search-list"), payload, content_type="application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "errors"}


def test_path_search_api_malformed_json_is_400(member):
    response = member.client.post(
        reverse("api:path-search-list"), "{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_hostile_names_are_escaped_in_path_cards(member, django_capture_on_commit_callbacks):
    from network_app.celery import app

    evil = PersonFactory(display_name="<script>alert('x')</script>")
    target = PersonFactory(display_name="Target")
    make_tie(member.person, evil, strength=5, context="<img src=x onerror=alert(1)>")
    make_tie(evil, target, strength=5)
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = member.client.post(
                reverse("people:path_search_create", kwargs={"public_id": target.public_id})
            )
    finally:
        app.conf.task_always_eager = previous
    page = member.client.get(response["Location"])
    assert page.status_code == 200
    assert b"<script>alert('x')</script>" not in page.content
    assert b"<img src=x onerror" not in page.content
    assert b"&lt;script&gt;" in page.content


def test_cause_page_with_hostile_offers_is_escaped(member, other_member):
    cause = CauseFactory(name="Food security", slug="food-security")
    other_member.person.interests.create(
        cause=cause, passion=4, offers="<script>alert('x')</script>"
    )
    page = member.client.get(cause.get_absolute_url())
    assert page.status_code == 200
    assert b"<script>alert('x')</script>" not in page.content
