"""Introduction pages: ask, the inbox with its tabs, one introduction, the organizer view, and
the notification inbox.

Thin views: bind a form, call selectors and one service, render or redirect
(POST-redirect-GET). An introduction the viewer may not see is a 404 (its existence does not
leak); a step the viewer may not take on one they see is a 403. htmx posts swap the
introduction's section in place; without JavaScript the same forms post and redirect.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from people import introductions, selectors
from people.errors import DomainError, NotAllowed
from people.intro_forms import DeclineForm, IntroductionRequestForm, OutcomeForm
from people.introductions.present import introduction_present, state_label_for
from people.models import Introduction, PathSearch, Person
from people.notifications import notification_list_for, notification_mark_read
from people.paths import path_search_get_for, path_search_present
from people.roles import Viewer, viewer_for

PAGE_SIZE = 20
TAB_LABELS = {"asked-of-me": "Asked of me", "i-asked": "I asked", "made": "Made"}
ACTIONS = ("accept", "decline", "forward", "withdraw", "record-outcome")


def _viewer(request: HttpRequest) -> Viewer:
    cached = getattr(request, "_smallbatch_viewer", None)
    if cached is None:
        cached = viewer_for(request.user)
        request._smallbatch_viewer = cached  # type: ignore[attr-defined]
    return cached


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False)) and (
        request.headers.get("HX-History-Restore-Request") != "true"
    )


def _add_domain_error(form: BaseForm, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


# ---------------------------------------------------------------------------------------------
# Asking


def _resolve_request(
    request: HttpRequest, viewer: Viewer
) -> tuple[Person, Person, list[Person] | None, PathSearch | None, list[str]]:
    """Target, broker, path, search and the chain labels to show, from the query string:
    ``?search=<uuid>&path=<index>`` (a path card) or ``?target=<uuid>&broker=<uuid>`` (a
    weaving suggestion). Anything unknown or not visible is a 404."""
    params = request.GET
    if params.get("search"):
        search = path_search_get_for(viewer=viewer, public_id=_uuid(params.get("search")))
        if search is None or search.requester_id != request.user.pk:
            raise Http404("No such path search.")
        try:
            index = int(params.get("path", "0"))
        except ValueError:
            raise Http404("No such path.") from None
        raw = search.result.get("paths", []) if isinstance(search.result, dict) else []
        presented = path_search_present(viewer=viewer, search=search)
        if not 0 <= index < len(raw) or index >= len(presented):
            raise Http404("No such path.")
        card = presented[index]
        if card.broker is None or card.broker.person is None:
            raise Http404("This path has nobody to ask.")
        ids: list[int] = raw[index]["people"]
        people = {p.pk: p for p in Person.objects.filter(pk__in=ids)}
        if len(people) != len(ids):
            raise Http404("This path has changed; search again.")
        path = [people[pk] for pk in ids]
        return path[-1], path[1], path, search, [hop.label for hop in card.hops]
    target = selectors.person_find_visible_to(viewer=viewer, public_id=params.get("target"))
    broker = selectors.person_find_visible_to(viewer=viewer, public_id=params.get("broker"))
    if target is None or broker is None:
        raise Http404("No such person.")
    return target, broker, None, None, ["You", broker.display_name, target.display_name]


def _uuid(value: Any) -> str | None:
    try:
        return str(UUID(str(value)))
    except ValueError:
        return None


@login_required
def introduction_new(request: HttpRequest) -> HttpResponse:
    """Ask for an introduction: GET shows the form, POST creates the request."""
    viewer = _viewer(request)
    if viewer.person is None:
        messages.info(request, "Create your profile first: introductions start from you.")
        return redirect("people:me")
    target, broker, path, search, labels = _resolve_request(request, viewer)
    form = IntroductionRequestForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                introduction = introductions.introduction_request(
                    by=request.user,
                    target=target,
                    broker=broker if path is None else None,
                    path=path,
                    message=form.cleaned_data["message"],
                    path_search=search,
                )
            except DomainError as error:
                _add_domain_error(form, error)
            else:
                messages.success(
                    request, f"Your request went to {broker.display_name}. We will let you know."
                )
                return redirect(introduction.get_absolute_url())
        status = 400
    at_capacity = broker.pk in introductions.brokers_at_capacity([broker.pk])
    context = {
        "form": form,
        "target": target,
        "broker": broker,
        "labels": labels,
        "at_capacity": at_capacity,
        "action": f"{reverse('people:introduction_new')}?{request.GET.urlencode()}",
    }
    return render(request, "people/introductions/new.html", context, status=status)


# ---------------------------------------------------------------------------------------------
# The inbox


@login_required
def introduction_inbox(request: HttpRequest) -> HttpResponse:
    """Tabs: asked of me, I asked, made."""
    viewer = _viewer(request)
    tab = request.GET.get("tab") or "asked-of-me"
    if tab not in TAB_LABELS:
        tab = "asked-of-me"
    qs = introductions.introduction_list_for(viewer=viewer, tab=tab)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(i, state_label_for(i, viewer)) for i in page.object_list]
    context = {
        "tab": tab,
        "tabs": TAB_LABELS.items(),
        "rows": rows,
        "page": page,
        "waiting": introductions.introduction_waiting_count(viewer=viewer),
    }
    template = (
        "people/introductions/_inbox_list.html"
        if _is_htmx(request)
        else "people/introductions/inbox.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# ---------------------------------------------------------------------------------------------
# One introduction


def _get_visible(viewer: Viewer, public_id: UUID) -> Introduction:
    introduction = introductions.introduction_get_for(viewer=viewer, public_id=public_id)
    if introduction is None:
        raise Http404("No such introduction.")
    return introduction


def _detail_context(
    viewer: Viewer,
    introduction: Introduction,
    *,
    decline_form: DeclineForm | None = None,
    outcome_form: OutcomeForm | None = None,
) -> dict[str, Any]:
    view = introduction_present(viewer=viewer, introduction=introduction)
    if outcome_form is None:
        side = "requester" if view.role == "requester" else "target"
        met = getattr(introduction, f"{side}_met")
        outcome_form = OutcomeForm(
            initial={
                "met": {True: "yes", False: "no"}.get(met, ""),
                "rating": getattr(introduction, f"{side}_rating"),
                "note": getattr(introduction, f"{side}_note"),
            }
        )
    return {
        "intro": introduction,
        "view": view,
        "decline_form": decline_form or DeclineForm(),
        "outcome_form": outcome_form,
        "message_visible": view.role != "observer" or viewer.is_organizer or viewer.is_staff,
    }


def _render_detail(
    request: HttpRequest, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    template = (
        "people/introductions/_detail.html"
        if _is_htmx(request)
        else "people/introductions/detail.html"
    )
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def introduction_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The introduction, its history, and the steps the viewer may take. Reading it marks the
    viewer's notifications about it as read."""
    viewer = _viewer(request)
    introduction = _get_visible(viewer, public_id)
    if viewer.person_id is not None:
        notification_mark_read(viewer=viewer, introduction=introduction)
    return _render_detail(request, _detail_context(viewer, introduction))


