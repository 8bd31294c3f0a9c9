"""Cause pages: the taxonomy with counts, and who cares about a cause."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from causes import selectors
from people.roles import Viewer, viewer_for


def _viewer(request: HttpRequest) -> Viewer:
    cached = getattr(request, "_smallbatch_viewer", None)
    if cached is None:
        cached = viewer_for(request.user)
        request._smallbatch_viewer = cached  # type: ignore[attr-defined]
    return cached


@login_required
def cause_list(request: HttpRequest) -> HttpResponse:
    causes = selectors.cause_tree_visible_to(viewer=_viewer(request))
    return render(request, "causes/list.html", {"causes": causes})


@login_required
def cause_detail(request: HttpRequest, slug: str) -> HttpResponse:
    cause = selectors.cause_get(slug=slug)
    if cause is None:
        raise Http404("No such cause.")
    interests = selectors.interest_list_for_cause_visible_to(viewer=_viewer(request), cause=cause)
    page = Paginator(interests, settings.DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "causes/detail.html", {"cause": cause, "page": page})
