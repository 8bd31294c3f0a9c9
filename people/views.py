"""Member pages: directory, profiles, my profile, people I know.

Thin views: bind a form, call selectors (which apply every visibility rule in the query) and
one service, then render or redirect (POST-redirect-GET). A person the viewer may not see is a
404, never a 403, so the page does not reveal that they exist.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce, Least
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.html import escape, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from causes import selectors as cause_selectors
from causes import services as cause_services
from causes.forms import InterestFormSet
from network_app import page_cache
from network_app.pagination import CachedCountPaginator
from people import selectors, services
from people.audit import contact_read_record
from people.errors import DomainError
from people.filters import PersonFilter
from people.forms import (
    PROFILE_FIELDS,
    PersonSearchForm,
    PrivacyForm,
    ProfileForm,
    TieRecordForm,
    TieSideForm,
    allow_to_choice,
)
from people.models import AuditEvent, Person, Sector, Tie
from people.roles import Viewer, viewer_for

PRIVACY_FIELDS = [
    "visibility",
    "open_to_introductions",
    "open_to_groups",
    "do_not_contact",
    "monthly_intro_capacity",
    "email_notifications",
]
SEARCH_RESULTS_MAX = 20


def _viewer(request: HttpRequest) -> Viewer:
    """The viewer of this request, resolved once (shared with the template context)."""
    cached = getattr(request, "_smallbatch_viewer", None)
    if cached is None:
        cached = viewer_for(request.user)
        request._smallbatch_viewer = cached  # type: ignore[attr-defined]
    return cached


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _wants_partial(request: HttpRequest) -> bool:
    """An htmx request that swaps part of the page (not a history restore of the whole page)."""
    return (
        _is_htmx(request)
        and request.headers.get("HX-History-Restore-Request") != "true"
        and request.headers.get("HX-Request-Type") != "full"
    )


def _add_domain_error(form: BaseForm, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _add_validation_error(form: BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _needs_profile(request: HttpRequest) -> HttpResponse:
    messages.info(request, "Create your profile first: then you can record who you know.")
    return redirect("people:me")


# Directory and profiles


def _option_tags(
    options: selectors.FilterOptions,
    kind: str,
    choices: list[tuple[str, str]],
    current: dict[str, str],
) -> str:
    """The ``<option>`` tags of a directory filter, the current choice selected. Built here
    rather than in a template loop: at 100,000 people there are over 5,000 organizations, and
    the loop took most of the page's time. Kept beside the options when nothing is chosen."""
    selected = current["neighbourhood" if kind == "neighbourhoods" else "organization"]
    key = f"{options.key}:tags:{kind}" if options.key and not selected else None
    if key is not None:
        cached = cache.get(key)
        if cached is not None:
            return mark_safe(cached)  # noqa: S308 - built by format_html_join below
    tags = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if value == selected else "", label) for value, label in choices),
    )
    if key is not None:
        cache.set(key, str(tags), settings.FILTER_OPTIONS_CACHE_SECONDS)
    return tags


def _directory_results_html(request: HttpRequest, viewer: Viewer) -> str:
    # Validates the filters to show errors; the selector applies the same FilterSet.
    filterset = PersonFilter(request.GET or None, queryset=Person.objects.none(), viewer=viewer)
    people = selectors.person_directory_visible_to(viewer=viewer, filters=request.GET)
    page = CachedCountPaginator(people, settings.DIRECTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "filter_errors": filterset.form.errors if filterset.is_bound else {},
    }
    return render_to_string("people/_directory_results.html", context, request)


def _directory_filters_html(request: HttpRequest, viewer: Viewer) -> str:
    current = {
        name: request.GET.get(name, "")
        for name in ("q", "cause", "neighbourhood", "sector", "organization")
    }
    options = selectors.filter_options_visible_to(viewer=viewer)
    context = {
        "current": current,
        "sector_options": Sector.choices,
        "cause_options": cause_selectors.cause_choices(),
        "neighbourhood_option_tags": _option_tags(
            options, "neighbourhoods", [(n, n) for n in options.neighbourhoods], current
        ),
        # The chosen organization only: the select loads the others (organization_options).
        "organization_option_tags": format_html_join(
            "",
            '<option value="{}" selected>{}</option>',
            (
                (value, label)
                for value, label in options.organizations
                if current["organization"] and value == current["organization"]
            ),
        ),
    }
    return render_to_string("people/_directory_filters.html", context, request)


