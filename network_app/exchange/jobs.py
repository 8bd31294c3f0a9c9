"""Import jobs: upload, dry run, decisions, import; each step a Celery task.

The web request stores the file in an :class:`people.models.ImportJob` row and enqueues the
dry run after commit; the task claims the row with a conditional update (a redelivered message
does nothing twice), reads and plans the file, and stores the report. The organizer confirms
with a mode and duplicate decisions; the import task claims the row again and imports in one
transaction. Progress goes to the cache (shared by web and workers): the import's own writes
are invisible to other connections until it commits, so a progress column would not move.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from network_app.exchange import csv_io
from network_app.exchange.binning import BINNINGS
from network_app.exchange.formats import read_any
from network_app.exchange.importer import DECISIONS, MODES, ImportOptions, import_apply, import_plan
from network_app.exchange.tables import KINDS, Dataset, FileError
from network_app.queue import enqueue_on_commit
from people.errors import DomainError, NotAllowed
from people.models import AuditEvent, ImportJob
from people.roles import Viewer, viewer_for
from people.services import audit_record

_PROGRESS_SECONDS = 6 * 3600


def without_nul(value: Any) -> Any:
    """The report with NUL removed from every string (PostgreSQL's JSON cannot hold
    ``\\u0000``; a reader may quote a cell of the file in a note or an issue)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_nul(v) for v in value]
    return value


def _progress_key(job_id: int) -> str:
    return f"smallbatch:import-job:{job_id}:progress"


def progress_set(job_id: int, percent: int, stage: str) -> None:
    cache.set(_progress_key(job_id), (max(0, min(100, percent)), stage), _PROGRESS_SECONDS)


def progress_of(job: ImportJob) -> tuple[int, str]:
    """How far a busy job is (percent, stage), from the cache."""
    if not job.is_busy:
        return (100 if job.status in (job.Status.DONE, job.Status.PLANNED) else job.progress, "")
    cached = cache.get(_progress_key(job.pk))
    if cached:
        return int(cached[0]), str(cached[1])
    return job.progress, ""


def may_import(viewer: Viewer) -> bool:
    return viewer.is_organizer or viewer.is_staff


def import_job_get_for(*, viewer: Viewer, public_id: Any) -> ImportJob | None:
    """A job its creator (or staff) may read; None otherwise (the report names people)."""
    if not may_import(viewer):
        return None
    qs = ImportJob.objects.filter(public_id=public_id)
    if not viewer.is_staff:
        qs = qs.filter(created_by=viewer.user)
    try:
        return qs.first()
    except (ValueError, TypeError):
        return None


def import_job_list_for(*, viewer: Viewer, limit: int = 10) -> list[ImportJob]:
    if not may_import(viewer):
        return []
    qs = ImportJob.objects.defer("content", "report")
    if not viewer.is_staff:
        qs = qs.filter(created_by=viewer.user)
    return list(qs.order_by("-created_at", "-id")[:limit])


def _enqueue(task_name: str, job_id: int) -> None:
    from network_app.exchange import tasks

    task = getattr(tasks, task_name)
    # Redis down: the job stays pending and the sweeper (network_app.queue) sends it later.
    enqueue_on_commit(task, (job_id,), what=f"import job {job_id}")


@transaction.atomic
def import_job_create(
    *,
    by: Any,
    filename: str,
    content: bytes,
    kind: str = "",
    source: str = "",
    binning: str = "quantile",
) -> ImportJob:
    """Store an uploaded file and start its dry run. Organizers and staff only."""
    viewer = viewer_for(by)
    if not may_import(viewer):
        raise NotAllowed("Only organizers can import.")
    if not content:
        raise DomainError("The file is empty.", field="file")
    if len(content) > settings.IMPORT_MAX_BYTES:
        raise DomainError(
            f"The file is larger than {settings.IMPORT_MAX_BYTES // (1024 * 1024)} MB.",
            field="file",
        )
    if kind and kind not in KINDS:
        raise DomainError("Choose what the file holds from the list.", field="kind")
    if binning not in BINNINGS:
        raise DomainError("Choose a binning from the list.", field="binning")
    # A file name is shown and stored as text: no NUL (PostgreSQL refuses it).
    name = (filename or "").replace("\x00", "").rsplit("/", 1)[-1][:255] or "upload"
    job = ImportJob.objects.create(
        created_by=by if getattr(by, "is_authenticated", False) else None,
        filename=name,
        content=content,
        size=len(content),
        kind=kind,
        source=(source.strip() or name.rsplit(".", 1)[0] or "import")[:60],
        binning=binning,
    )
    _enqueue("plan_import_job", job.pk)
    return job


def _dataset(job: ImportJob) -> Dataset:
    dataset = read_any(bytes(job.content), name=job.filename, kind=job.kind)
    if dataset.row_count > settings.IMPORT_MAX_ROWS:
        raise FileError(
            f"The file has {dataset.row_count:,} rows; at most {settings.IMPORT_MAX_ROWS:,} "
            "can be imported at once. Split it into several files."
        )
    if not dataset.row_count:
        raise FileError("The file has a header but no rows.")
    return dataset


def _options(job: ImportJob) -> ImportOptions:
    return ImportOptions(
        source=job.source, binning=job.binning, mode=job.mode, decisions=dict(job.decisions)
    )


