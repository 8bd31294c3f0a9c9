"""Member pages: directory, profiles, my profile, people I know."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from people import selectors
from people.roles import viewer_for


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    viewer = viewer_for(request.user)
    people = selectors.person_list_visible_to(viewer=viewer)[:50]
    return render(request, "people/directory.html", {"people": people})


@login_required
def profile(request: HttpRequest, public_id: UUID) -> HttpResponse:
    viewer = viewer_for(request.user)
    person = selectors.person_get_visible_to(viewer=viewer, public_id=public_id)
    if person is None:
        raise Http404("No such person.")
    return render(request, "people/profile.html", {"person": person})
