"""Organizer pages: upload, dry run, decisions, import, rejected rows, templates, exports."""

from __future__ import annotations

import io
import json
import zipfile

import networkx as nx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from people.models import AuditEvent, ImportJob, Person, Tie, Visibility
from tests.factories import PersonFactory, make_tie

pytestmark = pytest.mark.django_db

PEOPLE = b"id,name,email\np1,Ana Reyes,ana@example.org\np2,Ben Okafor,ben@example.org\n"


def upload(client, content: bytes, name: str = "people.csv", **extra):
    return client.post(
        reverse("exchange:upload"),
        {"file": SimpleUploadedFile(name, content), "binning": "quantile", **extra},
    )


def test_an_organizer_uploads_checks_and_imports_a_file(organizer, committing):
    # given: an existing person the file duplicates
    PersonFactory(display_name="Ana R.", email="ana@example.org", visibility=Visibility.LISTED)
    # when: upload (the dry run runs after commit)
    response = committing(lambda: upload(organizer.client, PEOPLE))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    page = organizer.client.get(job.get_absolute_url())
    # then: the report and the duplicate decision are shown, nothing is written yet
    assert page.status_code == 200
    text = page.content.decode()
    assert "Nothing has been written yet" in text
    assert "same email" in text and 'name="decision:people:2"' in text
    assert Person.objects.filter(email="ben@example.org").count() == 0
    # when: the organizer decides to create a new person for row 2, all or nothing
    response = committing(
        lambda: organizer.client.post(
            reverse("exchange:confirm", args=[job.public_id]),
            {"mode": "all_or_nothing", "decision:people:2": "create"},
        )
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Person.objects.filter(email="ana@example.org").count() == 2
    assert Person.objects.filter(email="ben@example.org").count() == 1
    done = organizer.client.get(job.get_absolute_url()).content.decode()
    assert "Imported: 2 created" in done


def test_the_progress_fragment_polls_while_the_job_is_busy(organizer):
    job = ImportJob.objects.create(
        created_by=organizer.user, filename="x.csv", content=PEOPLE, source="x"
    )
    fragment = organizer.client.get(job.get_absolute_url(), headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert 'hx-trigger="every 1s"' in text and "<progress" in text
    assert "<html" not in text
    page = organizer.client.get(job.get_absolute_url()).content.decode()
    assert 'http-equiv="refresh"' in page


def test_all_or_nothing_refuses_and_the_rejected_rows_download(organizer, committing):
    bad = PEOPLE + b"p3,,nobody\n"
    committing(lambda: upload(organizer.client, bad))
    job = ImportJob.objects.get()
    committing(
        lambda: organizer.client.post(
            reverse("exchange:confirm", args=[job.public_id]), {"mode": "all_or_nothing"}
        )
    )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PLANNED
    assert "Nothing was imported" in job.error
    assert Person.objects.count() == 1  # the organizer
    rejected = organizer.client.get(reverse("exchange:rejected", args=[job.public_id]))
    assert rejected.status_code == 200
    assert rejected["Content-Disposition"].endswith('rejected.csv"')
    lines = rejected.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "id,name,email,where,error"
    assert lines[1].startswith("p3,,nobody,row 4,")
    # then valid rows only
    committing(
        lambda: organizer.client.post(
            reverse("exchange:confirm", args=[job.public_id]), {"mode": "valid_only"}
        )
    )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Person.objects.count() == 3


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\x00\x01\x02" * 100, "people.csv", "binary data"),
        (b"<graphml><node", "net.graphml", "GraphML file cannot be read"),
        (b"{}", "kumu.json", "elements"),
        (b"PK\x03\x04nonsense", "sheet.xlsx", "damaged"),
        (b"colour,size\nred,3\n", "what.csv", "Cannot tell"),
    ],
)
def test_a_malformed_file_gets_a_clear_error_never_a_500(
    organizer, committing, content, name, message
):
    response = committing(lambda: upload(organizer.client, content, name))
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    page = organizer.client.get(job.get_absolute_url())
    assert page.status_code == 200
    assert message in page.content.decode()


def test_an_empty_or_too_large_upload_is_refused_with_a_field_error(organizer, settings):
    assert upload(organizer.client, b"").status_code == 400
    settings.IMPORT_MAX_BYTES = 10
    response = upload(organizer.client, PEOPLE)
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_members_and_strangers_cannot_import_or_export(member, stranger, organizer):
    job = ImportJob.objects.create(
        created_by=organizer.user, filename="x.csv", content=PEOPLE, source="x"
    )
    for url in (
        reverse("exchange:index"),
        reverse("exchange:template", args=["people"]),
        reverse("exchange:export", args=["graphml"]),
        job.get_absolute_url(),
    ):
        assert member.client.get(url).status_code == 403
        assert stranger.client.get(url).status_code == 302
    assert upload(member.client, PEOPLE).status_code == 403
    assert not ImportJob.objects.exclude(pk=job.pk).exists()


