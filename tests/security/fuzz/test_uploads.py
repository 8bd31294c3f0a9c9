"""Hostile files through the organizer's import page, end to end (upload, dry run, confirm,
import, with the tasks run in-process): invalid UTF-8, binary data, NUL characters past the
first kilobytes, very long cells, formulas, broken zips and spreadsheets, hostile file names.
Never a 500 and never an import that fails "on our side": a file is refused with a reason, or
its rows are imported or rejected row by row, and what is stored holds no NUL."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from people.models import ImportJob, Person
from tests.conftest import Persona
from tests.security.fuzz.corpus import RAW_MARKUP, SCRIPT

pytestmark = pytest.mark.django_db

HEADER = b"display_name,email,neighbourhood,bio\n"


def _rows(n: int) -> bytes:
    return b"".join(f"Person {i},p{i}@example.org,Old Mill,Bio {i}\n".encode() for i in range(n))


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


FILES: list[tuple[str, str, bytes]] = [
    ("invalid utf-8", "people.csv", HEADER + b"\xff\xfe\xfa Bad,bad@example.org,\xc3\x28,\x80\n"),
    ("utf-16 bom", "people.csv", "display_name,email\nZoë,z@example.org\n".encode("utf-16")),
    ("binary", "people.csv", bytes(range(256)) * 20),
    ("nul late", "people.csv", HEADER + _rows(200) + b"Eve\x00Evil,e@example.org,Old\x00Mill,x\n"),
    ("nul in a field", "people.csv", HEADER + _rows(200) + b'"Nu\x00l",nul@example.org,,\n'),
    ("long cell", "people.csv", HEADER + b"Long," + b"l@example.org,," + b"b" * 200_000 + b"\n"),
    ("formulas", "people.csv", HEADER + b'=HYPERLINK("http://x"),f@example.org,+1,@SUM(A1)\n'),
    ("markup", "people.csv", HEADER + SCRIPT.encode() + b",m@example.org,<b>,<img src=x>\n"),
    ("sql", "people.csv", HEADER + b"Robert'); DROP TABLE people_person;--,r@example.org,,\n"),
    ("only a header", "people.csv", HEADER),
    ("unbalanced quotes", "people.csv", HEADER + b'"Open,o@example.org,,\n' * 3),
    ("many columns", "people.csv", b",".join(b"c%d" % i for i in range(5000)) + b"\n1,2\n"),
    ("rtl and zero width", "people.csv", HEADER + "\u202eeve\u200d,z@example.org,,\n".encode()),
    ("broken zip", "network.zip", b"PK\x03\x04" + b"\x00" * 100),
    ("zip of junk", "network.zip", _zip({"people.csv": b"\xff\x00\xfe", "../evil.csv": b"x"})),
    ("broken xlsx", "people.xlsx", b"PK\x03\x04 not really a spreadsheet"),
    ("broken graphml", "network.graphml", b"<graphml><graph><node id='1'><data key="),
    ("graphml entity", "net.graphml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'),
    ("kumu with nul", "map.json", json.dumps({"elements": [{"label": "A\u0000B"}]}).encode()),
    ("kumu wrong types", "map.json", json.dumps({"elements": 5, "connections": "x"}).encode()),
    ("json list", "map.json", b"[1, 2, 3]"),
]
NAMES = ["evil\x00.csv", f"{SCRIPT}.csv", "../../etc/passwd.csv", "a" * 300 + ".csv", "💥.csv"]


def _upload(organizer: Persona, committing: Any, name: str, content: bytes, **fields: str) -> Any:
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    data = {"file": upload, "binning": "quantile", **fields}
    return committing(lambda: organizer.client.post("/exchange/imports/", data))


def _import_through(organizer: Persona, committing: Any, response: Any) -> ImportJob | None:
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert b'role="alert"' in response.content  # refused with a reason on the form
        return None
    page = organizer.client.get(response["Location"])
    assert page.status_code == 200
    job = ImportJob.objects.order_by("-pk").first()
    assert job is not None
    if job.status == ImportJob.Status.PLANNED:
        confirm = committing(
            lambda: organizer.client.post(f"{response['Location']}confirm/", {"mode": "valid_only"})
        )
        assert confirm.status_code in (302, 400)
        assert organizer.client.get(response["Location"]).status_code == 200
    job.refresh_from_db()
    assert "on our side" not in job.error, job.error
    return job


@pytest.fixture
def committing(django_capture_on_commit_callbacks: Any) -> Any:
    def run(action: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


@pytest.mark.parametrize(("label", "name", "content"), FILES, ids=[f[0] for f in FILES])
def test_hostile_files_are_refused_or_imported_row_by_row(
    organizer: Persona, committing: Any, label: str, name: str, content: bytes
) -> None:
    job = _import_through(organizer, committing, _upload(organizer, committing, name, content))
    if job is not None and job.status == ImportJob.Status.FAILED:
        assert job.error  # the reason is shown on the job page
    stored = Person.objects.values_list("display_name", "neighbourhood", "bio", "email")
    assert not any("\x00" in value for row in stored for value in row)


@pytest.mark.parametrize("name", NAMES)
def test_hostile_file_names_never_fail(organizer: Persona, committing: Any, name: str) -> None:
    response = _upload(organizer, committing, name, HEADER + _rows(2))
    _import_through(organizer, committing, response)


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "💥"},
        {"kind": "\x00"},
        {"binning": "<script>"},
        {"binning": ""},
        {"source": "\x00"},
        {"source": "s" * 10_000},
        {"source": SCRIPT},
    ],
)
def test_hostile_upload_options_are_form_errors(
    organizer: Persona, committing: Any, fields: dict[str, str]
) -> None:
    response = _upload(organizer, committing, "people.csv", HEADER + _rows(2), **fields)
    job = _import_through(organizer, committing, response)
    if job is not None:
        assert "\x00" not in job.source


def test_an_upload_without_a_file_is_a_form_error(organizer: Persona) -> None:
    response = organizer.client.post("/exchange/imports/", {"binning": "quantile"})
    assert response.status_code == 400
    assert b'role="alert"' in response.content


@pytest.mark.parametrize(
    "fields",
    [
        {"mode": "💥"},
        {"mode": "\x00"},
        {"mode": "a" * 10_000},
        {},
        {"mode": ["valid_only", "all_or_nothing", SCRIPT]},
        {"mode": "valid_only", "decision:people:3": SCRIPT},
    ],
)
def test_hostile_confirm_choices_are_refused_with_the_dry_run_kept(
    organizer: Persona, committing: Any, fields: dict[str, Any]
) -> None:
    # given a dry run with a duplicate to decide (same email twice)
    content = HEADER + b"Ana,ana@example.org,,\nAna B,ana@example.org,,\n"
    response = _upload(organizer, committing, "people.csv", content)
    job = ImportJob.objects.order_by("-pk").first()
    assert job is not None and job.status == ImportJob.Status.PLANNED
    # when the confirmation carries hostile choices
    answer = committing(lambda: organizer.client.post(f"{response['Location']}confirm/", fields))
    # then a refusal with its reason on the job page, or the import of the valid rows
    assert answer.status_code in (302, 400)
    job.refresh_from_db()
    if answer.status_code == 400:
        assert job.status == ImportJob.Status.PLANNED  # nothing lost: confirm again
        assert b'role="alert"' in answer.content
        for markup in RAW_MARKUP:
            assert markup not in answer.content
    assert "on our side" not in job.error