@login_required
@require_POST
def introduction_action(request: HttpRequest, public_id: UUID, action: str) -> HttpResponse:
    """One step: accept, decline, forward, withdraw, record-outcome."""
    viewer = _viewer(request)
    introduction = _get_visible(viewer, public_id)
    if action not in ACTIONS:
        raise Http404("No such action.")
    decline_form: DeclineForm | None = None
    outcome_form: OutcomeForm | None = None
    try:
        if action == "accept":
            introduction = introductions.introduction_accept(
                by=request.user, introduction=introduction
            )
            done = "Thank you: your answer is recorded."
        elif action == "forward":
            introduction = introductions.introduction_forward(
                by=request.user, introduction=introduction
            )
            done = "Thank you: the request went to the next person on the path."
        elif action == "withdraw":
            introduction = introductions.introduction_withdraw(
                by=request.user, introduction=introduction
            )
            done = "You withdrew your request."
        elif action == "decline":
            decline_form = DeclineForm(request.POST)
            if not decline_form.is_valid():
                return _render_detail(
                    request, _detail_context(viewer, introduction, decline_form=decline_form), 400
                )
            introduction = introductions.introduction_decline(
                by=request.user,
                introduction=introduction,
                reason=decline_form.cleaned_data["reason"],
            )
            decline_form = None
            done = "You declined. The person asking only learns that it was declined."
        else:
            outcome_form = OutcomeForm(request.POST)
            if not outcome_form.is_valid():
                return _render_detail(
                    request, _detail_context(viewer, introduction, outcome_form=outcome_form), 400
                )
            data = outcome_form.cleaned_data
            introduction = introductions.introduction_record_outcome(
                by=request.user,
                introduction=introduction,
                met=data["met"] == "yes",
                rating=data["rating"],
                note=data["note"],
            )
            outcome_form = None
            done = "Thank you for telling us how it went."
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except DomainError as error:
        if action == "decline" and decline_form is not None:
            _add_domain_error(decline_form, error)
        elif action == "record-outcome" and outcome_form is not None:
            _add_domain_error(outcome_form, error)
        messages.error(request, error.message)
        if _is_htmx(request):
            return _render_detail(
                request,
                _detail_context(
                    viewer, introduction, decline_form=decline_form, outcome_form=outcome_form
                ),
                400,
            )
        return redirect(introduction.get_absolute_url())
    messages.success(request, done)
    if _is_htmx(request):
        introduction.refresh_from_db()
        return _render_detail(request, _detail_context(viewer, introduction))
    return redirect(introduction.get_absolute_url())


