"""Organizer dashboard pages: overview (health, trends, weaver actions), the network map and
its JSON, the table view, a person's panel, exports, and the "compute now" button.

Every view refuses members and strangers (strangers go to the login page, members get a 403).
Filters are validated by :class:`MapFilterForm` (a 400 with field errors on bad input) and
applied by the selectors in :mod:`network_app.dashboard`, in the database query.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, cast
from uuid import UUID

import networkx as nx
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe

from causes.selectors import cause_choices
from network_app import dashboard, weaver
from network_app.models import PersonMetric
from people import selectors
from people.errors import DomainError
from people.models import Sector
from people.paths import path_search_start
from people.roles import Viewer, viewer_for

SIZE_CHOICES = [
    ("degree", "Ties"),
    ("weighted_degree", "Weighted ties"),
    ("betweenness", "Brokerage (betweenness)"),
    ("closeness", "Closeness"),
    ("eigenvector", "Eigenvector"),
]
COLOUR_CHOICES = [("community", "Community"), ("cause", "Cause"), ("sector", "Background")]
SORT_FIELDS = {
    "name": "name",
    "community": "community",
    "ties": "ties",
    "degree": "degree",
    "weighted_degree": "weighted_degree",
    "betweenness": "betweenness",
    "closeness": "closeness",
    "eigenvector": "eigenvector",
    "sector": "sector",
    "neighbourhood": "neighbourhood",
    "cause": "cause",
}
TABLE_PAGE_SIZE = 100
FILTER_NAMES = (
    "cause",
    "neighbourhood",
    "sector",
    "organization",
    "min_strength",
    "focus",
    "steps",
)


def organizer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log in first; then organizers (and staff) only."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        viewer = viewer_for(request.user)
        if not dashboard.can_use_dashboard(viewer):
            raise PermissionDenied("The dashboard is for organizers.")
        request.dashboard_viewer = viewer  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def _viewer(request: HttpRequest) -> Viewer:
    return request.dashboard_viewer  # type: ignore[attr-defined]


class MapFilterForm(forms.Form):
    cause = forms.ChoiceField(required=False)
    neighbourhood = forms.ChoiceField(required=False)
    sector = forms.ChoiceField(required=False, choices=[("", "Any background"), *Sector.choices])
    organization = forms.ChoiceField(required=False)
    min_strength = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[(s, f"{s} or more") for s in dashboard.STRENGTH_CHOICES],
        label="Minimum tie strength",
    )
    focus = forms.UUIDField(required=False, label="Focus on")
    steps = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[(1, "1 step"), (2, "2 steps")]
    )
    size = forms.ChoiceField(required=False, choices=SIZE_CHOICES, label="Size by")
    colour = forms.ChoiceField(required=False, choices=COLOUR_CHOICES, label="Colour by")

    def __init__(self, data: Any, *, viewer: Viewer, for_display: bool = True) -> None:
        """``for_display=False`` (the JSON and export endpoints) skips building the choices of
        a filter that is not used: thousands of organizations cost tens of milliseconds per
        request, for a check that an empty value passes anyway."""
        super().__init__(data)
        cast(forms.ChoiceField, self.fields["cause"]).choices = [("", "Any cause")] + [
            (c.slug, f"{c.parent.name} > {c.name}" if c.parent else c.name) for c in cause_choices()
        ]
        used = {name for name in ("neighbourhood", "organization") if data.get(name)}
        if not for_display and not used:
            cast(forms.ChoiceField, self.fields["neighbourhood"]).choices = [("", "Anywhere")]
            cast(forms.ChoiceField, self.fields["organization"]).choices = [
                ("", "Any organization")
            ]
            return
        options = selectors.filter_options_visible_to(viewer=viewer)
        cast(forms.ChoiceField, self.fields["neighbourhood"]).choices = [("", "Anywhere")] + [
            (n, n) for n in options.neighbourhoods
        ]
        cast(forms.ChoiceField, self.fields["organization"]).choices = [
            ("", "Any organization"),
            *options.organizations,
        ]

    def to_filters(self) -> dashboard.MapFilters:
        data = self.cleaned_data
        return dashboard.MapFilters(
            cause=data.get("cause") or "",
            neighbourhood=data.get("neighbourhood") or "",
            sector=data.get("sector") or "",
            organization=data.get("organization") or "",
            min_strength=data.get("min_strength") or 1,
            focus=str(data["focus"]) if data.get("focus") else "",
            steps=data.get("steps") or 1,
        )


def _filters(
    request: HttpRequest, *, for_display: bool = True
) -> tuple[MapFilterForm, dashboard.MapFilters | None]:
    form = MapFilterForm(request.GET, viewer=_viewer(request), for_display=for_display)
    return form, (form.to_filters() if form.is_valid() else None)


def _query(request: HttpRequest) -> str:
    """The current filters as a query string (for links between map, table and exports)."""
    return urlencode([(k, request.GET.get(k, "")) for k in FILTER_NAMES if request.GET.get(k)])


@require_safe
@organizer_required
def overview(request: HttpRequest) -> HttpResponse:
    """Health at a glance, trends and weaver actions."""
    viewer = _viewer(request)
    trends = weaver.dashboard_trends(viewer=viewer)
    context = {
        "snapshot": dashboard.snapshot_latest(),
        "in_flight": dashboard.snapshot_in_flight(),
        "actions": weaver.weaver_actions(viewer=viewer),
        "trends": trends,
        "trend_rows": list(
            zip(
                trends["months"],
                trends["new_ties"],
                trends["introductions_made"],
                trends["groups_convened"],
                strict=True,
            )
        ),
    }
    return render(request, "network_app/dashboard.html", context)


@require_POST
@organizer_required
def snapshot_create(request: HttpRequest) -> HttpResponse:
    """ "Compute now": ask for a snapshot (POST-redirect-GET)."""
    _, created = dashboard.snapshot_request(by=request.user)
    if created:
        messages.success(request, "The network metrics are being computed.")
    else:
        messages.info(request, "The metrics are already being computed.")
    return redirect("dashboard:overview")


@require_safe
@organizer_required
def network_map(request: HttpRequest) -> HttpResponse:
    """The map page: filters, the drawing (static JS fetches ``map_data``) and a side panel."""
    form, filters = _filters(request)
    query = _query(request)
    config = {
        "dataUrl": reverse("dashboard:map_data") + (f"?{query}" if query else ""),
        "mapUrl": reverse("dashboard:map"),
        "panelUrl": reverse("dashboard:person", kwargs={"public_id": UUID(int=0)}),
        "size": form.cleaned_data.get("size") if filters else "degree",
        "colour": form.cleaned_data.get("colour") if filters else "community",
    }
    context = {
        "form": form,
        "query": query,
        "config": config,
        "snapshot": dashboard.snapshot_latest(),
    }
    return render(request, "network_app/map.html", context, status=200 if filters else 400)


@require_safe
@organizer_required
def map_data(request: HttpRequest) -> HttpResponse:
    """The map as JSON: ``people`` (objects) and ``ties`` (``[index, index, strength]``)."""
    form, filters = _filters(request, for_display=False)
    if filters is None:
        return JsonResponse(
            {"code": "invalid", "message": "Check the filters.", "errors": form.errors},
            status=400,
        )
    key = _map_cache_key(request)
    if key is None:
        return JsonResponse(_map_payload(request, filters))
    cached = cache.get(key)
    if cached is None and not cache.add(f"{key}:lock", 1, MAP_LOCK_SECONDS):
        # Another process is computing this very payload (seconds at 100,000 people): wait
        # for it rather than computing it again beside it.
        deadline = time.monotonic() + MAP_LOCK_SECONDS
        while cached is None and time.monotonic() < deadline:
            time.sleep(0.2)
            cached = cache.get(key)
    if cached is None:
        try:
            # Kept compressed: megabytes of JSON at 10,000 people, about a seventh gzipped,
            # compressed once per change instead of once per request.
            body = JsonResponse(_map_payload(request, filters)).content
            cached = gzip.compress(body, compresslevel=6)
            cache.set(key, cached, settings.MAP_CACHE_SECONDS)
        finally:
            cache.delete(f"{key}:lock")
    return _gzipped_json(request, cached)


def _gzipped_json(request: HttpRequest, compressed: bytes) -> HttpResponse:
    """Gzipped JSON as it is for clients that accept gzip (every browser), plain otherwise."""
    accepts = request.headers.get("Accept-Encoding", "")
    if "gzip" in {part.split(";")[0].strip().lower() for part in accepts.split(",")}:
        response = HttpResponse(compressed, content_type="application/json")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(gzip.decompress(compressed), content_type="application/json")
    patch_vary_headers(response, ("Accept-Encoding",))
    return response


# Longest wait for a map payload another process is computing (then compute it here too).
MAP_LOCK_SECONDS = 60


def _map_payload(request: HttpRequest, filters: dashboard.MapFilters) -> dict[str, Any]:
    data = dashboard.map_data_visible_to(viewer=_viewer(request), filters=filters)
    snapshot = data.snapshot
    return {
        "people": data.people,
        "ties": data.ties,
        "truncated": data.truncated,
        "focus": data.focus,
        "snapshot": (
            {"id": snapshot.pk, "at": snapshot.finished_at.isoformat()}
            if snapshot and snapshot.finished_at
            else None
        ),
    }


def _map_cache_key(request: HttpRequest) -> str | None:
    """The cache key of this organizer's map with these filters, or None (no caching).

    The key is per user (their visibility rules, their own ties), per filter, and names the
    data it was computed from: the graph change log's newest id (every change to a tie or to a
    person's visibility, openness or do-not-contact, and every deletion, adds a row), the
    newest change to any person or tie (``updated_at``: names, headlines, strengths), the
    newest affiliation and interest (by id: an edited or removed one shows within
    ``MAP_CACHE_SECONDS``), and the newest finished metrics snapshot. Any of these moving makes
    a new key, so a cached map never shows a person who has since hidden. One query of indexed
    maxima instead of seconds of work at 100,000 people."""
    from causes.models import Interest
    from network_app.models import NetworkSnapshot
    from people.models import Affiliation, GraphChange, Person, Tie

    seconds = settings.MAP_CACHE_SECONDS
    if seconds <= 0 or not request.user.is_authenticated:
        return None
    parts = [
        selectors.change_marks(
            (GraphChange, "id"),
            (Person, "updated_at"),
            (Tie, "updated_at"),
            (Affiliation, "id"),
            (Interest, "id"),
            (NetworkSnapshot, "finished_at"),
        ),
        sorted((k, request.GET.getlist(k)) for k in request.GET),
    ]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"map-json:v2:{request.user.pk}:{digest}"  # v2: the payload is stored gzipped


@require_safe
@organizer_required
def table(request: HttpRequest) -> HttpResponse:
    """The same data as the map, as a sortable table (works without JavaScript)."""
    form, filters = _filters(request)
    sort = request.GET.get("sort", "name")
    if sort.lstrip("-") not in SORT_FIELDS:
        sort = "name"
    rows: list[dict[str, Any]] = []
    if filters is not None:
        data = dashboard.map_data_visible_to(viewer=_viewer(request), filters=filters, limit=None)
        rows = data.people
        key = SORT_FIELDS[sort.lstrip("-")]
        descending = sort.startswith("-")
        present = [r for r in rows if r.get(key) not in (None, "")]
        missing = [r for r in rows if r.get(key) in (None, "")]
        present.sort(key=lambda r: (r[key], r["name"]), reverse=descending)
        rows = present + missing
    page = Paginator(rows, TABLE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = _query(request)
    context = {
        "form": form,
        "page": page,
        "sort": sort,
        "query": query,
        "columns": [
            ("name", "Name"),
            ("community", "Community"),
            ("ties", "Ties in view"),
            ("weighted_degree", "Weighted ties"),
            ("betweenness", "Brokerage"),
            ("closeness", "Closeness"),
            ("eigenvector", "Eigenvector"),
            ("cause", "Main cause"),
            ("sector", "Background"),
            ("neighbourhood", "Neighbourhood"),
        ],
        "snapshot": dashboard.snapshot_latest(),
    }
    return render(request, "network_app/table.html", context, status=200 if filters else 400)


@require_safe
@organizer_required
def person_panel(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A person's summary, metrics and actions: a fragment for the map's side panel
    (``?partial=1``) or a page of its own."""
    viewer = _viewer(request)
    person = dashboard.map_person_visible_to(viewer=viewer, public_id=public_id)
    if person is None:
        raise Http404("No such person.")
    snapshot = dashboard.snapshot_latest()
    metric = (
        PersonMetric.objects.filter(snapshot=snapshot, person=person).first() if snapshot else None
    )
    context = {
        "person": person,
        "metric": metric,
        "snapshot": snapshot,
        "interests": dashboard.person_interests(person=person),
        "ties_in_map": dashboard.map_ties_visible_to(viewer=viewer)
        .filter(Q(person_a=person) | Q(person_b=person))
        .count(),
        "suggestions": weaver.introduction_suggestions(
            viewer=viewer, person=person, snapshot=snapshot
        ),
        "is_me": viewer.person_id == person.pk,
    }
    partial = request.GET.get("partial") == "1"
    template = "network_app/_person_panel.html" if partial else "network_app/person.html"
    return render(request, template, context)


