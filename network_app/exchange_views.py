"""Organizer pages for import and export (mounted under ``/exchange/``, namespace
``exchange``).

Upload → dry run (a Celery job; the page polls its progress with htmx, or refreshes itself
without JavaScript) → report with per-row problems and duplicate decisions → confirm (all or
nothing, or valid rows only) → import job → result, with the rejected rows as CSV. Export
downloads the network the organizer may see, with the map's filters.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from causes.selectors import cause_choices
from network_app.exchange import csv_io, xlsx
from network_app.exchange.binning import BINNINGS
from network_app.exchange.exporter import EXPORT_FORMATS, clean_filters, export_network
from network_app.exchange.jobs import (
    import_job_confirm,
    import_job_create,
    import_job_get_for,
    import_job_list_for,
    may_import,
    progress_of,
    rejected_rows_csv,
)
from network_app.exchange.tables import COLUMNS, KINDS
from network_app.retention import import_file_removed_message
from people.errors import DomainError
from people.models import ImportJob, Sector
from people.roles import Viewer, viewer_for
from people.selectors import filter_options_visible_to

ISSUES_SHOWN = 500


def organizer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log in first; then organizers (and staff) only."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        viewer = viewer_for(request.user)
        if not may_import(viewer):
            raise PermissionDenied("Import and export are for organizers.")
        request.exchange_viewer = viewer  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def _viewer(request: HttpRequest) -> Viewer:
    return request.exchange_viewer  # type: ignore[attr-defined]


class UploadForm(forms.Form):
    file = forms.FileField(
        help_text="CSV, XLSX, a zip of CSV files, GraphML, GEXF or a Kumu JSON blueprint."
    )
    kind = forms.ChoiceField(
        required=False,
        choices=[("", "Tell from the file"), *[(k, k.title()) for k in KINDS]],
        label="What a CSV file holds",
    )
    binning = forms.ChoiceField(
        choices=list(BINNINGS.items()),
        initial="quantile",
        label="Numeric edge weights become strengths by",
    )
    source = forms.CharField(
        required=False,
        max_length=60,
        label="Source label",
        help_text="Kept with the ids of this file, so importing it again changes nothing "
        "(default: the file name).",
    )


def _index_context(viewer: Viewer, form: UploadForm | None = None) -> dict[str, Any]:
    options = filter_options_visible_to(viewer=viewer)
    return {
        "form": form or UploadForm(),
        "jobs": import_job_list_for(viewer=viewer),
        "columns": [(kind, COLUMNS[kind]) for kind in KINDS],
        "export_formats": [(k, v[2]) for k, v in EXPORT_FORMATS.items()],
        "cause_options": cause_choices(),
        "neighbourhood_options": options.neighbourhoods,
        "organization_options": options.organizations,
        "sector_options": Sector.choices,
    }


@organizer_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "network_app/exchange/index.html", _index_context(_viewer(request)))


@organizer_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            job = import_job_create(
                by=request.user,
                filename=upload_file.name,
                content=upload_file.read(),
                kind=form.cleaned_data["kind"],
                source=form.cleaned_data["source"],
                binning=form.cleaned_data["binning"],
            )
        except DomainError as exc:
            form.add_error("file" if exc.field in (None, "file") else exc.field, exc.message)
        else:
            return redirect(job.get_absolute_url())
    context = _index_context(_viewer(request), form)
    return render(request, "network_app/exchange/index.html", context, status=400)


def _job_context(job: ImportJob) -> dict[str, Any]:
    report = job.report or {}
    percent, stage = progress_of(job)
    errors = [i for i in report.get("issues", []) if i["level"] == "error"]
    warnings = [i for i in report.get("issues", []) if i["level"] != "error"]
    return {
        "job": job,
        "report": report,
        "percent": percent,
        "stage": stage,
        "errors": errors[:ISSUES_SHOWN],
        "warnings": warnings[:ISSUES_SHOWN],
        "more_issues": max(0, len(errors) - ISSUES_SHOWN)
        + max(0, len(warnings) - ISSUES_SHOWN)
        + int(report.get("issues_truncated", 0)),
        "modes": ImportJob.Mode.choices,
        "decision_choices": [
            ("merge", "Merge into the match"),
            ("create", "Create a new person"),
            ("skip", "Skip this row"),
        ],
        "outcome_names": ["created", "updated", "merged", "unchanged", "skipped", "rejected"],
    }


def _get_job(request: HttpRequest, public_id: UUID) -> ImportJob:
    job = import_job_get_for(viewer=_viewer(request), public_id=public_id)
    if job is None:
        raise Http404("No such import.")
    return job


@organizer_required
@require_GET
def import_job(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The job: progress while busy, then the report and the decision form."""
    job = _get_job(request, public_id)
    template = (
        "network_app/exchange/_job.html"
        if getattr(request, "htmx", False)
        else "network_app/exchange/job.html"
    )
    return render(request, template, _job_context(job))


@organizer_required
@require_POST
def confirm(request: HttpRequest, public_id: UUID) -> HttpResponse:
    job = _get_job(request, public_id)
    decisions = {
        d["key"]: request.POST.get(f"decision:{d['key']}", d.get("decision", "merge"))
        for d in job.report.get("duplicates", [])
    }
    try:
        import_job_confirm(
            by=request.user, job=job, mode=request.POST.get("mode", ""), decisions=decisions
        )
    except DomainError as exc:
        context = _job_context(job)
        context["confirm_error"] = exc.message
        return render(request, "network_app/exchange/job.html", context, status=400)
    messages.info(request, "Importing: this page shows the progress.")
    return redirect(job.get_absolute_url())


@organizer_required
@require_GET
def rejected(request: HttpRequest, public_id: UUID) -> HttpResponse:
    job = _get_job(request, public_id)
    if job.status not in (ImportJob.Status.PLANNED, ImportJob.Status.DONE):
        raise Http404("The file has not been checked yet.")
    if not job.content:
        return HttpResponse(import_file_removed_message(), status=410, content_type="text/plain")
    content, name = rejected_rows_csv(job)
    content_type = "application/zip" if name.endswith(".zip") else "text/csv; charset=utf-8"
    return _attachment(content, content_type, name)


@organizer_required
@require_GET
def template(request: HttpRequest, kind: str) -> HttpResponse:
    """A CSV template of one kind (or ``workbook``: an XLSX with one sheet per kind)."""
    if kind == "workbook":
        return _attachment(
            xlsx.template_xlsx(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "smallbatch-import-template.xlsx",
        )
    if kind not in KINDS:
        raise Http404("No such template.")
    return _attachment(csv_io.template_csv(kind), "text/csv; charset=utf-8", f"{kind}.csv")


@organizer_required
@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The network the organizer may see, with the map's filters, in one format."""
    viewer = _viewer(request)
    try:
        filters = clean_filters(request.GET)
        content, content_type, name = export_network(viewer=viewer, fmt=fmt, filters=filters)
    except DomainError as exc:
        context = _index_context(viewer)
        context["export_error"] = exc.message
        return render(request, "network_app/exchange/index.html", context, status=400)
    return _attachment(content, content_type, name)


def _attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
