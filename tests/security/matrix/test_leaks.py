"""Leak checks on raw bytes: the hidden person (and her ties, her organization, her interest's
notes, a group and a weaving suggestion naming her) and the private and disputed ties carry
marker strings in every field (``world.py``). None of them may appear in any export (CSV zip,
GraphML, GEXF, Kumu JSON, the XLSX workbook, a member's own data), the map payload, the
table, an email, a webhook delivery or a job's result (path searches, group and weaving
suggestions, metrics snapshots) for anybody who may not see them.

Every page and API answer of the matrix is checked the same way, cell by cell, in
``test_routes.py``. Organizers may see private and disputed ties between people they can see:
their exports carry those markers, which proves the checks here can fail.
"""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from causes.models import GroupMember, GroupSuggestion, SuggestionRun, WeavingSuggestion
from causes.suggestions.compute import run_execute
from causes.suggestions.services import group_convene
from network_app.models import NetworkSnapshot, PersonMetric, WebhookDelivery
from people.introductions.services import introduction_accept
from people.models import PathSearch
from people.paths import path_search_execute, path_search_start
from people.services import person_update, tie_record, tie_side_update
from tests.factories import PersonFactory, make_tie
from tests.security.matrix.world import World

pytestmark = pytest.mark.django_db

EXPORTS = ("csv", "graphml", "gexf", "kumu")


