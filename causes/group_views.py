"""Pages for small-batch groups, weaving suggestions and suggestion runs.

Thin views: bind a form, call selectors (given the viewer) and one service, render;
POST-redirect-GET. Organizers see suggestions per cause and neighbourhood and act on them;
members see the suggestions they are in.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from causes import selectors as cause_selectors
from causes.group_forms import (
    ConveneForm,
    DismissForm,
    GroupFilterForm,
    OutcomeForm,
    RefreshForm,
    RespondForm,
    WeavingDismissForm,
    WeavingFilterForm,
)
from causes.models import Cause, GroupSuggestion, SuggestionRun
from causes.suggestions import selectors, services
from people.errors import DomainError, NotAllowed
from people.roles import Viewer, viewer_for

PAGE_SIZE = 20


def _viewer(request: HttpRequest) -> Viewer:
    cached = getattr(request, "_smallbatch_viewer", None)
    if cached is None:
        cached = viewer_for(request.user)
        request._smallbatch_viewer = cached  # type: ignore[attr-defined]
    return cached


def _is_organizer(viewer: Viewer) -> bool:
    return viewer.is_organizer or viewer.is_staff


def _group_or_404(viewer: Viewer, public_id: UUID) -> GroupSuggestion:
    group = selectors.group_get_visible_to(viewer=viewer, public_id=public_id)
    if group is None:
        raise Http404("No such group.")
    return group


def _back(request: HttpRequest, fallback: str) -> str:
    """Where to go after a POST: a same-site ``next`` path, else ``fallback``."""
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return target
    return fallback


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    """Organizers: groups per cause and neighbourhood. Members: the groups they are in."""
    viewer = _viewer(request)
    form = GroupFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    groups = selectors.group_list_visible_to(
        viewer=viewer,
        cause=filters.get("cause"),
        neighbourhood=filters.get("neighbourhood", ""),
        status=filters.get("status", "") if _is_organizer(viewer) else "",
    )
    page = Paginator(groups, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "groups": [selectors.group_present(viewer=viewer, group=g) for g in page.object_list],
        "is_organizer": _is_organizer(viewer),
        "active_run": selectors.run_latest_active(viewer=viewer),
        "refresh_form": RefreshForm(initial={"cause": filters.get("cause")}),
        "neighbourhoods": selectors.group_neighbourhoods(viewer=viewer),
    }
    return render(request, "causes/groups/list.html", context)


@login_required
def cause_groups(request: HttpRequest, slug: str) -> HttpResponse:
    """One cause's suggested groups (with its sub-causes), optionally in a neighbourhood."""
    cause = cause_selectors.cause_get(slug=slug)
    if cause is None:
        raise Http404("No such cause.")
    viewer = _viewer(request)
    neighbourhood = request.GET.get("neighbourhood", "").strip()[:80]
    groups = selectors.group_list_visible_to(
        viewer=viewer, cause=cause, neighbourhood=neighbourhood
    )
    page = Paginator(groups, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "cause": cause,
        "neighbourhood": neighbourhood,
        "neighbourhoods": selectors.group_neighbourhoods(viewer=viewer, cause=cause),
        "page": page,
        "groups": [selectors.group_present(viewer=viewer, group=g) for g in page.object_list],
        "is_organizer": _is_organizer(viewer),
        "active_run": selectors.run_latest_active(viewer=viewer, cause=cause),
    }
    return render(request, "causes/groups/cause.html", context)


@login_required
def group_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    viewer = _viewer(request)
    group = _group_or_404(viewer, public_id)
    presented = selectors.group_present(viewer=viewer, group=group)
    context = {
        "group": group,
        "presented": presented,
        "is_organizer": _is_organizer(viewer),
        "convene_form": ConveneForm(),
        "dismiss_form": DismissForm(),
        "outcome_form": OutcomeForm(initial={"outcome": group.outcome or None}),
        "part_names": list(group.parts.items()),
    }
    return render(request, "causes/groups/detail.html", context)


def _group_action(request: HttpRequest, public_id: UUID, form_class: type, action: Any) -> Any:
    viewer = _viewer(request)
    group = _group_or_404(viewer, public_id)
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(group.get_absolute_url()), None
    try:
        result = action(group, form.cleaned_data)
    except NotAllowed as exc:
        return HttpResponseForbidden(exc.message), None
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(group.get_absolute_url()), None
    return None, result


@login_required
@require_POST
def group_convene(request: HttpRequest, public_id: UUID) -> HttpResponse:
    response, group = _group_action(
        request,
        public_id,
        ConveneForm,
        lambda g, data: services.group_convene(by=request.user, group=g, message=data["message"]),
    )
    if response is not None:
        return response
    messages.success(request, "Convened: the members have been told and can accept.")
    return redirect(group.get_absolute_url())


@login_required
@require_POST
def group_dismiss(request: HttpRequest, public_id: UUID) -> HttpResponse:
    response, group = _group_action(
        request,
        public_id,
        DismissForm,
        lambda g, data: services.group_dismiss(by=request.user, group=g, reason=data["reason"]),
    )
    if response is not None:
        return response
    messages.success(request, "Dismissed. This group will not be proposed again.")
    return redirect(_back(request, group.get_absolute_url()))


