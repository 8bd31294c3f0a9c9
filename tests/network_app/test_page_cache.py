"""The page cache (network_app/page_cache.py): pages and API lists come from the cache while
the data is unchanged, and every change, whoever makes it and however, shows at once.

Runs on SQLite and on PostgreSQL (CI's second pass), each with its own triggers."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from causes.models import Cause, Interest
from network_app.models import DataVersion
from network_app.page_cache import data_version
from people.audit import CONTACT_VIEWED
from people.models import (
    Affiliation,
    AuditEvent,
    Notification,
    Organization,
    Person,
    Tie,
    Visibility,
)
from people.roles import make_organizer
from tests.conftest import Persona
from tests.factories import (
    AffiliationFactory,
    CauseFactory,
    InterestFactory,
    OrganizationFactory,
    PersonFactory,
    make_tie,
)
from tests.people.test_me_views import privacy_data, profile_data

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("people:directory")
API_PEOPLE = reverse("api:person-list")
API_TIES = reverse("api:tie-list")


def _profile(person: Person) -> str:
    return reverse("people:profile", args=[person.public_id])


def _queries(client: Client, url: str, **extra: Any) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
    assert response.status_code == 200, response.content[:300]
    return len(captured.captured_queries), response


# --- the data version ------------------------------------------------------------------------


def _tracked_rows() -> dict[str, Any]:
    person = PersonFactory(display_name="Tracked Person")
    other = PersonFactory()
    organization = OrganizationFactory()
    cause = CauseFactory(name="Tracked Cause")
    return {
        "person": person,
        "tie": make_tie(person, other),
        "affiliation": AffiliationFactory(person=person, organization=organization),
        "organization": organization,
        "interest": InterestFactory(person=person, cause=cause),
        "cause": cause,
    }


CHANGES = {
    "save": lambda obj: obj.save(),
    "queryset update (no signals)": lambda obj: (
        type(obj).objects.filter(pk=obj.pk).update(updated_at=obj.updated_at)
        if hasattr(obj, "updated_at")
        else type(obj).objects.filter(pk=obj.pk).update(name=obj.name)
    ),
    "raw SQL": lambda obj: connection.cursor().execute(
        f"UPDATE {type(obj)._meta.db_table} SET id = id WHERE id = %s",  # noqa: S608
        [obj.pk],
    ),
    "delete": lambda obj: obj.delete(),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize(
    "kind", ["person", "tie", "affiliation", "organization", "interest", "cause"]
)
def test_every_write_to_the_data_behind_pages_makes_a_new_version(kind: str, change: str) -> None:
    obj = _tracked_rows()[kind]
    before = data_version()
    assert data_version() == before  # reading does not change it
    CHANGES[change](obj)
    assert data_version() != before


def test_bulk_inserts_make_a_new_version() -> None:
    before = data_version()
    Person.objects.bulk_create([Person(display_name="Bulk One"), Person(display_name="Bulk Two")])
    assert data_version() != before


def test_writes_to_other_tables_keep_the_version(member: Persona) -> None:
    before = data_version()
    Notification.objects.create(recipient=member.person, kind="introduction_request")
    AuditEvent.objects.create(
        channel=AuditEvent.Channel.WEB, action="test", object_type="person", object_id="1"
    )
    assert data_version() == before


def test_a_rolled_back_change_never_comes_back_as_the_version() -> None:
    person = PersonFactory(display_name="Before")
    before = data_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        Person.objects.filter(pk=person.pk).update(display_name="Rolled back")
        inside = data_version()
        raise RuntimeError
    assert inside != before
    assert data_version() == before  # the same data as before: the same version
    Person.objects.filter(pk=person.pk).update(display_name="Committed")
    assert data_version() not in {before, inside}


def test_versions_are_kept_in_bounded_slots() -> None:
    for n in range(5):
        PersonFactory(display_name=f"Slot {n}")
    slots = list(DataVersion.objects.values_list("slot", flat=True))
    assert all(0 <= s <= DataVersion.SLOTS for s in slots)
    assert len(slots) <= DataVersion.SLOTS + 1


# --- pages and lists come from the cache --------------------------------------------------------


@pytest.mark.parametrize("page", ["directory", "profile", "api people", "api ties"])
def test_a_repeated_read_comes_from_the_cache(
    organizer: Persona, member: Persona, page: str
) -> None:
    make_tie(organizer.person, member.person)
    url = {
        "directory": DIRECTORY,
        "profile": _profile(member.person),
        "api people": API_PEOPLE,
        "api ties": API_TIES,
    }[page]
    first, response_1 = _queries(organizer.client, url)
    second, response_2 = _queries(organizer.client, url)
    assert second < first
    if page.startswith("api"):
        assert response_2.json() == response_1.json()
    else:
        assert "Mina Member" in response_2.content.decode()


@pytest.mark.parametrize("seconds", [300, 0])
def test_the_cache_can_be_turned_off(organizer: Persona, settings: Any, seconds: int) -> None:
    settings.PAGE_CACHE_SECONDS = seconds
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            assert organizer.client.get(DIRECTORY).status_code == 200
    # The cards' interests are read only when the page of people is built.
    built = any('"causes_interest"' in q["sql"] for q in captured.captured_queries)
    assert built is (seconds == 0)


# --- every change shows at once -------------------------------------------------------------


def test_a_rename_without_signals_shows_everywhere_at_once(
    organizer: Persona, member: Persona
) -> None:
    make_tie(organizer.person, member.person)
    urls = [DIRECTORY, _profile(member.person), _profile(organizer.person), API_PEOPLE]
    for url in urls:
        assert "Mina Member" in organizer.client.get(url).content.decode()
    Person.objects.filter(pk=member.person.pk).update(display_name="Mina Renamed")
    for url in urls:
        body = organizer.client.get(url).content.decode()
        assert "Mina Renamed" in body, url
        assert "Mina Member" not in body, url


def test_hiding_by_raw_sql_removes_a_person_from_every_cached_read(
    member: Persona, other_member: Persona
) -> None:
    make_tie(member.person, other_member.person)
    assert "Omar Other" in member.client.get(DIRECTORY).content.decode()
    assert member.client.get(_profile(other_member.person)).status_code == 200
    assert "Omar Other" in member.client.get(API_PEOPLE).content.decode()
    assert member.client.get(API_TIES).json()["count"] == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE people_person SET visibility = 'hidden' WHERE id = %s", [other_member.person.pk]
        )
    assert "Omar Other" not in member.client.get(DIRECTORY).content.decode()
    assert member.client.get(_profile(other_member.person)).status_code == 404
    assert "Omar Other" not in member.client.get(API_PEOPLE).content.decode()
    assert member.client.get(API_TIES).json()["count"] == 0


def test_interests_causes_affiliations_and_ties_show_at_once(
    organizer: Persona, member: Persona
) -> None:
    profile = _profile(member.person)
    assert "Tenant Rights" not in organizer.client.get(DIRECTORY).content.decode()
    cause = CauseFactory(name="Tenant Rights")
    interest = InterestFactory(person=member.person, cause=cause)
    assert "Tenant Rights" in organizer.client.get(DIRECTORY).content.decode()
    Cause.objects.filter(pk=cause.pk).update(name="Housing Justice")
    body = organizer.client.get(profile).content.decode()
    assert "Housing Justice" in body and "Tenant Rights" not in body
    Interest.objects.filter(pk=interest.pk).delete()
    assert "Housing Justice" not in organizer.client.get(profile).content.decode()

    organization = OrganizationFactory(name="Riverton Food Co-op")
    Affiliation.objects.create(person=member.person, organization=organization, role="Treasurer")
    assert "Riverton Food Co-op" in organizer.client.get(profile).content.decode()
    Organization.objects.filter(pk=organization.pk).update(name="Riverton Grocery Co-op")
    assert "Riverton Grocery Co-op" in organizer.client.get(profile).content.decode()

    assert "No ties you can see." in organizer.client.get(profile).content.decode()
    tie = make_tie(organizer.person, member.person)
    assert "Olga Organizer" in organizer.client.get(profile).content.decode()
    Tie.objects.filter(pk=tie.pk).delete()
    assert "No ties you can see." in organizer.client.get(profile).content.decode()


def test_changes_made_through_the_site_show_on_the_next_page(
    member: Persona, other_member: Persona
) -> None:
    assert "Mina Member" in other_member.client.get(DIRECTORY).content.decode()
    edited = member.client.post(
        reverse("people:me"), profile_data(member.person, display_name="Mina Edited")
    )
    assert edited.status_code == 302
    body = other_member.client.get(DIRECTORY).content.decode()
    assert "Mina Edited" in body and "Mina Member" not in body
    hidden = member.client.post(
        reverse("people:me_privacy"), privacy_data(visibility=Visibility.HIDDEN)
    )
    assert hidden.status_code == 302
    assert "Mina Edited" not in other_member.client.get(DIRECTORY).content.decode()
    assert other_member.client.get(_profile(member.person)).status_code == 404


# --- who is looking --------------------------------------------------------------------------


def test_viewers_never_share_an_entry(
    organizer: Persona, member: Persona, organizers_only_person: Person
) -> None:
    for url in (DIRECTORY, API_PEOPLE, _profile(organizers_only_person)):
        assert organizer.client.get(url).status_code == 200
    assert "Otto Organizers-Only" in organizer.client.get(DIRECTORY).content.decode()
    assert "Otto Organizers-Only" not in member.client.get(DIRECTORY).content.decode()
    assert "Otto Organizers-Only" not in member.client.get(API_PEOPLE).content.decode()
    assert member.client.get(_profile(organizers_only_person)).status_code == 404
    # A new role counts at once, though it changes no cached table.
    make_organizer(member.user)
    assert "Otto Organizers-Only" in member.client.get(DIRECTORY).content.decode()
    assert member.client.get(_profile(organizers_only_person)).status_code == 200


def test_members_share_the_directory_but_a_hidden_member_sees_their_own(
    member: Persona, other_member: Persona, hidden_member: Persona
) -> None:
    first, _ = _queries(member.client, DIRECTORY)
    shared, response = _queries(other_member.client, DIRECTORY)
    assert shared < first  # the same people for every member: one entry
    assert "Omar Other" in response.content.decode()
    # Hana's own hidden person widens what she sees: her own entry, shown to her alone.
    assert "Hana Hidden" in hidden_member.client.get(DIRECTORY).content.decode()
    assert "Hana Hidden" not in member.client.get(DIRECTORY).content.decode()
    assert "Hana Hidden" not in other_member.client.get(DIRECTORY + "?q=Hana").content.decode()
    assert "Hana Hidden" in hidden_member.client.get(DIRECTORY + "?q=Hana").content.decode()


def test_a_strangers_request_is_never_answered_from_the_cache(organizer: Persona) -> None:
    assert organizer.client.get(DIRECTORY).status_code == 200
    response = Client().get(DIRECTORY)
    assert response.status_code == 302
    assert Client().get(API_PEOPLE).status_code in (401, 403)


def test_each_browser_gets_its_own_csrf_token_on_a_cached_profile(
    member: Persona, other_member: Persona
) -> None:
    url = _profile(other_member.person)
    browsers = [Client(enforce_csrf_checks=True) for _ in range(2)]
    for browser in browsers:
        browser.force_login(member.user)
    for browser in browsers:
        page = browser.get(url)
        assert page.status_code == 200
        token = page.context["csrf_token"]
        posted = browser.post(
            reverse("people:path_search_create", args=[other_member.person.public_id]),
            {"csrfmiddlewaretoken": str(token)},
        )
        assert posted.status_code != 403


def test_admins_are_never_served_from_the_cache_and_every_contact_read_is_logged(
    admin_user: Persona, member: Persona
) -> None:
    url = _profile(member.person)
    for _ in range(2):
        body = admin_user.client.get(url).content.decode()
        assert member.person.email in body
    reads = AuditEvent.objects.filter(action=CONTACT_VIEWED, object_id=str(member.person.public_id))
    assert reads.count() == 2


def test_an_htmx_request_gets_the_same_results_as_the_page(
    organizer: Persona, member: Persona
) -> None:
    page = organizer.client.get(DIRECTORY + "?q=Mina").content.decode()
    fragment = organizer.client.get(DIRECTORY + "?q=Mina", HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert body.strip().startswith('<section id="results"')
    assert body.strip() in page
    assert "<form" not in body


def test_bad_filters_are_refused_every_time_and_cache_nothing(organizer: Persona) -> None:
    for _ in range(2):
        response = organizer.client.get(API_PEOPLE + "?sector=not-a-sector")
        assert response.status_code == 400
        assert "sector" in response.json()["errors"]
    assert organizer.client.get(API_PEOPLE).status_code == 200


def test_api_links_follow_the_host_asked_for(organizer: Persona, settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["testserver", "partner.example"]
    PersonFactory.create_batch(settings.REST_FRAMEWORK["PAGE_SIZE"])
    first = organizer.client.get(API_PEOPLE).json()
    other = organizer.client.get(API_PEOPLE, HTTP_HOST="partner.example").json()
    assert first["next"].startswith("http://testserver/")
    assert other["next"].startswith("http://partner.example/")


# --- concurrent writers (PostgreSQL) ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_wait_for_each_other_and_only_commits_count() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs two concurrent connections (runs in CI's PostgreSQL pass)")
    import psycopg2  # type: ignore[import-untyped]

    one, two = PersonFactory(display_name="One"), PersonFactory(display_name="Two")
    before = data_version()
    params = connection.get_connection_params()
    other = psycopg2.connect(
        **{k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")}
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            my_pid = cursor.fetchone()[0]
        with other.cursor() as cursor:  # an open transaction that holds a slot...
            cursor.execute("UPDATE people_person SET display_name = 'Uno' WHERE id = %s", [one.pk])
            # ...and the slot this connection would choose first.
            cursor.execute(
                "SELECT slot FROM network_app_dataversion WHERE slot = mod(%s, 256) FOR UPDATE",
                [my_pid],
            )
        assert data_version() == before  # not committed: not seen
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # a wait would fail this statement
        with transaction.atomic():
            Person.objects.filter(pk=two.pk).update(display_name="Dos")
        after_mine = data_version()
        assert after_mine != before
        other.commit()
        assert data_version() not in {before, after_mine}
    finally:
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
