"""The organizers' audit log page: newest first, paginated, filtered, masked for privacy."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from people.audit.filters import AuditEventFilter
from people.audit.present import audit_rows_for
from people.models import AuditEvent
from people.roles import viewer_for

PAGE_SIZE = 50


def may_read_audit_log(user: object) -> bool:
    """Organizers and admins read their network's log; members and strangers do not."""
    viewer = viewer_for(user)
    return viewer.is_authenticated and (viewer.is_organizer or viewer.is_staff)


@require_safe
@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """Who changed what, when, through which channel, with before -> after."""
    if not may_read_audit_log(request.user):
        raise PermissionDenied("The audit log is for organizers.")
    viewer = viewer_for(request.user)
    filters = AuditEventFilter(
        request.GET, queryset=AuditEvent.objects.order_by("-at", "-id"), request=request
    )
    valid = filters.is_valid()
    events = filters.qs if valid else AuditEvent.objects.none()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": filters,
        "form": filters.form,
        "page": page,
        "rows": audit_rows_for(viewer=viewer, events=list(page.object_list)),
    }
    return render(request, "people/audit/log.html", context, status=200 if valid else 400)
