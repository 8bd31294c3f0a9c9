"""Retention: old import files are emptied (their report stays, the rejected-rows download says
why it is gone), unconfirmed dry runs expire, and expired idempotency records are deleted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from network_app.models import IdempotencyRecord
from network_app.retention import retention_purge
from network_app.tasks import retention_purge as retention_task
from people.models import ImportJob
from tests.network_app.exchange.test_api import PEOPLE_AND_TIES

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _upload(client: APIClient, committing) -> str:
    response = committing(
        lambda: client.post(
            "/api/v1/imports/",
            {"file": SimpleUploadedFile("net.graphml", PEOPLE_AND_TIES)},
            format="multipart",
        )
    )
    assert response.status_code == 202
    return response["Location"]


def test_a_finished_import_keeps_its_file_for_the_set_days_then_only_its_report(
    organizer, committing, settings
):
    settings.IMPORT_FILE_KEEP_DAYS = 30
    client = APIClient()
    client.force_authenticate(organizer.user)
    url = _upload(client, committing)
    committing(lambda: client.post(url + "confirm/", {"mode": "valid_only"}, format="json"))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE
    assert job.finished_at is not None
    finished = job.finished_at

    retention_purge(now=finished + 29 * DAY)
    assert client.get(url + "rejected/").status_code == 200

    purged = retention_purge(now=finished + 31 * DAY)

    assert purged.import_files == 1
    job.refresh_from_db()
    assert bytes(job.content) == b""
    assert job.report["summary"]["ties"]["rejected"] == 1  # the report stays
    gone = client.get(url + "rejected/")
    assert gone.status_code == 410
    assert gone.json()["code"] == "gone"
    assert "30 days" in gone.json()["message"]
    page = organizer.client.get(f"/exchange/imports/{job.public_id}/rejected/")
    assert page.status_code == 410
    assert retention_purge(now=finished + 32 * DAY).import_files == 0  # idempotent


def test_a_dry_run_nobody_confirms_expires_with_a_reason(organizer, committing, settings):
    settings.IMPORT_FILE_KEEP_DAYS = 7
    client = APIClient()
    client.force_authenticate(organizer.user)
    url = _upload(client, committing)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.PLANNED

    purged = retention_purge(now=job.created_at + 8 * DAY)

    assert purged.abandoned_imports == 1
    body = client.get(url).json()
    assert body["status"] == "failed"
    assert "upload it again" in body["error"]
    refused = client.post(url + "confirm/", {"mode": "valid_only"}, format="json")
    assert refused.status_code in (400, 409)
    assert bytes(ImportJob.objects.get().content) == b""


def test_expired_idempotency_records_are_deleted_and_fresh_ones_kept(organizer, settings):
    settings.API_IDEMPOTENCY_TTL_HOURS = 24
    old = IdempotencyRecord.objects.create(
        user=organizer.user, key="old", method="POST", path="/api/v1/ties/", request_hash="x"
    )
    fresh = IdempotencyRecord.objects.create(
        user=organizer.user, key="fresh", method="POST", path="/api/v1/ties/", request_hash="y"
    )
    IdempotencyRecord.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=25)
    )

    result = retention_task.apply().get()

    assert result["idempotency_records"] == 1
    assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_used_revoked_and_expired_invitations_are_deleted_after_the_set_days(
    organizer, settings, mailoutbox
):
    from people.accounts.services import invitation_create
    from people.models import Invitation

    settings.INVITATION_KEEP_DAYS = 30
    now = timezone.now()
    expired, _ = invitation_create(by=organizer.user, email="old@example.org")
    revoked, _ = invitation_create(by=organizer.user, email="revoked@example.org")
    recent, _ = invitation_create(by=organizer.user, email="recent@example.org")
    invitation_create(by=organizer.user, email="waiting@example.org")
    Invitation.objects.filter(pk=expired.pk).update(expires_at=now - 31 * DAY)
    Invitation.objects.filter(pk=revoked.pk).update(revoked_at=now - 40 * DAY)
    Invitation.objects.filter(pk=recent.pk).update(expires_at=now - 2 * DAY)

    purged = retention_purge(now=now)

    assert purged.invitations == 2
    assert set(Invitation.objects.values_list("email", flat=True)) == {
        "recent@example.org",
        "waiting@example.org",
    }