def test_an_organizer_cannot_read_another_organizers_import(organizer, other_member):
    from people.roles import make_organizer

    make_organizer(other_member.user)
    job = ImportJob.objects.create(
        created_by=organizer.user, filename="x.csv", content=PEOPLE, source="x"
    )
    assert other_member.client.get(job.get_absolute_url()).status_code == 404
    response = other_member.client.post(
        reverse("exchange:confirm", args=[job.public_id]), {"mode": "valid_only"}
    )
    assert response.status_code == 404


def test_templates_download_for_every_kind_and_as_a_workbook(organizer):
    for kind in ("people", "organizations", "affiliations", "causes", "interests", "ties"):
        response = organizer.client.get(reverse("exchange:template", args=[kind]))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
    workbook = organizer.client.get(reverse("exchange:template", args=["workbook"]))
    assert workbook.content[:2] == b"PK"
    assert organizer.client.get(reverse("exchange:template", args=["nope"])).status_code == 404
    page = organizer.client.get(reverse("exchange:index")).content.decode()
    assert "display_name" in page and "source" in page


def _exported(organizer, fmt: str, **query) -> bytes:
    response = organizer.client.get(reverse("exchange:export", args=[fmt]), query)
    assert response.status_code == 200, response.content[:300]
    assert "attachment" in response["Content-Disposition"]
    return response.content


def test_exports_hold_what_the_organizer_may_see_in_every_format(
    organizer, hidden_member, organizers_only_person, member
):
    make_tie(organizer.person, member.person, strength=4)
    make_tie(member.person, hidden_member.person, strength=5)
    archive = zipfile.ZipFile(io.BytesIO(_exported(organizer, "csv")))
    assert set(archive.namelist()) >= {"people.csv", "ties.csv", "interests.csv", "causes.csv"}
    people = archive.read("people.csv").decode("utf-8-sig")
    assert "Mina Member" in people and "Otto Organizers-Only" in people
    assert "Hana Hidden" not in people
    assert "email" not in people.splitlines()[0]  # private fields are for admins
    assert len(archive.read("ties.csv").decode("utf-8-sig").splitlines()) == 2
    G = nx.read_graphml(io.BytesIO(_exported(organizer, "graphml")))
    assert G.number_of_nodes() == 3 and G.number_of_edges() == 1
    assert str(hidden_member.person.public_id) not in G
    G = nx.read_gexf(io.BytesIO(_exported(organizer, "gexf")))
    assert G.number_of_edges() == 1
    blueprint = json.loads(_exported(organizer, "kumu"))
    labels = {e["label"] for e in blueprint["elements"]}
    assert "Hana Hidden" not in labels and len(blueprint["connections"]) == 1
    assert AuditEvent.objects.filter(action="export.download").count() == 4


def test_exports_apply_the_maps_filters_and_neutralize_formulas(organizer, member):
    member.person.headline = '=HYPERLINK("http://evil")'
    member.person.neighbourhood = "Harbour"
    member.person.save()
    weak = PersonFactory(display_name="Weak Tie", neighbourhood="Harbour")
    make_tie(member.person, weak, strength=1)
    archive = zipfile.ZipFile(io.BytesIO(_exported(organizer, "csv", neighbourhood="Harbour")))
    people = archive.read("people.csv").decode("utf-8-sig")
    assert "Olga Organizer" not in people and "Mina Member" in people
    assert "'=HYPERLINK" in people
    strong_only = zipfile.ZipFile(
        io.BytesIO(_exported(organizer, "csv", neighbourhood="Harbour", min_strength="2"))
    )
    assert len(strong_only.read("ties.csv").decode("utf-8-sig").splitlines()) == 1
    bad = organizer.client.get(reverse("exchange:export", args=["csv"]), {"min_strength": "9"})
    assert bad.status_code == 400
    assert organizer.client.get(reverse("exchange:export", args=["pdf"])).status_code == 400


def test_admins_export_email_and_phone(admin_user, member):
    response = admin_user.client.get(reverse("exchange:export", args=["csv"]))
    people = zipfile.ZipFile(io.BytesIO(response.content)).read("people.csv").decode()
    assert member.person.email in people


def test_imported_people_appear_to_organizers_but_not_to_members(organizer, member, committing):
    committing(lambda: upload(organizer.client, PEOPLE))
    job = ImportJob.objects.get()
    committing(
        lambda: organizer.client.post(
            reverse("exchange:confirm", args=[job.public_id]), {"mode": "all_or_nothing"}
        )
    )
    assert "Ana Reyes" in organizer.client.get(reverse("people:directory")).content.decode()
    assert "Ana Reyes" not in member.client.get(reverse("people:directory")).content.decode()
    assert Tie.objects.count() == 0
