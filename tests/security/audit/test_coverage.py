"""Every change by an organizer, admin or API key writes exactly one audit event: who (and
which key), what, before and after (changed fields only, never a secret), and the channel.

One table: each row drives one kind of change through one channel that offers it (a page
form, the admin's change form, an API endpoint, an import, a management command) and names the
exact event it must write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from causes.models import Cause, Interest
from network_app.apikeys import SCOPES
from network_app.apikeys.services import api_key_create
from network_app.models import ApiKey, Webhook
from people.models import AuditEvent, ImportJob, Person, Tie, Visibility
from people.services import TIE_AUDITED_FIELDS, snapshot
from tests.factories import PersonFactory, make_tie
from tests.people.test_admin import change_form_data

pytestmark = pytest.mark.django_db

ANY = object()  # a value the row does not pin (a generated id, a timestamp)
KEY_NAME = "Partner CRM"


@dataclass
class World:
    organizer: Any
    admin: Any
    member: Any
    listed: Person  # a listed person without a login (organizers may change them)
    key: ApiKey
    token: str
    committing: Callable[[Callable[[], Any]], Any]

    def api(self) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.token}")
        return client

    @property
    def key_label(self) -> str:
        return f"olga via API key “{KEY_NAME}” (sb_{self.key.prefix})"


@dataclass
class Expected:
    action: str
    channel: str
    actor: str  # "organizer" | "admin"
    object_type: str
    object_id: Any = ANY
    before: Any = ANY
    after: Any = ANY
    via_key: bool = False


def _web_key_create(w: World) -> Expected:
    w.organizer.client.post(
        reverse("api_keys:list"), {"name": "Newsletter", "scopes": ["people:read"]}
    )
    key = ApiKey.objects.get(name="Newsletter")
    after = {"name": "Newsletter", "scopes": ["people:read"], "prefix": key.prefix}
    return Expected("api_key.create", "web", "organizer", "apikey", str(key.public_id), {}, after)


def _web_key_revoke(w: World) -> Expected:
    w.organizer.client.post(reverse("api_keys:revoke", args=[w.key.public_id]))
    after = {"name": KEY_NAME, "prefix": w.key.prefix}
    return Expected("api_key.revoke", "web", "organizer", "apikey", str(w.key.public_id), {}, after)


def _web_export(w: World) -> Expected:
    w.organizer.client.get(reverse("exchange:export", args=["csv"]))
    return Expected("export.download", "web", "organizer", "export", "csv")


def _web_import_confirm(w: World) -> list[Expected]:
    content = b"id,name\np1,Ira Imported\n"
    w.committing(
        lambda: w.organizer.client.post(
            reverse("exchange:upload"),
            {"file": SimpleUploadedFile("people.csv", content), "binning": "quantile"},
        )
    )
    job = ImportJob.objects.get()
    w.committing(
        lambda: w.organizer.client.post(
            reverse("exchange:confirm", args=[job.public_id]), {"mode": "all_or_nothing"}
        )
    )
    assert Person.objects.filter(display_name="Ira Imported").exists()
    after = {"filename": "people.csv", "mode": "all_or_nothing", "decisions": 0}
    return [
        Expected("import.confirm", "web", "organizer", "importjob", str(job.public_id), {}, after),
        Expected("import.apply", "import", "organizer", "importjob", str(job.public_id), {}),
    ]


def _import_overwrites(w: World) -> list[Expected]:
    # An import that changes a recorded person writes that change, field by field.
    Person.objects.filter(pk=w.listed.pk).update(consent_given_at=None)
    content = f"id,name,headline\n{w.listed.public_id},Lee Listed,Imported headline\n".encode()
    w.committing(
        lambda: w.organizer.client.post(
            reverse("exchange:upload"),
            {"file": SimpleUploadedFile("update.csv", content), "binning": "quantile"},
        )
    )
    job = ImportJob.objects.get()
    w.committing(
        lambda: w.organizer.client.post(
            reverse("exchange:confirm", args=[job.public_id]), {"mode": "all_or_nothing"}
        )
    )
    after = {"filename": "update.csv", "mode": "all_or_nothing", "decisions": 0}
    return [
        Expected("import.confirm", "web", "organizer", "importjob", str(job.public_id), {}, after),
        Expected(
            "person.update",
            "import",
            "organizer",
            "person",
            str(w.listed.public_id),
            {"headline": "Old headline"},
            {"headline": "Imported headline"},
        ),
        Expected("import.apply", "import", "organizer", "importjob", str(job.public_id), {}),
    ]


def _admin_person(w: World) -> Expected:
    url = reverse("admin:people_person_change", args=[w.listed.pk])
    data = change_form_data(w.admin.client.get(url))
    data.update(headline="Curated headline", email="new@example.org")
    assert w.admin.client.post(url, data).status_code == 302
    return Expected(
        "person.update",
        "admin",
        "admin",
        "person",
        str(w.listed.public_id),
        {"headline": "Old headline", "email": "old@example.org"},
        {"headline": "Curated headline", "email": "new@example.org"},
    )


def _admin_tie(w: World) -> Expected:
    tie = make_tie(w.listed, w.member.person, strength=3, context="Choir")
    url = reverse("admin:people_tie_change", args=[tie.pk])
    data = change_form_data(w.admin.client.get(url))
    data.update(context="Allotment")
    assert w.admin.client.post(url, data).status_code == 302
    return Expected(
        "tie.update",
        "admin",
        "admin",
        "tie",
        str(tie.public_id),
        {"context": "Choir"},
        {"context": "Allotment"},
    )


def _admin_interest(w: World) -> Expected:
    cause = Cause.objects.create(name="Housing", slug="housing")
    response = w.admin.client.post(
        reverse("admin:causes_interest_add"),
        {"person": w.listed.pk, "cause": cause.pk, "passion": 4, "offers": "", "needs": ""},
    )
    assert response.status_code == 302, response.content[:500]
    interest = Interest.objects.get()
    return Expected("interest.create", "admin", "admin", "interest", str(interest.pk), None, ANY)


def _admin_key_revoke(w: World) -> Expected:
    response = w.admin.client.post(
        reverse("admin:network_app_apikey_changelist"),
        {"action": "revoke", "_selected_action": [w.key.pk]},
    )
    assert response.status_code == 302
    after = {"name": KEY_NAME, "prefix": w.key.prefix}
    return Expected("api_key.revoke", "admin", "admin", "apikey", str(w.key.public_id), {}, after)


def _api_person_create(w: World) -> Expected:
    response = w.api().post(
        "/api/v1/people/", {"display_name": "Pat Partner", "headline": "Organizer"}, format="json"
    )
    assert response.status_code == 201, response.content
    person = Person.objects.get(display_name="Pat Partner")
    return Expected(
        "person.create", "api", "organizer", "person", str(person.public_id), {}, ANY, via_key=True
    )


def _api_person_update(w: World) -> Expected:
    response = w.api().patch(
        f"/api/v1/people/{w.listed.public_id}/", {"headline": "From the CRM"}, format="json"
    )
    assert response.status_code == 200, response.content
    return Expected(
        "person.update",
        "api",
        "organizer",
        "person",
        str(w.listed.public_id),
        {"headline": "Old headline"},
        {"headline": "From the CRM"},
        via_key=True,
    )


def _api_tie_create(w: World) -> Expected:
    other = PersonFactory(display_name="Tom Tied", visibility=Visibility.LISTED)
    response = w.api().post(
        "/api/v1/ties/",
        {"person": str(w.listed.public_id), "other": str(other.public_id), "strength": 2},
        format="json",
    )
    assert response.status_code == 201, response.content
    tie = Tie.objects.get()
    assert tie.provenance == "partner"
    after = snapshot(tie, TIE_AUDITED_FIELDS)  # exactly what was stored
    return Expected("tie.create", "api", "organizer", "tie", str(tie.public_id), {}, after, True)


def _api_export(w: World) -> Expected:
    response = w.api().get("/api/v1/exports/graphml/")
    assert response.status_code == 200, response.content[:300]
    return Expected("export.download", "api", "organizer", "export", "graphml", via_key=True)


def _api_import_confirm(w: World) -> list[Expected]:
    content = b"id,name\np1,Ada Api\n"
    response = w.committing(
        lambda: w.api().post(
            "/api/v1/imports/",
            {"file": SimpleUploadedFile("crm.csv", content), "binning": "quantile"},
            format="multipart",
        )
    )
    assert response.status_code == 202, response.content
    job = ImportJob.objects.get()
    response = w.committing(
        lambda: w.api().post(
            f"/api/v1/imports/{job.public_id}/confirm/", {"mode": "valid_only"}, format="json"
        )
    )
    assert response.status_code == 202, response.content
    after = {"filename": "crm.csv", "mode": "valid_only", "decisions": 0}
    return [
        Expected(
            "import.confirm",
            "api",
            "organizer",
            "importjob",
            str(job.public_id),
            {},
            after,
            via_key=True,
        ),
        Expected("import.apply", "import", "organizer", "importjob", str(job.public_id), {}),
    ]


def _api_webhook_create_and_update(w: World) -> list[Expected]:
    response = w.api().post(
        "/api/v1/webhooks/",
        {"url": "https://93.184.215.14/hook", "events": ["person.updated"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    hook = Webhook.objects.get()
    response = w.api().patch(
        f"/api/v1/webhooks/{hook.public_id}/", {"events": ["tie.created"]}, format="json"
    )
    assert response.status_code == 200, response.content
    oid = str(hook.public_id)
    return [
        Expected(
            "webhook.create",
            "api",
            "organizer",
            "webhook",
            oid,
            {},
            {"url": "https://93.184.215.14/hook", "events": ["person.updated"]},
            True,
        ),
        Expected(
            "webhook.update",
            "api",
            "organizer",
            "webhook",
            oid,
            {"events": ["person.updated"]},
            {"events": ["tie.created"]},
            True,
        ),
    ]


def _api_own_tie_side(w: World) -> Expected:
    # A key acting for its issuer is audited even on the issuer's own side of a tie.
    tie = make_tie(w.organizer.person, w.listed, strength=2)
    side = "a" if tie.person_a_id == w.organizer.person.pk else "b"
    response = w.api().post(
        f"/api/v1/ties/{tie.public_id}/side/",
        {
            "strength": 5,
            "status": "confirmed",
            "allows_introductions": True,
            "visible_to_members": True,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    return Expected(
        "tie.update",
        "api",
        "organizer",
        "tie",
        str(tie.public_id),
        {f"{side}_strength": 2},
        {f"{side}_strength": 5},
        via_key=True,
    )


def _command_import(w: World, tmp_path: Any = None) -> Expected:
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp())
    path = folder / "people.csv"
    path.write_bytes(b"id,name\np1,Cora Command\n")
    call_command("import_network", str(path), verbosity=0)
    return Expected("import.apply", "command", "none", "importjob", ANY, {})


CASES: dict[str, Callable[[World], Expected | list[Expected]]] = {
    "web: API key created on the keys page": _web_key_create,
    "web: API key revoked on the keys page": _web_key_revoke,
    "web: export downloaded from the exchange page": _web_export,
    "web + import: import confirmed on the page, applied by the worker": _web_import_confirm,
    "import: an import overwrites a recorded person": _import_overwrites,
    "admin: person changed on the change form": _admin_person,
    "admin: tie changed on the change form": _admin_tie,
    "admin: interest added": _admin_interest,
    "admin: API key revoked with the admin action": _admin_key_revoke,
    "api: person recorded": _api_person_create,
    "api: person changed": _api_person_update,
    "api: tie recorded": _api_tie_create,
    "api: export downloaded": _api_export,
    "api + import: import confirmed by a key, applied by the worker": _api_import_confirm,
    "api: webhook registered and changed": _api_webhook_create_and_update,
    "api: a key changes its issuer's own side of a tie": _api_own_tie_side,
    "command: import_network": _command_import,
}


@pytest.fixture
def world(organizer: Any, admin_user: Any, member: Any, committing: Any, settings: Any) -> World:
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    listed = PersonFactory(
        display_name="Lee Listed",
        headline="Old headline",
        email="old@example.org",
        visibility=Visibility.LISTED,
    )
    key, token = api_key_create(by=organizer.user, name=KEY_NAME, scopes=list(SCOPES))
    return World(organizer, admin_user, member, listed, key, token, committing)


def _changes(before_ids: set[int]) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.exclude(pk__in=before_ids)
        .exclude(action="person.contact_viewed")
        .order_by("id")
    )


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_each_change_writes_its_exact_audit_event(case: str, world: World) -> None:
    # given: what the log held before
    before_ids = set(AuditEvent.objects.values_list("id", flat=True))
    # when: the change is made through its channel
    result = CASES[case](world)
    expected = result if isinstance(result, list) else [result]
    # then: exactly these events, in order
    events = _changes(before_ids)
    assert [(e.action, e.channel) for e in events] == [(x.action, x.channel) for x in expected]
    for event, want in zip(events, expected, strict=True):
        actor = {"organizer": world.organizer.user, "admin": world.admin.user, "none": None}[
            want.actor
        ]
        assert event.actor == actor
        if want.via_key:
            assert event.actor_label == world.key_label
        elif actor is not None:
            assert event.actor_label == actor.get_username()
        assert event.object_type == want.object_type
        if want.object_id is not ANY:
            assert event.object_id == want.object_id
        if want.before is not ANY:
            assert event.before == (want.before or {})
        if want.after is not ANY:
            assert event.after == want.after
        assert event.at is not None
        # never a secret: no token, no key hash, no webhook secret, no password
        text = f"{event.before} {event.after} {event.actor_label}"
        assert world.token not in text and world.key.hashed_token not in text
        assert "secret" not in text and "password" not in text
        for hook in Webhook.objects.all():
            assert hook.secret not in text