@require_POST
@organizer_required
def pair_path(request: HttpRequest, public_id: UUID, other_id: UUID) -> HttpResponse:
    """ "How could A reach B?": an organizer starts a path search between two people
    (the path cards then lead to an introduction)."""
    viewer = _viewer(request)
    source = dashboard.map_person_visible_to(viewer=viewer, public_id=public_id)
    target = dashboard.map_person_visible_to(viewer=viewer, public_id=other_id)
    if source is None or target is None:
        raise Http404("No such person.")
    try:
        search = path_search_start(by=request.user, source=source, target=target)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("dashboard:person", public_id=source.public_id)
    return redirect(search.get_absolute_url())


EXPORT_FORMATS = {
    "graphml": ("application/graphml+xml", nx.write_graphml),
    "gexf": ("application/gexf+xml", nx.write_gexf),
}


@require_safe
@organizer_required
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The current filtered view as GraphML or GEXF (for Gephi), same filters and privacy."""
    if fmt not in EXPORT_FORMATS:
        raise Http404("Unknown format.")
    form, filters = _filters(request)
    if filters is None:
        return JsonResponse(
            {"code": "invalid", "message": "Check the filters.", "errors": form.errors},
            status=400,
        )
    data = dashboard.map_data_visible_to(viewer=_viewer(request), filters=filters, limit=None)
    G = dashboard.map_graph(data)
    content_type, writer = EXPORT_FORMATS[fmt]
    buffer = io.BytesIO()
    writer(G, buffer)
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="smallbatch-network.{fmt}"'
    return response
