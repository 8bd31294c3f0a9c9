"""Import and export in the REST API (registered in ``network_app/api.py``).

- ``POST /api/v1/imports/`` (multipart: ``file``, optional ``kind``, ``source``, ``binning``)
  answers ``202`` with the job; its dry run runs in the background.
- ``GET /api/v1/imports/<id>/`` the job: status, progress, and the report once checked.
- ``POST /api/v1/imports/<id>/confirm/`` with ``mode`` and ``decisions`` ({row key: merge,
  create or skip}) starts the import: ``202``.
- ``GET /api/v1/imports/<id>/rejected/`` the rejected rows as CSV (zip for several kinds).
- ``GET /api/v1/exports/<format>/`` (csv, graphml, gexf, kumu) with the map's filters.

Organizers and staff only; a job is readable by its creator and staff.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from network_app.exchange.binning import BINNINGS
from network_app.exchange.exporter import EXPORT_FORMATS, clean_filters, export_network
from network_app.exchange.importer import DECISIONS, MODES
from network_app.exchange.jobs import (
    import_job_confirm,
    import_job_create,
    import_job_get_for,
    may_import,
    progress_of,
    rejected_rows_csv,
)
from network_app.exchange.tables import KINDS
from network_app.retention import import_file_removed_message
from people.errors import NotAllowed
from people.models import AuditEvent, ImportJob
from people.roles import viewer_for


class ImportUploadInput(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=["", *KINDS], required=False, default="")
    source = serializers.CharField(  # type: ignore[assignment]
        required=False, default="", allow_blank=True, max_length=60
    )
    binning = serializers.ChoiceField(choices=list(BINNINGS), required=False, default="quantile")


class ImportConfirmInput(serializers.Serializer):
    mode = serializers.ChoiceField(choices=list(MODES))
    decisions = serializers.DictField(
        child=serializers.ChoiceField(choices=list(DECISIONS)), required=False, default=dict
    )


class ImportJobOutput(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.CharField()
    filename = serializers.CharField()
    format = serializers.CharField()
    status = serializers.CharField()
    progress = serializers.IntegerField()
    stage = serializers.CharField()
    mode = serializers.CharField()
    error = serializers.CharField()
    report = serializers.DictField()
    created_at = serializers.DateTimeField()


def _job_data(request: Request, job: ImportJob) -> dict[str, Any]:
    percent, stage = progress_of(job)
    url = reverse("api:import-job-detail", kwargs={"public_id": job.public_id})
    return {
        "id": job.public_id,
        "url": request.build_absolute_uri(url),
        "filename": job.filename,
        "format": job.format,
        "status": job.status,
        "progress": percent,
        "stage": stage,
        "mode": job.mode,
        "error": job.error,
        "report": job.report or {},
        "created_at": job.created_at,
    }


def _not_found() -> Response:
    return Response(
        {"code": "not_found", "message": "No such import.", "errors": {}},
        status=status.HTTP_404_NOT_FOUND,
    )


class ImportJobViewSet(viewsets.ViewSet):
    """Upload a file, read its dry-run report, confirm the import."""

    lookup_field = "public_id"
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    required_scopes = {"*": "exchange:run"}  # API key scope (issue 7)
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def _job(self, request: Request, public_id: str) -> ImportJob | None:
        viewer = viewer_for(request.user)
        if not may_import(viewer):
            raise NotAllowed("Only organizers can import.")
        return import_job_get_for(viewer=viewer, public_id=public_id)

    @extend_schema(
        request={"multipart/form-data": ImportUploadInput},
        responses={202: ImportJobOutput, 400: OpenApiResponse(description="Field errors")},
    )
    def create(self, request: Request) -> Response:
        data = ImportUploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        job = import_job_create(
            by=request.user,
            filename=values["file"].name,
            content=values["file"].read(),
            kind=values["kind"],
            source=values["source"],
            binning=values["binning"],
        )
        job.refresh_from_db()
        body = _job_data(request, job)
        return Response(
            ImportJobOutput(body).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": body["url"]},
        )

    @extend_schema(responses={200: ImportJobOutput, 404: OpenApiResponse(description="Not found")})
    def retrieve(self, request: Request, public_id: str) -> Response:
        job = self._job(request, public_id)
        if job is None:
            return _not_found()
        return Response(ImportJobOutput(_job_data(request, job)).data)

    @extend_schema(request=ImportConfirmInput, responses={202: ImportJobOutput})
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, public_id: str) -> Response:
        job = self._job(request, public_id)
        if job is None:
            return _not_found()
        data = ImportConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        job = import_job_confirm(
            by=request.user,
            job=job,
            mode=data.validated_data["mode"],
            decisions=data.validated_data["decisions"],
        )
        job.refresh_from_db()
        return Response(ImportJobOutput(_job_data(request, job)).data, status=202)

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(description="Rejected rows"),
            410: OpenApiResponse(description="The file was removed (IMPORT_FILE_KEEP_DAYS)."),
        }
    )
    @action(detail=True, methods=["get"])
    def rejected(self, request: Request, public_id: str) -> HttpResponse | Response:
        job = self._job(request, public_id)
        if job is None or job.status not in (ImportJob.Status.PLANNED, ImportJob.Status.DONE):
            return _not_found()
        if not job.content:
            return Response(
                {"code": "gone", "message": import_file_removed_message(), "errors": {}},
                status=410,
            )
        content, name = rejected_rows_csv(job)
        response = HttpResponse(
            content,
            content_type="application/zip" if name.endswith(".zip") else "text/csv",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class ExportViewSet(viewsets.ViewSet):
    """The network the caller may see, in one format, with the map's filters."""

    lookup_field = "fmt"
    lookup_value_regex = "[a-z]+"
    required_scopes = {"*": "exchange:run"}  # API key scope (issue 7)

    @extend_schema(
        parameters=[
            OpenApiParameter(name, str, required=False)
            for name in ("q", "cause", "neighbourhood", "sector", "organization", "min_strength")
        ],
        responses={(200, "application/octet-stream"): OpenApiResponse(description="The file")},
    )
    def retrieve(self, request: Request, fmt: str) -> HttpResponse | Response:
        viewer = viewer_for(request.user)
        if fmt not in EXPORT_FORMATS:
            return Response(
                {
                    "code": "not_found",
                    "message": "Formats: " + ", ".join(EXPORT_FORMATS) + ".",
                    "errors": {},
                },
                status=status.HTTP_404_NOT_FOUND,
            )
        filters = clean_filters(request.query_params)
        content, content_type, name = export_network(
            viewer=viewer, fmt=fmt, filters=filters, channel=AuditEvent.Channel.API
        )
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