# ---------------------------------------------------------------------------------------------
# Organizers


@login_required
def introduction_network(request: HttpRequest) -> HttpResponse:
    """All introductions in the network: counts by state, median time to decision, stale
    requests, brokers' load this month. Organizers and staff only."""
    viewer = _viewer(request)
    if not (viewer.is_organizer or viewer.is_staff):
        raise PermissionDenied("Only organizers see all introductions.")
    state = request.GET.get("state") or None
    try:
        qs = introductions.introduction_list_for(viewer=viewer, state=state)
    except DomainError:
        state = None
        qs = introductions.introduction_list_for(viewer=viewer)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    stale_days = settings.INTRODUCTION_STALE_DAYS
    counts = introductions.introduction_counts_by_state(viewer=viewer)
    labels = dict(Introduction._meta.get_field("state").choices or [])
    context = {
        "counts": [(key, labels.get(key, key), n) for key, n in counts.items()],
        "total": sum(counts.values()),
        "median_days": introductions.introduction_median_days_to_decision(viewer=viewer),
        "stale": introductions.introduction_list_stale(viewer=viewer, older_than_days=stale_days)[
            :50
        ],
        "stale_days": stale_days,
        "load": introductions.broker_load_this_month(viewer=viewer)[:20],
        "page": page,
        "state": state,
    }
    return render(request, "people/introductions/network.html", context)


# ---------------------------------------------------------------------------------------------
# Notifications


@login_required
def notification_inbox(request: HttpRequest) -> HttpResponse:
    """The viewer's notifications, newest first; unread ones stand out."""
    viewer = _viewer(request)
    page = Paginator(notification_list_for(viewer=viewer), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "people/introductions/notifications.html", {"page": page})


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    """Mark all of the viewer's notifications read."""
    viewer = _viewer(request)
    if viewer.person_id is None:
        raise PermissionDenied("Only members have an inbox.")
    changed = notification_mark_read(viewer=viewer)
    messages.success(request, f"Marked {changed} notification{'s' if changed != 1 else ''} read.")
    return redirect("people:notifications")
