"""Nobody can edit the audit log: the database refuses UPDATE and DELETE (triggers created by
network_app/migrations/0003), the admin is read-only even for superusers, and the only
exceptions are a deleted user's cleared foreign key and the erasure service's redaction."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from network_app.exchange.personal import account_delete
from people.audit import audit_redaction
from people.models import AuditEvent, Person
from people.records import person_record_update
from people.services import audit_record, person_update
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(admin_user: Any, member: Any) -> AuditEvent:
    person_update(by=admin_user.user, person=member.person, data={"headline": "Baker"})
    return AuditEvent.objects.get(action="person.update")


def _refused(run: Any) -> None:
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        run()


@pytest.mark.parametrize(
    "change",
    [
        {"action": "person.view"},
        {"actor_label": "someone else"},
        {"before": {}},
        {"after": {"headline": "Butcher"}},
        {"object_id": "deleted"},
        {"channel": AuditEvent.Channel.API},
    ],
)
def test_an_ordinary_update_of_an_audit_row_is_refused_by_the_database(
    event: AuditEvent, change: dict[str, Any]
) -> None:
    _refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(**change))
    event.refresh_from_db()
    assert event.action == "person.update" and event.after == {"headline": "Baker"}


def test_saving_an_audit_row_again_is_refused(event: AuditEvent) -> None:
    event.after = {"headline": "Butcher"}
    _refused(event.save)


def test_deleting_audit_rows_is_refused_by_the_database(event: AuditEvent) -> None:
    _refused(lambda: AuditEvent.objects.filter(pk=event.pk).delete())
    _refused(lambda: AuditEvent.objects.all().delete())
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_raw_sql_cannot_change_or_delete_audit_rows(event: AuditEvent) -> None:
    def update() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE people_auditevent SET actor_label = %s WHERE id = %s", ["x", event.pk]
            )

    def delete() -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM people_auditevent WHERE id = %s", [event.pk])

    _refused(update)
    _refused(delete)
    assert AuditEvent.objects.get(pk=event.pk).actor_label == "ada"


def test_truncate_is_refused_on_postgresql(event: AuditEvent) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (its DELETE is refused above)")

    def truncate() -> None:
        with connection.cursor() as cursor:
            # the test's own transaction holds deferred foreign-key checks; run them first
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE people_auditevent")

    _refused(truncate)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_redaction_flag_allows_only_pseudonymizing_and_blanking(event: AuditEvent) -> None:
    with transaction.atomic(), audit_redaction():
        # what erasure does is allowed ...
        AuditEvent.objects.filter(pk=event.pk).update(actor_label="former member")
        # ... rewriting history is not, even with the flag
        _refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(action="person.view"))
        _refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(after={"x": 1}))
        _refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(actor_label="bob"))
        _refused(lambda: AuditEvent.objects.filter(pk=event.pk).delete())
    # the flag ends with the block
    _refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(before={}))
    assert AuditEvent.objects.get(pk=event.pk).actor_label == "former member"


def test_deleting_a_user_keeps_their_events_with_their_name(event: AuditEvent) -> None:
    # given: the admin who made the change leaves
    admin = get_user_model().objects.get(username="ada")
    # when
    admin.delete()
    # then: the foreign key is cleared by the database rule, the label keeps who it was
    event.refresh_from_db()
    assert event.actor_id is None and event.actor_label == "ada"
    assert event.after == {"headline": "Baker"}


def test_erasure_still_pseudonymizes_and_blanks_the_members_events(
    admin_user: Any, organizer: Any, member: Any
) -> None:
    # given: an admin changed the member; the member (an organizer too) changed someone else
    person_update(by=admin_user.user, person=member.person, data={"headline": "Baker"})
    someone = PersonFactory(display_name="Sam Someone")
    person_record_update(by=organizer.user, person=someone, data={"headline": "Weaver"})
    about_member = AuditEvent.objects.get(object_id=str(member.person.public_id))
    by_organizer = AuditEvent.objects.get(object_id=str(someone.public_id))
    # when: each asks for their account to be deleted
    account_delete(by=member.user)
    account_delete(by=organizer.user)
    # then: the events stay, with nothing left about the people who left
    about_member.refresh_from_db()
    assert (about_member.object_id, about_member.before, about_member.after) == ("deleted", {}, {})
    assert about_member.action == "person.update" and about_member.actor_label == "ada"
    by_organizer.refresh_from_db()
    assert by_organizer.actor_label == "former member" and by_organizer.actor_id is None
    assert by_organizer.after == {"headline": "Weaver"}
    assert not Person.objects.filter(pk=member.person.pk).exists()


def test_the_admin_is_read_only_for_superusers(admin_user: Any, event: AuditEvent) -> None:
    client = admin_user.client
    change = reverse("admin:people_auditevent_change", args=[event.pk])
    assert client.get(reverse("admin:people_auditevent_changelist")).status_code == 200
    page = client.get(change)
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.get(reverse("admin:people_auditevent_add")).status_code == 403
    assert client.post(change, {"action": "person.view"}).status_code == 403
    delete = reverse("admin:people_auditevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    bulk = client.post(
        reverse("admin:people_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    event.refresh_from_db()
    assert event.action == "person.update"


def _routes(patterns: list[Any], prefix: str = "") -> list[str]:
    routes = []
    for p in patterns:
        if hasattr(p, "url_patterns"):
            routes += _routes(p.url_patterns, prefix + str(p.pattern))
        else:
            routes.append(prefix + str(p.pattern))
    return routes


def test_the_only_audit_route_is_the_read_only_page(organizer: Any, event: AuditEvent) -> None:
    from django.urls import get_resolver

    audit_routes = [r for r in _routes(get_resolver().url_patterns) if "audit" in r.lower()]
    # the admin's read-only pages and the organizers' page; no API route at all
    assert all(r.startswith(("admin/", "dashboard/audit/")) for r in audit_routes)
    assert not [
        r for r in _routes(get_resolver().url_patterns) if r.startswith("api/") and "audit" in r
    ]
    # the page answers reads only
    page = reverse("dashboard:audit")
    assert organizer.client.post(page, {"action": "x"}).status_code == 405
    assert organizer.client.delete(page).status_code == 405
    assert organizer.client.post("/api/audit-events/", {"action": "x"}).status_code == 404
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["person.update"]


@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_the_database(admin_user: Any) -> None:
    # given: an event (flush runs between transactional tests, benchmarks use it too)
    audit_record(actor=admin_user.user, action="person.update", obj=UserFactory())
    # when
    call_command("flush", interactive=False, verbosity=0)
    # then
    assert AuditEvent.objects.count() == 0
