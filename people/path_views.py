"""Pages for warm-introduction paths: start a search from a profile, watch its result."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from network_app.outages import unavailable_response
from people import selectors
from people.errors import DomainError
from people.paths import (
    SearchNotQueued,
    path_search_get_for,
    path_search_present,
    path_search_start,
)
from people.roles import viewer_for


@login_required
@require_POST
def path_search_create(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """ "How can I reach this person?": start a search, then show it (POST-redirect-GET)."""
    viewer = viewer_for(request.user)
    target = selectors.person_get_visible_to(viewer=viewer, public_id=public_id)
    if target is None:
        raise Http404("No such person.")
    try:
        search = path_search_start(by=request.user, target=target)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(target.get_absolute_url())
    except SearchNotQueued as exc:
        # The search is saved as pending and runs once the queue is back: say so plainly.
        return unavailable_response(
            request,
            "queue",
            message="Searches cannot start right now: the job queue is unavailable for a "
            "moment. Your search is saved and will run as soon as it is back; "
            "please try again in a minute.",
            link=exc.search.get_absolute_url(),
        )
    return redirect(search.get_absolute_url())


@login_required
def path_search_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The search and its path cards. htmx polls the result fragment until it is finished;
    without JavaScript the page refreshes itself while the search runs."""
    viewer = viewer_for(request.user)
    search = path_search_get_for(viewer=viewer, public_id=public_id)
    if search is None:
        raise Http404("No such path search.")
    context = {
        "search": search,
        "paths": path_search_present(viewer=viewer, search=search),
        "target_visible": selectors.person_get_visible_to(
            viewer=viewer, public_id=search.target.public_id
        )
        is not None,
    }
    template = (
        "people/_path_search_result.html"
        if getattr(request, "htmx", False)
        else "people/path_search.html"
    )
    return render(request, template, context)
