"""Import and export through the REST API."""

from __future__ import annotations

import io

import networkx as nx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from people.models import ImportJob, Person, Tie
from tests.factories import make_tie

pytestmark = pytest.mark.django_db

PEOPLE_AND_TIES = (
    b"<?xml version='1.0' encoding='utf-8'?>"
    b"<graphml xmlns='http://graphml.graphdrawing.org/xmlns'>"
    b"<key id='d0' for='node' attr.name='label' attr.type='string'/>"
    b"<key id='d1' for='edge' attr.name='strength' attr.type='int'/>"
    b"<graph edgedefault='undirected'>"
    b"<node id='a'><data key='d0'>Ana</data></node>"
    b"<node id='b'><data key='d0'>Ben</data></node>"
    b"<node id='c'><data key='d0'>Cy</data></node>"
    b"<edge source='a' target='b'><data key='d1'>5</data></edge>"
    b"<edge source='b' target='c'><data key='d1'>7</data></edge>"
    b"</graph></graphml>"
)


def api(persona) -> APIClient:
    client = APIClient()
    client.force_authenticate(persona.user)
    return client


def test_a_partner_uploads_reads_the_report_and_confirms(organizer, committing):
    client = api(organizer)
    response = committing(
        lambda: client.post(
            "/api/v1/imports/",
            {"file": SimpleUploadedFile("net.graphml", PEOPLE_AND_TIES)},
            format="multipart",
        )
    )
    assert response.status_code == 202
    url = response["Location"]
    job = client.get(url).json()
    assert job["status"] == "planned"
    assert job["report"]["summary"]["ties"]["rejected"] == 1
    issue = next(i for i in job["report"]["issues"] if i["level"] == "error")
    assert issue["where"].startswith("edge 2") and issue["column"] == "strength"
    refused = client.post(url + "confirm/", {"mode": "sometimes"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["mode"]
    done = committing(lambda: client.post(url + "confirm/", {"mode": "valid_only"}, format="json"))
    assert done.status_code == 202
    assert client.get(url).json()["status"] == "done"
    assert Person.objects.filter(display_name__in=["Ana", "Ben", "Cy"]).count() == 3
    assert Tie.objects.get().a_strength == 5
    rejected = client.get(url + "rejected/")
    assert rejected.status_code == 200
    assert b"Strength must be a whole number" in rejected.content


def test_members_cannot_use_the_import_or_export_api(member, organizer):
    job = ImportJob.objects.create(
        created_by=organizer.user, filename="x.csv", content=b"x", source="x"
    )
    client = api(member)
    upload = client.post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile("x.csv", b"name\nA\n")},
        format="multipart",
    )
    assert upload.status_code == 403
    assert upload.json()["code"] == "not_allowed"
    assert client.get(f"/api/v1/imports/{job.public_id}/").status_code == 403
    assert client.get("/api/v1/exports/graphml/").status_code == 403
    assert APIClient().get("/api/v1/exports/graphml/").status_code in (401, 403)


def test_the_export_api_answers_each_format_with_filters(organizer, member):
    make_tie(organizer.person, member.person, strength=3)
    client = api(organizer)
    response = client.get("/api/v1/exports/graphml/", {"min_strength": "3"})
    assert response.status_code == 200
    G = nx.read_graphml(io.BytesIO(response.content))
    assert G.number_of_edges() == 1
    assert client.get("/api/v1/exports/graphml/", {"min_strength": "4"}).status_code == 200
    bad = client.get("/api/v1/exports/csv/", {"min_strength": "x"})
    assert bad.status_code == 400 and bad.json()["errors"] == {
        "min_strength": ["Choose a minimum strength from 1 to 5."]
    }
    assert client.get("/api/v1/exports/pdf/").status_code == 404
    for fmt in ("csv", "gexf", "kumu"):
        assert client.get(f"/api/v1/exports/{fmt}/").status_code == 200