@login_required
def organization_options(request: HttpRequest) -> HttpResponse:
    """The organizations the viewer may filter the directory by (those of people they can
    see). To htmx, the directory's organization select loading its ``<option>`` tags (the one
    in ``?organization=`` selected); to a browser without script, a page of links to the
    directory filtered by each. Both are kept once per visibility class."""
    viewer = _viewer(request)

    def option_tags() -> str:
        options = selectors.filter_options_visible_to(viewer=viewer)
        none = {"organization": "", "neighbourhood": ""}
        tags = _option_tags(options, "organizations", options.organizations, none)
        return '<option value="">Any organization</option>' + str(tags)

    def link_list() -> str:
        options = selectors.filter_options_visible_to(viewer=viewer)
        context = {"organizations": options.organizations}
        return render_to_string("people/_organization_list.html", context, request)

    htmx = _is_htmx(request)
    html = page_cache.cached(
        "organization-options" if htmx else "organization-links",
        request=request,
        viewer=viewer,
        build=option_tags if htmx else link_list,
        by_class=True,
        url="",
    )
    if htmx:
        chosen = escape(request.GET.get("organization", ""))
        if chosen:  # escaped like the tags: matches a whole option's start tag or nothing
            html = html.replace(
                f'<option value="{chosen}">', f'<option value="{chosen}" selected>', 1
            )
        response = HttpResponse(mark_safe(html))  # noqa: S308 - built by format_html_join
    else:
        context = {"list_html": mark_safe(html)}  # noqa: S308 - rendered by the engine
        response = render(request, "people/organizations.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    """The directory: the filter form and a page of people (an htmx request gets the page of
    people alone). Both parts come from the page cache when the data has not changed."""
    viewer = _viewer(request)
    results_html = mark_safe(  # noqa: S308 - rendered by the template engine (escaped)
        page_cache.cached(
            "directory-results",
            request=request,
            viewer=viewer,
            build=lambda: _directory_results_html(request, viewer),
            by_class=True,  # the cards show nothing of the viewer
        )
    )
    if _wants_partial(request):  # the filter form is not part of the htmx fragment
        response = HttpResponse(results_html)
    else:
        filters_html = mark_safe(  # noqa: S308 - rendered by the template engine (escaped)
            page_cache.cached(
                "directory-filters",
                request=request,
                viewer=viewer,
                build=lambda: _directory_filters_html(request, viewer),
                by_class=True,  # 5,000 organizations at 100,000 people: one copy per class
            )
        )
        context = {"filters_html": filters_html, "results_html": results_html}
        response = render(request, "people/directory.html", context)
    # The same URL answers a fragment to htmx and a page to a browser: keep caches apart.
    patch_vary_headers(response, ("HX-Request", "HX-Request-Type"))
    return response


PROFILE_TIES_PER_PAGE = 30


def _profile_parts(request: HttpRequest, viewer: Viewer, public_id: UUID) -> dict[str, Any]:
    """A profile as this viewer sees it: the head and body HTML, and what the actions between
    them need. A person the viewer may not see is a 404."""
    person = selectors.person_get_visible_to(viewer=viewer, public_id=public_id)
    if person is None:
        raise Http404("No such person.")
    visible_ties = selectors.tie_list_on_profile_visible_to(viewer=viewer, person=person)
    # Strongest first, a page at a time: a well-connected organizer knows hundreds of people.
    ties_page = Paginator(
        visible_ties.annotate(
            shown_strength=Least(
                Coalesce("a_strength", "b_strength", Value(0)),
                Coalesce("b_strength", "a_strength", Value(0)),
            )
        ).order_by("-shown_strength", "pk"),
        PROFILE_TIES_PER_PAGE,
    ).get_page(request.GET.get("ties_page"))
    is_me = viewer.person_id == person.pk
    has_my_tie = False
    if viewer.person_id is not None and not is_me:
        has_my_tie = visible_ties.filter(
            Q(person_a_id=viewer.person_id) | Q(person_b_id=viewer.person_id)
        ).exists()
    show_private = selectors.can_see_private_fields(viewer=viewer, person=person)
    if show_private and not is_me:  # an admin reads contact details: logged (issue 9)
        contact_read_record(
            by=request.user, people=[person], view="profile", channel=AuditEvent.Channel.WEB
        )
    context = {
        "person": person,
        "is_me": is_me,
        "show_private": show_private,
        "interests": cause_selectors.interest_list_of_person(viewer=viewer, person=person),
        "tie_rows": [{"tie": tie, "other": tie.other(person)} for tie in ties_page],
        "ties_page": ties_page,
    }
    return {
        "person": {"public_id": str(person.public_id), "display_name": person.display_name},
        "is_me": is_me,
        "my_tie": has_my_tie,
        "head_html": render_to_string("people/_profile_head.html", context, request),
        "body_html": render_to_string("people/_profile_body.html", context, request),
    }


@login_required
def profile(request: HttpRequest, public_id: UUID) -> HttpResponse:
    viewer = _viewer(request)
    parts = page_cache.cached(
        "profile",
        request=request,
        viewer=viewer,
        build=lambda: _profile_parts(request, viewer, public_id),
    )
    context = {
        **parts,
        "head_html": mark_safe(parts["head_html"]),  # noqa: S308 - rendered by the engine
        "body_html": mark_safe(parts["body_html"]),  # noqa: S308 - rendered by the engine
    }
    return render(request, "people/profile.html", context)


# My profile


def _privacy_choices(viewer: Viewer, person: Person) -> Any:
    return selectors.person_list_visible_to(viewer=viewer).exclude(pk=person.pk)


def _interest_initial(viewer: Viewer, person: Person) -> list[dict[str, Any]]:
    return [
        {
            "cause": interest.cause,
            "original_cause": interest.cause,
            "passion": interest.passion,
            "offers": interest.offers,
            "needs": interest.needs,
        }
        for interest in cause_selectors.interest_list_of_person(viewer=viewer, person=person)
    ]


def _render_me(
    request: HttpRequest,
    viewer: Viewer,
    person: Person,
    *,
    profile_form: ProfileForm | None = None,
    privacy_form: PrivacyForm | None = None,
    formset: Any = None,
) -> HttpResponse:
    context = {
        "person": person,
        "profile_form": profile_form or ProfileForm(instance=person),
        "privacy_form": privacy_form
        or PrivacyForm(instance=person, choices=_privacy_choices(viewer, person)),
        "formset": formset
        or InterestFormSet(initial=_interest_initial(viewer, person), prefix="interests"),
    }
    return render(request, "people/me.html", context)


def _fresh(person: Person) -> Person:
    # Bound model forms change their instance while validating; give them a copy so an
    # invalid form never leaks half-edited values into the rest of the page.
    return Person.objects.get(pk=person.pk)


@login_required
def me(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    if viewer.person is None:
        return _me_create(request)
    person = viewer.person
    if request.method != "POST":
        return _render_me(request, viewer, person)
    form = ProfileForm(request.POST, instance=_fresh(person))
    if form.is_valid():
        try:
            services.person_update(
                by=request.user,
                person=person,
                data={name: form.cleaned_data[name] for name in PROFILE_FIELDS},
            )
        except DomainError as error:
            _add_domain_error(form, error)
        except ValidationError as error:
            _add_validation_error(form, error)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("people:me")
    return _render_me(request, viewer, person, profile_form=form)


def _me_create(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.person_create_own(
                user=request.user,
                data={name: form.cleaned_data[name] for name in PROFILE_FIELDS},
            )
        except DomainError as error:
            _add_domain_error(form, error)
        except ValidationError as error:
            _add_validation_error(form, error)
        else:
            messages.success(
                request,
                "Your profile is created. Only organizers can see it until you choose "
                "otherwise below.",
            )
            return redirect("people:me")
    return render(request, "people/me_create.html", {"form": form})


@login_required
@require_POST
def me_privacy(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    person = viewer.person
    if person is None:
        return _needs_profile(request)
    choices = _privacy_choices(viewer, person)
    form = PrivacyForm(request.POST, instance=_fresh(person), choices=choices)
    if form.is_valid():
        # People blocked earlier who are no longer visible stay blocked: they are not in the
        # choices (their names must not reach the page), so a save must not drop them.
        kept = list(person.do_not_introduce.exclude(pk__in=choices.values("pk")))
        try:
            with transaction.atomic():
                services.person_update(
                    by=request.user,
                    person=person,
                    data={name: form.cleaned_data[name] for name in PRIVACY_FIELDS},
                )
                services.person_do_not_introduce_set(
                    by=request.user,
                    person=person,
                    blocked=[*form.cleaned_data["do_not_introduce"], *kept],
                )
        except DomainError as error:
            _add_domain_error(form, error)
        except ValidationError as error:
            _add_validation_error(form, error)
        else:
            messages.success(request, "Your privacy settings are saved.")
            return redirect("people:me")
    return _render_me(request, viewer, person, privacy_form=form)


@login_required
@require_POST
def me_causes(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    person = viewer.person
    if person is None:
        return _needs_profile(request)
    formset = InterestFormSet(
        request.POST, initial=_interest_initial(viewer, person), prefix="interests"
    )
    if formset.is_valid():
        try:
            with transaction.atomic():
                _save_interests(request, person, formset)
        except DomainError as error:
            formset.forms[0].add_error(None, error.message)
        else:
            messages.success(request, "Your causes are saved.")
            return redirect("people:me")
    return _render_me(request, viewer, person, formset=formset)


def _save_interests(request: HttpRequest, person: Person, formset: Any) -> None:
    for form in formset.forms:
        data = form.cleaned_data
        original = data.get("original_cause")
        if data.get("DELETE"):
            if original is not None:
                cause_services.interest_remove(by=request.user, person=person, cause=original)
            continue
        if not form.has_changed() or data.get("cause") is None:
            continue
        if original is not None and original != data["cause"]:
            cause_services.interest_remove(by=request.user, person=person, cause=original)
        cause_services.interest_set(
            by=request.user,
            person=person,
            cause=data["cause"],
            passion=data["passion"],
            offers=data["offers"],
            needs=data["needs"],
        )


# People I know


def _side_form(tie: Tie, person_id: int, data: Any = None) -> TieSideForm:
    side = tie.side_of(person_id)
    initial = {
        "strength": tie.strength_of(side) or "",
        "status": tie.status_of(side),
        "allows_introductions": allow_to_choice(tie.allows_introductions_of(side)),
        "visible_to_members": tie.visible_to_members_of(side),
    }
    return TieSideForm(data, initial=initial, prefix=f"tie-{tie.public_id}")


def _tie_row(tie: Tie, person_id: int, form: TieSideForm | None = None) -> dict[str, Any]:
    side = tie.side_of(person_id)
    their = "b" if side == "a" else "a"
    return {
        "tie": tie,
        "other": getattr(tie, "other_person", None),
        "my_strength": tie.strength_of(side),
        "my_status": tie.get_a_status_display() if side == "a" else tie.get_b_status_display(),
        "their_strength": tie.strength_of(their),
        "their_status": (tie.get_b_status_display() if side == "a" else tie.get_a_status_display()),
        "form": form or _side_form(tie, person_id),
    }


def _render_me_ties(
    request: HttpRequest,
    viewer: Viewer,
    *,
    bound: TieSideForm | None = None,
    bound_tie: Tie | None = None,
) -> HttpResponse:
    assert viewer.person_id is not None
    search = PersonSearchForm(request.GET or None)
    results: list[Person] = []
    if search.is_valid() and search.cleaned_data["q"]:
        results = list(
            selectors.person_list_visible_to(
                viewer=viewer, filters={"q": search.cleaned_data["q"]}
            ).exclude(pk=viewer.person_id)[:SEARCH_RESULTS_MAX]
        )
    rows = []
    for tie in selectors.tie_list_of_viewer(viewer=viewer):
        form = bound if bound_tie is not None and tie.pk == bound_tie.pk else None
        rows.append(_tie_row(tie, viewer.person_id, form))
    known = {row["other"].pk for row in rows if row["other"] is not None}
    context = {"rows": rows, "search": search, "results": results, "known": known}
    return render(request, "people/me_ties.html", context)


@login_required
def me_ties(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    if viewer.person is None:
        return _needs_profile(request)
    return _render_me_ties(request, viewer)


@login_required
@require_POST
def tie_side(request: HttpRequest, tie_id: UUID) -> HttpResponse:
    viewer = _viewer(request)
    tie = selectors.tie_get_for_side_owner(viewer=viewer, public_id=tie_id)
    if tie is None or viewer.person_id is None:
        raise Http404("No such tie among yours.")
    form = _side_form(tie, viewer.person_id, request.POST)
    if form.is_valid():
        try:
            tie = services.tie_side_update(
                by=request.user,
                tie=tie,
                strength=form.cleaned_data["strength"],
                status=form.cleaned_data["status"],
                allows_introductions=form.cleaned_data["allows_introductions"],
                visible_to_members=form.cleaned_data["visible_to_members"],
            )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            if _is_htmx(request):
                # htmx swaps just this form; a fresh form shows the saved values.
                context = {"tie": tie, "form": _side_form(tie, viewer.person_id), "saved": True}
                return render(request, "people/_tie_side_form.html", context)
            messages.success(request, "Your side of the tie is saved.")
            return redirect("people:me_ties")
    if _is_htmx(request):
        return render(request, "people/_tie_side_form.html", {"tie": tie, "form": form})
    return _render_me_ties(request, viewer, bound=form, bound_tie=tie)


@login_required
def record_tie(request: HttpRequest, public_id: UUID) -> HttpResponse:
    viewer = _viewer(request)
    other = selectors.person_get_visible_to(viewer=viewer, public_id=public_id)
    if other is None:
        raise Http404("No such person.")
    if viewer.person is None:
        return _needs_profile(request)
    form = TieRecordForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            _tie, created = services.tie_record(
                by=request.user,
                person=viewer.person,
                other=other,
                strength=data["strength"],
                kind=data["kind"],
                context=data["context"],
                since=data["since"],
                allows_introductions=data["allows_introductions"],
                visible_to_members=data["visible_to_members"],
            )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            verb = "recorded" if created else "updated"
            messages.success(request, f"You {verb} that you know {other.display_name}.")
            return redirect("people:me_ties")
    return render(request, "people/record_tie.html", {"form": form, "other": other})