def raw(response: Any) -> bytes:
    """The body; a ZIP (CSV export, XLSX workbook) is opened and every member read."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return b"\n".join(archive.read(name) for name in archive.namelist())
    return bytes(content)


def found(markers: tuple[str, ...], data: bytes | str) -> list[str]:
    text = (data.decode(errors="replace") if isinstance(data, bytes) else data).lower()
    return [m for m in markers if m in text]


def key_client(world: World, name: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {world.tokens[name]}")
    return client


# --- Exports --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", EXPORTS)
@pytest.mark.parametrize("persona", ["organizer", "admin"])
def test_exchange_exports_never_carry_the_hidden_person(
    world: World, persona: str, fmt: str
) -> None:
    response = world.clients[persona].get(reverse("exchange:export", kwargs={"fmt": fmt}))
    assert response.status_code == 200
    body = raw(response)
    assert found(world.hidden_markers, body) == []
    # Organizers see organizers-only people and every tie between people they can see.
    assert b"Otto Organizers-Only" in body
    assert found(("zqpcontext",), body) == ["zqpcontext"]


@pytest.mark.parametrize("fmt", EXPORTS)
def test_api_exports_never_carry_the_hidden_person(world: World, fmt: str) -> None:
    for token in ("organizer:exchange:run", "admin:exchange:run"):
        response = key_client(world, token).get(f"/api/v1/exports/{fmt}/")
        assert response.status_code == 200
        body = raw(response)
        assert found(world.hidden_markers, body) == [], token
        assert b"Otto Organizers-Only" in body


@pytest.mark.parametrize("query", ["", "?cause=food-security", "?min_strength=1", "?q=Hana"])
@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_dashboard_exports_with_filters_never_carry_the_hidden_person(
    world: World, fmt: str, query: str
) -> None:
    url = reverse("dashboard:export", kwargs={"fmt": fmt}) + query
    response = world.clients["organizer"].get(url)
    assert response.status_code == 200
    assert found(world.hidden_markers, raw(response)) == []


def test_the_import_workbook_and_templates_carry_nobody(world: World) -> None:
    for kind in ("workbook", "people", "ties"):
        response = world.clients["organizer"].get(
            reverse("exchange:template", kwargs={"kind": kind})
        )
        assert response.status_code == 200
        body = raw(response)
        assert found(world.hidden_markers + world.private_tie_markers, body) == []


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_members_own_data_names_neither_hidden_people_nor_others_private_ties(
    world: World, fmt: str
) -> None:
    """Mina's export has her tie with Hana (it is hers) but never Hana's name or details."""
    url = reverse("people:me_data_export", kwargs={"fmt": fmt})
    for persona in ("member", "other_member"):
        response = world.clients[persona].get(url)
        assert response.status_code == 200
        body = raw(response)
        assert found(world.hidden_markers + world.private_tie_markers, body) == [], persona
    own = raw(world.clients["hidden_self"].get(url))
    assert "zqhbio" in found(world.hidden_markers, own)  # her own data is all there


# --- Map, table, directory -------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["", "?cause=food-security", "?min_strength=5", "?q=Hana", "?sector=nonprofit", "?page=2"],
)
def test_map_payload_and_table_with_filters(world: World, query: str) -> None:
    for persona in ("organizer", "admin"):
        for name in ("dashboard:map_data", "dashboard:table"):
            response = world.clients[persona].get(reverse(name) + query)
            assert response.status_code in (200, 400), (name, query)
            assert found(world.hidden_markers, raw(response)) == [], (persona, name, query)
    partial = world.clients["organizer"].get(
        reverse("dashboard:table") + query, HTTP_HX_REQUEST="true"
    )
    assert found(world.hidden_markers, raw(partial)) == []


@pytest.mark.parametrize("query", ["?q=Hana", "?q=zq", "?neighbourhood=Old+Mill", "?page=2"])
def test_directory_searches(world: World, query: str) -> None:
    for persona in ("member", "other_member", "organizer", "admin"):
        response = world.clients[persona].get(reverse("people:directory") + query)
        assert response.status_code == 200
        assert found(world.hidden_markers, raw(response)) == [], (persona, query)


# --- Emails -----------------------------------------------------------------------------------


def test_emails_to_anybody_but_the_hidden_person_never_name_her(
    world: World, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        group_convene(by=world.users["organizer"], group=world.objects["group"], message="Tea")
        introduction_accept(
            by=world.users["other_member"], introduction=world.objects["intro_mine"]
        )
        world.clients["stranger"].post(
            reverse("password_reset"), {"email": world.users["member"].email}
        )
    assert len(mail.outbox) >= 4  # three group members, the target of the introduction, reset
    hana = world.people["hana"].email
    for message in mail.outbox:
        if hana in message.to:
            continue
        parts = [message.subject, message.body, *(str(a[0]) for a in message.alternatives or [])]
        text = "\n".join(parts)
        assert found(world.hidden_markers + world.private_tie_markers, text) == [], message.to


# --- Webhooks ---------------------------------------------------------------------------------


@dataclass
class Receiver:
    url: str = ""
    bodies: list[bytes] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on the loopback interface, recording every delivery."""
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            state.bodies.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def test_webhook_deliveries_never_carry_the_hidden_person(
    world: World, receiver: Receiver, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0
    events = ["tie.created", "tie.changed", "person.updated", "introduction.state_changed"]
    events.append("group.convened")
    # Olga's key with every scope, and Ada through her session (no key narrows her rights).
    organizer, admin = key_client(world, "organizer:all"), world.clients["admin"]
    for client in (organizer, admin):
        response = client.post(
            "/api/v1/webhooks/",
            json.dumps({"url": receiver.url, "events": events}),
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
    hana, lina = world.people["hana"], world.people["lina"]
    with django_capture_on_commit_callbacks(execute=True):
        person_update(by=world.users["hidden_self"], person=hana, data={"headline": "zqhheadline"})
        tie_record(
            by=world.users["hidden_self"], person=hana, other=world.people["pia"], strength=4
        )
        tie_side_update(
            by=world.users["lina"],
            tie=world.ties["hidden"],
            strength=2,
            status="confirmed",
            allows_introductions=True,
            visible_to_members=True,
        )
        tie_side_update(
            by=world.users["lina"],
            tie=world.ties["private"],
            strength=2,
            status="confirmed",
            allows_introductions=True,
            visible_to_members=False,
        )
        person_update(by=world.users["lina"], person=lina, data={"headline": "Cook"})
        group_convene(by=world.users["organizer"], group=world.objects["group"], message="Tea")
        introduction_accept(
            by=world.users["other_member"], introduction=world.objects["intro_mine"]
        )
    assert receiver.bodies, "nothing was delivered: the check below would prove nothing"
    delivered = {json.loads(body)["event"] for body in receiver.bodies}
    assert delivered >= {"tie.changed", "person.updated", "group.convened"}
    for body in receiver.bodies:
        assert found(world.hidden_markers, body) == [], body[:300]
    stored = WebhookDelivery.objects.values_list("payload", flat=True)
    assert found(world.hidden_markers, json.dumps(list(stored))) == []


# --- Job results ------------------------------------------------------------------------------


def test_a_path_search_never_goes_through_the_hidden_person_and_masks_who_the_member_cannot_see(
    world: World,
) -> None:
    search = world.objects["search"]
    paths = search.result["paths"]
    hana, otto = world.people["hana"], world.people["otto"]
    assert paths, "Mina reaches Tara through Otto"
    assert all(hana.pk not in path["people"] for path in paths)
    assert any(otto.pk in path["people"] for path in paths)
    page = world.clients["member"].get(reverse("people:path_search", args=[search.public_id]))
    body = raw(page).decode()
    assert "Tara Target" in body and "one of your contacts" in body
    assert otto.display_name not in body and str(otto.public_id) not in body
    assert found(world.hidden_markers, body) == []
    api = world.clients["member"].get(f"/api/v1/path-searches/{search.public_id}/").json()
    hops = [path["people"] for path in api["paths"]]
    assert [str(world.people["mina"].public_id), None, str(world.people["tara"].public_id)] in hops
    assert found(world.hidden_markers, json.dumps(api)) == []


def test_an_organizer_sees_the_organizers_only_hop_but_never_the_hidden_person(
    world: World,
) -> None:
    search = path_search_start(
        by=world.users["organizer"], source=world.people["mina"], target=world.people["tara"]
    )
    assert path_search_execute(search_id=search.pk)
    page = world.clients["organizer"].get(reverse("people:path_search", args=[search.public_id]))
    body = raw(page)
    assert b"Otto Organizers-Only" in body
    assert found(world.hidden_markers, body) == []


def test_nobody_reaches_a_person_known_only_through_the_hidden_person(world: World) -> None:
    """Zed's only tie is with Hana: no path is offered at all (a hidden person is never a hop)."""
    zed = PersonFactory.create(display_name="Zed Through-Hidden")
    make_tie(world.people["hana"], zed, strength=5, context="zqhtiecontext")
    search = path_search_start(by=world.users["member"], target=zed)
    assert path_search_execute(search_id=search.pk)
    search.refresh_from_db()
    assert search.status == PathSearch.Status.DONE
    assert search.result["paths"] == []
    page = world.clients["member"].get(reverse("people:path_search", args=[search.public_id]))
    assert found(world.hidden_markers, raw(page)) == []


def test_group_and_weaving_suggestions_leave_the_hidden_person_out(world: World) -> None:
    run = SuggestionRun.objects.create(include_groups=True, include_weaving=True, seed=7)
    assert run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == SuggestionRun.Status.DONE
    hana = world.people["hana"]
    assert not GroupMember.objects.filter(group__run=run, person=hana).exists()
    weaving = WeavingSuggestion.objects.filter(run=run)
    assert not weaving.filter(person=hana).exists() and not weaving.filter(other=hana).exists()
    assert not weaving.filter(broker=hana).exists()
    stored = [
        run.stats,
        run.parameters,
        *GroupSuggestion.objects.filter(run=run).values_list("explanation", "parts"),
        *weaving.values_list("explanation", "parts"),
    ]
    assert found(world.hidden_markers, json.dumps(stored, default=str)) == []
    for persona in ("member", "organizer", "admin"):
        for url in (reverse("causes:groups"), reverse("causes:weaving"), "/api/v1/groups/"):
            body = raw(world.clients[persona].get(url))
            assert found(world.hidden_markers, body) == [], (persona, url)
    detail = world.clients["organizer"].get(reverse("causes:run_detail", args=[run.public_id]))
    assert found(world.hidden_markers, raw(detail)) == []


def test_metrics_snapshots_leave_the_hidden_person_out(world: World) -> None:
    snapshot: NetworkSnapshot = world.objects["snapshot"]
    snapshot.refresh_from_db()
    assert snapshot.status == NetworkSnapshot.Status.DONE
    hana = world.people["hana"]
    assert PersonMetric.objects.filter(snapshot=snapshot).exists()
    assert not PersonMetric.objects.filter(snapshot=snapshot, person=hana).exists()
    cut_points = [pk for pk, _ in snapshot.findings.get("cut_points", [])]
    assert hana.pk not in cut_points
    for link in snapshot.findings.get("community_links", []):
        assert all(hana.pk not in pair for pair in link.get("ties", []))
    for persona in ("organizer", "admin"):
        for url in (reverse("dashboard:overview"), "/api/v1/metrics/latest/"):
            body = raw(world.clients[persona].get(url))
            assert found(world.hidden_markers, body) == [], (persona, url)


# --- Audit log --------------------------------------------------------------------------------


def test_the_audit_log_page_never_names_the_hidden_person(world: World) -> None:
    """An admin's change to the hidden person is logged, but the organizers' log page (and
    its filters) never shows her name or details; her row stays in the database."""
    from people.models import AuditEvent

    hana = world.people["hana"]
    person_update(by=world.users["admin"], person=hana, data={"bio": "zqhbio, revised"})
    tie_record(
        by=world.users["organizer"],
        person=world.people["lina"],
        other=world.people["pia"],
        strength=3,
    )
    assert AuditEvent.objects.filter(object_id__in=[str(hana.pk), str(hana.public_id)]).exists()
    for persona in ("organizer", "admin"):
        for query in ("", "?q=Hana", "?object_type=person", "?channel=web"):
            response = world.clients[persona].get(reverse("dashboard:audit") + query)
            assert response.status_code == 200, query
            assert found(world.hidden_markers, raw(response)) == [], (persona, query)