def _viewer_of(job: ImportJob) -> Viewer:
    return viewer_for(job.created_by)


def import_job_plan(*, job_id: int) -> bool:
    """The dry run of a job (claimed first: a second delivery does nothing)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.PLANNING, started_at=timezone.now()
    )
    if not claimed:
        return False
    job = ImportJob.objects.get(pk=job_id)
    progress_set(job.pk, 1, "Reading the file")
    try:
        dataset = _dataset(job)
        plan = import_plan(
            dataset=dataset,
            options=_options(job),
            viewer=_viewer_of(job),
            progress=lambda p, s: progress_set(job.pk, p, s),
        )
    except FileError as exc:
        _finish(job, ImportJob.Status.FAILED, error=exc.message)
        return True
    except Exception:
        _finish(
            job,
            ImportJob.Status.FAILED,
            error="The file could not be checked: an error "
            "on our side. Try again, or tell an admin.",
        )
        raise
    job.format = dataset.format
    job.report = without_nul({**plan.report(), "applied": False})
    job.status = ImportJob.Status.PLANNED
    job.progress = 100
    job.planned_at = timezone.now()
    job.save(update_fields=["format", "report", "status", "progress", "planned_at"])
    return True


@transaction.atomic
def import_job_confirm(
    *, by: Any, job: ImportJob, mode: str, decisions: dict[str, str] | None = None
) -> ImportJob:
    """The organizer's choice after the dry run: mode and duplicate decisions. Starts the import."""
    viewer = viewer_for(by)
    if import_job_get_for(viewer=viewer, public_id=job.public_id) is None:
        raise NotAllowed("This import is not yours.")
    if mode not in MODES:
        raise DomainError("Choose all or nothing, or the valid rows only.", field="mode")
    decisions = decisions or {}
    keys = {d["key"] for d in job.report.get("duplicates", [])}
    for key, decision in decisions.items():
        if key not in keys or decision not in DECISIONS:
            raise DomainError(f"Unknown duplicate decision for {key}.", field="decisions")
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PLANNED).update(
        status=ImportJob.Status.QUEUED, mode=mode, decisions=decisions, error="", progress=0
    )
    if not claimed:
        raise DomainError("This import is not waiting for a decision.")
    # Who started the import, and through which channel (a key is named); the worker's
    # "import.apply" event for the same job records what it wrote.
    audit_record(
        actor=by,
        action="import.confirm",
        obj=job,
        after={"filename": job.filename, "mode": mode, "decisions": len(decisions)},
    )
    progress_set(job.pk, 0, "Waiting to import")
    _enqueue("apply_import_job", job.pk)
    job.refresh_from_db()
    return job


def import_job_apply(*, job_id: int, channel: str = AuditEvent.Channel.IMPORT) -> bool:
    """Import a confirmed job in one transaction (claimed first)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.IMPORTING
    )
    if not claimed:
        return False
    job = ImportJob.objects.get(pk=job_id)
    try:
        dataset = _dataset(job)
        result = import_apply(
            dataset=dataset,
            options=_options(job),
            viewer=_viewer_of(job),
            channel=channel,
            filename=job.filename,
            job_public_id=str(job.public_id),
            progress=lambda p, s: progress_set(job.pk, p, s),
        )
    except FileError as exc:
        _finish(job, ImportJob.Status.FAILED, error=exc.message)
        return True
    except Exception:
        _finish(
            job,
            ImportJob.Status.FAILED,
            error="The import failed on our side and nothing "
            "was written. Try again, or tell an admin.",
        )
        raise
    job.report = without_nul(result.report)
    if result.applied:
        _finish(job, ImportJob.Status.DONE)
    else:
        # Refused (all or nothing with errors): back to the decision, with the reason.
        _finish(job, ImportJob.Status.PLANNED, error=result.message)
    return True


def _finish(job: ImportJob, status: str, *, error: str = "") -> None:
    job.status = status
    job.error = error[:500]
    job.progress = 100
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "progress", "finished_at", "report"])
    cache.delete(_progress_key(job.pk))


def rejected_rows_csv(job: ImportJob) -> tuple[bytes, str]:
    """The rejected rows of a job, as they were in the file plus an ``error`` column: one CSV
    for one kind, a zip with one CSV per kind otherwise. ``(content, file name)``."""
    rejected: dict[str, str] = job.report.get("rejected", {})
    dataset = read_any(bytes(job.content), name=job.filename, kind=job.kind)
    files: dict[str, bytes] = {}
    stem = job.filename.rsplit(".", 1)[0] or "import"
    for kind, rows in dataset.rows.items():
        bad = [r for r in rows if r.key in rejected]
        if not bad:
            continue
        headers = dataset.headers.get(kind) or sorted({k for r in bad for k in r.values})
        use_raw = kind in dataset.headers
        body = [
            [(r.raw if use_raw else r.values).get(h, "") for h in headers]
            + [r.where, rejected[r.key]]
            for r in bad
        ]
        files[f"{stem}-{kind}-rejected.csv"] = csv_io.write_csv([*headers, "where", "error"], body)
    if not files:
        files[f"{stem}-rejected.csv"] = csv_io.write_csv(["where", "error"], [])
    if len(files) == 1:
        name, content = next(iter(files.items()))
        return content, name
    return csv_io.zip_files(files), f"{stem}-rejected.zip"
