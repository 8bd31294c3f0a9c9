"""Every read of a person's private contact details (email, phone) by an admin is logged:
one ``person.contact_viewed`` event per page, response or export, never one per field; people
reading their own details, and organizers (who never see them), write none."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from rest_framework.test import APIClient

from network_app.apikeys import SCOPES
from network_app.apikeys.services import api_key_create
from people.models import AuditEvent, Person, Visibility
from people.services import person_update
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
VIEWED = "person.contact_viewed"


@pytest.fixture
def contact() -> Person:
    return PersonFactory(
        display_name="Cleo Contact",
        email="cleo@example.org",
        phone="+44 161 496 0000",
        visibility=Visibility.LISTED,
    )


def _reads() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=VIEWED).order_by("id"))


def test_opening_a_persons_admin_page_logs_one_read(admin_user: Any, contact: Person) -> None:
    url = reverse("admin:people_person_change", args=[contact.pk])
    # when: the admin opens the page (which shows email and phone)
    response = admin_user.client.get(url)
    # then: one event, not one per field
    assert response.status_code == 200 and b"cleo@example.org" in response.content
    [event] = _reads()
    assert (event.actor, event.channel) == (admin_user.user, AuditEvent.Channel.ADMIN)
    assert (event.object_type, event.object_id) == ("person", str(contact.public_id))
    assert event.after == {"view": "change page"}
    # and again on each visit
    admin_user.client.get(url)
    assert len(_reads()) == 2


def test_the_merge_confirmation_logs_a_read_of_both_people(
    admin_user: Any, contact: Person
) -> None:
    twin = PersonFactory(display_name="Cleo C.", email="cleo@example.org")
    response = admin_user.client.post(
        reverse("admin:people_person_changelist"),
        {"action": "merge_selected", ACTION_CHECKBOX_NAME: [contact.pk, twin.pk]},
    )
    assert response.status_code == 200 and b"cleo@example.org" in response.content
    assert {e.object_id for e in _reads()} == {str(contact.public_id), str(twin.public_id)}
    assert {e.after["view"] for e in _reads()} == {"merge confirmation"}


def test_the_admin_list_shows_no_contact_details_and_logs_nothing(
    admin_user: Any, contact: Person
) -> None:
    response = admin_user.client.get(reverse("admin:people_person_changelist"))
    assert response.status_code == 200 and b"cleo@example.org" not in response.content
    assert _reads() == []


def test_an_admin_reading_a_profile_page_is_logged_and_others_are_not(
    admin_user: Any, organizer: Any, member: Any, contact: Person
) -> None:
    url = reverse("people:profile", args=[contact.public_id])
    # an organizer does not see contact details: nothing to log
    assert b"cleo@example.org" not in organizer.client.get(url).content
    # a member reading their own profile: not logged
    member.client.get(reverse("people:profile", args=[member.person.public_id]))
    assert _reads() == []
    # an admin sees them: logged
    assert b"cleo@example.org" in admin_user.client.get(url).content
    [event] = _reads()
    assert (event.actor, event.channel, event.object_id) == (
        admin_user.user,
        AuditEvent.Channel.WEB,
        str(contact.public_id),
    )


def test_an_admins_api_key_reading_contact_details_is_logged_with_the_key(
    admin_user: Any, contact: Person
) -> None:
    key, token = api_key_create(by=admin_user.user, name="Backoffice", scopes=list(SCOPES))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = client.get(f"/api/v1/people/{contact.public_id}/").json()
    assert body["email"] == "cleo@example.org"
    [event] = _reads()
    assert event.channel == AuditEvent.Channel.API
    assert event.actor_label == f"ada via API key “Backoffice” (sb_{key.prefix})"
    # a list logs one read per person whose details it returned
    PersonFactory(display_name="No Contact", email="", phone="", visibility=Visibility.LISTED)
    client.get("/api/v1/people/")
    assert [e.object_id for e in _reads()].count(str(contact.public_id)) == 2
    assert len(_reads()) == 2  # the person without contact details is not a read


def test_an_organizers_api_reads_write_no_contact_event(organizer: Any, contact: Person) -> None:
    _, token = api_key_create(by=organizer.user, name="CRM", scopes=list(SCOPES))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get(f"/api/v1/people/{contact.public_id}/").json()["email"] is None
    assert _reads() == []


def test_an_admin_export_with_contact_columns_is_logged_once(
    admin_user: Any, organizer: Any, contact: Person
) -> None:
    response = admin_user.client.get(reverse("exchange:export", args=["csv"]))
    assert response.status_code == 200
    [event] = _reads()
    assert (event.object_type, event.object_id) == ("export", "csv")
    assert event.after["view"] == "export" and event.after["people"] >= 1
    # an organizer's export has no contact columns: no read
    organizer.client.get(reverse("exchange:export", args=["csv"]))
    assert len(_reads()) == 1


def test_the_audit_admin_masks_contact_details(admin_user: Any, member: Any) -> None:
    person_update(by=admin_user.user, person=member.person, data={"email": "mina2@example.org"})
    event = AuditEvent.objects.get(action="person.update")
    page = admin_user.client.get(reverse("admin:people_auditevent_change", args=[event.pk]))
    assert page.status_code == 200
    assert b"mina2@example.org" not in page.content
    assert "contact detail, not shown" in page.content.decode()
