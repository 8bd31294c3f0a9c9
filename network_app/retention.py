"""Retention: what Smallbatch stops keeping, and when (run daily by Celery beat).

- An uploaded import file holds personal data about everyone in it. Once its job is done or
  failed, the file is kept ``IMPORT_FILE_KEEP_DAYS`` days (so the organizer can still download
  the rejected rows) and then emptied; the job's report (counts and row errors) stays. A file
  checked but never confirmed is emptied after the same time and its job marked failed, with a
  message saying to upload it again.
- A stored API response for an ``Idempotency-Key`` is only useful while a partner may retry:
  records older than ``API_IDEMPOTENCY_TTL_HOURS`` are deleted (the middleware already ignores
  them; this keeps the table from growing).
- An invitation holds the invitee's email address. ``INVITATION_KEEP_DAYS`` days after it was
  accepted, revoked or expired, it is deleted (its audit events name it by id only); an old
  link then answers like an unknown one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from network_app.models import IdempotencyRecord
from people.models import ImportJob, Invitation

FINISHED = (ImportJob.Status.DONE, ImportJob.Status.FAILED)
WAITING = (ImportJob.Status.PENDING, ImportJob.Status.PLANNED)


@dataclass(frozen=True)
class Purged:
    import_files: int
    abandoned_imports: int
    idempotency_records: int
    invitations: int = 0


def import_file_removed_message() -> str:
    days = settings.IMPORT_FILE_KEEP_DAYS
    return (
        f"The uploaded file was removed {days} days after its import, as Smallbatch keeps "
        "personal data no longer than needed; upload it again if you need its rows."
    )


def retention_purge(*, now: dt.datetime | None = None) -> Purged:
    """Empty old import files and delete expired idempotency records. Idempotent."""
    now = now or timezone.now()
    file_cutoff = now - dt.timedelta(days=settings.IMPORT_FILE_KEEP_DAYS)
    has_file = ~Q(content=b"")
    abandoned = ImportJob.objects.filter(
        has_file, status__in=WAITING, created_at__lt=file_cutoff
    ).update(
        content=b"",
        status=ImportJob.Status.FAILED,
        error=import_file_removed_message()[:500],
        finished_at=now,
    )
    finished = (
        ImportJob.objects.filter(
            has_file,
            status__in=FINISHED,
        )
        .filter(
            Q(finished_at__lt=file_cutoff) | Q(finished_at__isnull=True, created_at__lt=file_cutoff)
        )
        .update(content=b"")
    )
    idem_cutoff = now - dt.timedelta(hours=settings.API_IDEMPOTENCY_TTL_HOURS)
    idempotency, _ = IdempotencyRecord.objects.filter(created_at__lt=idem_cutoff).delete()
    invitation_cutoff = now - dt.timedelta(days=settings.INVITATION_KEEP_DAYS)
    invitations, _ = Invitation.objects.filter(
        Q(accepted_at__lt=invitation_cutoff)
        | Q(revoked_at__lt=invitation_cutoff)
        | Q(accepted_at__isnull=True, expires_at__lt=invitation_cutoff)
    ).delete()
    return Purged(
        import_files=finished,
        abandoned_imports=abandoned,
        idempotency_records=idempotency,
        invitations=invitations,
    )
