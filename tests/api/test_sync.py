"""Sync feeds: cursor pages over (updated_at, id) lose and repeat nothing while rows are
inserted and changed between pages; hidden people never appear; bad cursors are 400s."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from people.models import Person, Tie
from tests.factories import PersonFactory, make_tie

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_settle_window(settings):
    settings.API_SYNC_SETTLE_SECONDS = 0


def client_for(persona) -> APIClient:
    client = APIClient()
    client.force_login(persona.user)
    return client


def drain(client: APIClient, url: str, params: dict, between=None) -> tuple[list[str], str]:
    """Follow the feed to its end, calling ``between(page_number)`` after each page."""
    seen: list[str] = []
    page = 0
    while True:
        body = client.get(url, params).json()
        seen += [row["id"] for row in body["results"]]
        params = {"cursor": body["next_cursor"], "page_size": params.get("page_size", 100)}
        page += 1
        if between is not None:
            between(page)
        if not body["has_more"]:
            return seen, body["next_cursor"]


def test_people_sync_loses_and_repeats_nothing_under_concurrent_inserts(organizer):
    # given 25 people, and inserts and changes happening while the partner pages through
    for i in range(25):
        PersonFactory(display_name=f"P{i:02}", visibility="organizers")
    inserted: list[str] = []
    changed: list[str] = []

    def meanwhile(page: int) -> None:
        if page <= 4:
            inserted.append(str(PersonFactory(visibility="organizers").public_id))
            victim = Person.objects.order_by("id").first()
            assert victim is not None
            victim.headline = f"changed {page}"
            victim.save()
            changed.append(str(victim.public_id))

    # when it syncs in pages of 7
    seen, cursor = drain(client_for(organizer), "/api/v1/people/sync/", {"page_size": 7}, meanwhile)

    # then every person arrived; a row appears twice only because it changed after it was sent
    everyone = {str(p) for p in Person.objects.values_list("public_id", flat=True)}
    assert set(seen) == everyone
    repeats = {pid for pid in seen if seen.count(pid) > 1}
    assert repeats <= set(changed)
    assert set(inserted) <= set(seen)
    # and polling later with the last cursor gives only what changed since
    newcomer = PersonFactory(visibility="organizers")
    later = client_for(organizer).get("/api/v1/people/sync/", {"cursor": cursor}).json()
    assert [r["id"] for r in later["results"]] == [str(newcomer.public_id)]


def test_updated_since_starts_the_feed_at_that_time(organizer):
    old = PersonFactory(visibility="organizers")
    Person.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=3))
    new = PersonFactory(visibility="organizers")
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    body = client_for(organizer).get("/api/v1/people/sync/", {"updated_since": since}).json()
    found = {r["id"] for r in body["results"]}
    assert str(new.public_id) in found and str(old.public_id) not in found


def test_the_people_feed_never_carries_hidden_people(organizer, hidden_member):
    seen, _ = drain(client_for(organizer), "/api/v1/people/sync/", {"page_size": 2})
    assert str(hidden_member.person.public_id) not in seen


def test_ties_sync_loses_and_repeats_nothing_under_concurrent_inserts(organizer):
    people = [PersonFactory(visibility="organizers") for _ in range(12)]
    for a, b in itertools.pairwise(people):
        make_tie(a, b)
    extra = iter(people[2:])

    def meanwhile(page: int) -> None:
        other = next(extra)
        if page <= 3 and not Tie.objects.between(people[0], other).exists():
            make_tie(people[0], other)

    seen, _ = drain(client_for(organizer), "/api/v1/ties/sync/", {"page_size": 3}, meanwhile)
    assert sorted(seen) == sorted(str(t) for t in Tie.objects.values_list("public_id", flat=True))


def test_rows_still_settling_wait_for_the_next_poll(organizer, settings):
    settings.API_SYNC_SETTLE_SECONDS = 60
    fresh = PersonFactory(visibility="organizers")
    body = client_for(organizer).get("/api/v1/people/sync/").json()
    assert str(fresh.public_id) not in {r["id"] for r in body["results"]}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "100000"}, "page_size"),
    ],
)
def test_bad_sync_parameters_are_field_errors(organizer, params, field):
    response = client_for(organizer).get("/api/v1/ties/sync/", params)
    assert response.status_code == 400
    assert field in response.json()["errors"]