@login_required
@require_POST
def group_outcome(request: HttpRequest, public_id: UUID) -> HttpResponse:
    response, group = _group_action(
        request,
        public_id,
        OutcomeForm,
        lambda g, data: services.group_outcome_record(
            by=request.user, group=g, outcome=data["outcome"], note=data["note"]
        ),
    )
    if response is not None:
        return response
    messages.success(request, "Outcome recorded.")
    return redirect(group.get_absolute_url())


@login_required
@require_POST
def group_respond(request: HttpRequest, public_id: UUID) -> HttpResponse:
    response, membership = _group_action(
        request,
        public_id,
        RespondForm,
        lambda g, data: services.group_member_respond(
            by=request.user, group=g, response=data["response"]
        ),
    )
    if response is not None:
        return response
    if membership.response == "opted_out":
        messages.success(request, "Done: you are out of this group, and it will not come back.")
        return redirect("causes:groups")
    messages.success(request, "Thanks, you're in. The organizer will be in touch.")
    return redirect(membership.group.get_absolute_url())


@login_required
def weaving_list(request: HttpRequest) -> HttpResponse:
    """Weaving suggestions: organizers see the whole network's, members those naming them."""
    viewer = _viewer(request)
    form = WeavingFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    suggestions = selectors.weaving_list_visible_to(
        viewer=viewer,
        cause=filters.get("cause"),
        neighbourhood=filters.get("neighbourhood", ""),
        kind=filters.get("kind", ""),
    )
    page = Paginator(suggestions, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "suggestions": [
            selectors.weaving_present(viewer=viewer, suggestion=s) for s in page.object_list
        ],
        "is_organizer": _is_organizer(viewer),
        "active_run": selectors.run_latest_active(viewer=viewer),
    }
    return render(request, "causes/weaving/list.html", context)


@login_required
@require_POST
def weaving_dismiss(request: HttpRequest, public_id: UUID) -> HttpResponse:
    viewer = _viewer(request)
    suggestion = selectors.weaving_get_visible_to(viewer=viewer, public_id=public_id)
    if suggestion is None:
        raise Http404("No such suggestion.")
    form = WeavingDismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Keep the reason under 300 characters.")
        return redirect("causes:weaving")
    try:
        services.weaving_dismiss(
            by=request.user, suggestion=suggestion, reason=form.cleaned_data["reason"]
        )
    except NotAllowed as exc:
        return HttpResponseForbidden(exc.message)
    messages.success(request, "Dismissed. This pair will not be suggested again.")
    return redirect(_back(request, reverse("causes:weaving")))


@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    """Suggestion runs, newest first, with their statistics for comparison (organizers)."""
    viewer = _viewer(request)
    if not _is_organizer(viewer):
        raise Http404("No such page.")
    runs = selectors.run_list_visible_to(viewer=viewer)
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "causes/groups/runs.html",
        {"page": page, "refresh_form": RefreshForm()},
    )


@login_required
@require_POST
def run_create(request: HttpRequest) -> HttpResponse:
    """ "Refresh suggestions": start a run, then show its progress (POST-redirect-GET)."""
    viewer = _viewer(request)
    if not _is_organizer(viewer):
        return HttpResponseForbidden("Only organizers can refresh suggestions.")
    form = RefreshForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a cause from the list.")
        return redirect(_back(request, reverse("causes:runs")))
    cause: Cause | None = form.cleaned_data["cause"]
    neighbourhood = form.cleaned_data["neighbourhood"]
    weaving = form.cleaned_data["weaving"] or (cause is None and not neighbourhood)
    try:
        run = services.suggestion_run_start(
            by=request.user,
            cause=cause,
            neighbourhood=neighbourhood,
            include_weaving=weaving,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_back(request, reverse("causes:runs")))
    return redirect(run.get_absolute_url())


@login_required
def run_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A run's progress (htmx polls the fragment while it runs) and, when done, its numbers
    next to the previous run of the same scope."""
    viewer = _viewer(request)
    run = selectors.run_get_visible_to(viewer=viewer, public_id=public_id)
    if run is None:
        raise Http404("No such run.")
    previous = (
        SuggestionRun.objects.filter(
            status=SuggestionRun.Status.DONE,
            cause=run.cause,
            neighbourhood=run.neighbourhood,
            city=run.city,
            created_at__lt=run.created_at,
        )
        .order_by("-created_at")
        .first()
    )
    context = {"run": run, "previous": previous, "comparison": _compare(run, previous)}
    template = (
        "causes/groups/_run_progress.html"
        if getattr(request, "htmx", False)
        else "causes/groups/run_detail.html"
    )
    return render(request, template, context)


def _compare(run: SuggestionRun, previous: SuggestionRun | None) -> list[tuple[str, Any, Any]]:
    keys = [
        ("people", "People in the network"),
        ("ties", "Ties"),
        ("group_candidates", "Candidates for groups"),
        ("groups", "Groups suggested"),
        ("mean_group_score", "Mean group score"),
        ("weaving", "Triangles to close"),
        ("periphery", "Periphery suggestions"),
        ("seconds", "Seconds to compute"),
    ]
    before = previous.stats if previous is not None else {}
    return [
        (label, run.stats.get(key, "-"), before.get(key, "-"))
        for key, label in keys
        if key in run.stats or key in before
    ]
