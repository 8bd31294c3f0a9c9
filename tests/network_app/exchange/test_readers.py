"""The pure readers and writers: real-world CSV quirks, format detection, clear errors."""

from __future__ import annotations

import io
import itertools
import json
import zipfile

import networkx as nx
import pytest

from network_app.exchange import csv_io, graph_io, kumu, xlsx
from network_app.exchange.binning import bin_weights
from network_app.exchange.formats import detect_format, read_any
from network_app.exchange.tables import FileError, detect_kind, neutralize, normalize_name


def people_of(data: bytes, **kw):
    return read_any(data, name="people.csv", **kw).rows["people"]


def test_utf8_with_bom_and_without_read_the_same_names():
    text = "name,email\nZoë Ångström,zoe@example.org\n"
    with_bom = people_of(b"\xef\xbb\xbf" + text.encode("utf-8"))
    without = people_of(text.encode("utf-8"))
    assert (
        with_bom[0].values
        == without[0].values
        == {
            "display_name": "Zoë Ångström",
            "email": "zoe@example.org",
        }
    )


def test_latin1_and_windows_1252_files_are_decoded():
    rows = people_of("name;neighbourhood\nJosé Müller;Côte\n".encode("latin-1"))
    assert rows[0].values == {"display_name": "José Müller", "neighbourhood": "Côte"}


def test_semicolons_quoted_newlines_blank_rows_and_extra_columns():
    data = (
        b"Full Name;E-mail;Bio;Favourite colour\n"
        b'"Ana Reyes";ana@example.org;"line one\nline two";blue\n'
        b"\n;;;\n"
        b"Ben Okafor;ben@example.org;;green\n"
    )
    dataset = read_any(data, name="members.csv")
    rows = dataset.rows["people"]
    assert [r.values["display_name"] for r in rows] == ["Ana Reyes", "Ben Okafor"]
    assert rows[0].values["bio"] == "line one\nline two"
    # Spreadsheet row numbers: header is row 1, Ben is on row 5 after two blank rows.
    assert [r.row for r in rows] == [2, 5]
    assert any("Favourite colour" in note for note in dataset.notes)


def test_tab_separated_and_utf16_files_are_read():
    text = "display_name\temail\nAna\tana@example.org\n"
    assert people_of(text.encode("utf-16"))[0].values["email"] == "ana@example.org"


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"name,email\n", "x.csv", "csv"),
        (b'<?xml version="1.0"?><graphml xmlns="x"></graphml>', "x.xml", "graphml"),
        (b'<?xml version="1.0"?><gexf version="1.3"></gexf>', "x", "gexf"),
        (b'{"elements": []}', "x.txt", "kumu"),
    ],
)
def test_format_is_detected_from_the_content(data, name, expected):
    assert detect_format(data, name) == expected


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x00\x01\x02garbage" * 20, "binary"),
        (b"<?xml version='1.0'?><svg></svg>", "neither GraphML nor GEXF"),
        (b"<graphml><node id='a'>", "GraphML"),
        (b'{"elements": 3}', "elements"),
        (b"{not json", "not valid"),
        (b"PK\x03\x04broken", "damaged"),
        (b"colour,size\nred,3\n", "Cannot tell"),
        (b"name,email\n", "no rows"),
    ],
)
def test_malformed_files_raise_a_clear_error(data, fragment):
    with pytest.raises(FileError) as caught:
        dataset = read_any(data, name="upload.csv")
        if not dataset.row_count:
            raise FileError("The file has a header but no rows.")
    assert fragment.lower() in caught.value.message.lower()


def test_kind_is_told_by_headers_or_name():
    assert detect_kind(["From", "To", "weight"]) == "ties"
    assert detect_kind(["person", "cause", "passion"]) == "interests"
    assert detect_kind(["person", "organization", "role"]) == "affiliations"
    assert detect_kind(["name", "slug", "parent"]) == "causes"
    assert detect_kind(["name", "kind", "website"]) == "organizations"
    assert detect_kind(["Name", "E-mail"]) == "people"
    assert detect_kind(["anything"], hint="smallbatch_ties") == "ties"


def test_written_cells_that_start_a_formula_are_neutralized_and_read_back():
    content = csv_io.write_csv(
        ["display_name", "headline"],
        [['=HYPERLINK("x")', "+1 555"], ["@SUM(A1)", "-minus"], ["\tTab", "\rCR"]],
    )
    text = content.decode("utf-8-sig")
    for bad in ("=HYPERLINK", "+1 555", "@SUM", "-minus"):
        assert f"'{bad}" in text
    assert neutralize("plain") == "plain"
    rows = people_of(content)
    assert rows[0].values["display_name"] == '=HYPERLINK("x")'
    assert rows[1].values["headline"] == "-minus"


def test_quantile_binning_gives_equal_weights_equal_strengths():
    weights = [1, 1, 1, 1, 2, 3, 5, 8, 13, 31]
    strengths = bin_weights(weights)
    assert strengths[:4] == [strengths[0]] * 4
    assert all(a <= b for a, b in itertools.pairwise(strengths))
    assert strengths[-1] == 5 and min(strengths) >= 1
    assert bin_weights([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert bin_weights([7.5] * 3) == [3, 3, 3]
    assert bin_weights([0.2, 4.6, 9], method="round") == [1, 5, 5]
    assert bin_weights([0, 5, 10], method="equal") == [1, 3, 5]


def test_graphml_node_attributes_map_to_profile_fields_and_edges_to_strengths():
    G = nx.Graph()
    G.add_node(
        "a", label="Ana Reyes", email="ana@example.org", neighborhood="Old Mill", favourite="x"
    )
    G.add_node("b", name="Ben")
    G.add_node("org", label="Co-op", type="Organization")
    G.add_edge("a", "b", strength=4, weight=2.5, relationship="friend")
    G.add_edge("a", "org", label="board member")
    dataset = graph_io.read_graphml(graph_io.write_graphml(G))
    people = {r.values["id"]: r.values for r in dataset.rows["people"]}
    assert people["a"]["display_name"] == "Ana Reyes"
    assert people["a"]["neighbourhood"] == "Old Mill"
    assert people["b"]["display_name"] == "Ben"
    tie = dataset.rows["ties"][0].values
    assert (tie["strength"], tie["weight"], tie["kind"]) == ("4", "2.5", "friend")
    assert dataset.rows["affiliations"][0].values == {
        "person": "a",
        "organization": "org",
        "role": "board member",
    }
    assert any("favourite" in n for n in dataset.notes)


def test_kumu_blueprint_with_nested_attributes_and_label_references():
    blueprint = {
        "elements": [
            {
                "_id": "elem-1",
                "attributes": {
                    "label": "Ana",
                    "element type": "Person",
                    "neighbourhood": "Old Mill",
                },
            },
            {"label": "Ben", "type": "Person"},
            {"label": "Riverton Co-op", "type": "Organization"},
        ],
        "connections": [
            {
                "from": "elem-1",
                "to": "Ben",
                "attributes": {"strength": 5, "connection type": "friend"},
            },
            {"from": "Ben", "to": "Riverton Co-op", "type": "member"},
        ],
    }
    dataset = kumu.read_kumu(json.dumps(blueprint))
    assert [r.values["display_name"] for r in dataset.rows["people"]] == ["Ana", "Ben"]
    tie = dataset.rows["ties"][0].values
    assert (tie["source"], tie["target"], tie["strength"], tie["kind"]) == (
        "elem-1",
        "Ben",
        "5",
        "friend",
    )
    assert dataset.rows["affiliations"][0].values["organization"] == "Riverton Co-op"


def test_xlsx_workbook_sheets_are_read_by_name_with_dates_and_numbers():
    import datetime as dt

    from openpyxl import Workbook  # type: ignore[import-untyped]

    wb = Workbook()
    sheet = wb.active
    sheet.title = "People"
    sheet.append(["Name", "Email"])
    sheet.append(["Ana", "ana@example.org"])
    ties = wb.create_sheet("Ties")
    ties.append(["source", "target", "strength", "since"])
    ties.append(["ana@example.org", "ben@example.org", 4.0, dt.datetime(2020, 5, 1)])
    out = io.BytesIO()
    wb.save(out)
    dataset = read_any(out.getvalue(), name="upload.xlsx")
    assert dataset.format == "xlsx"
    assert dataset.rows["people"][0].values["display_name"] == "Ana"
    assert dataset.rows["ties"][0].values["strength"] == "4"
    assert dataset.rows["ties"][0].values["since"] == "2020-05-01"
    assert xlsx.template_xlsx()[:2] == b"PK"


def test_a_zip_of_csv_files_is_read_one_kind_per_file():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("people.csv", "id,display_name\n1,Ana\n2,Ben\n")
        z.writestr("ties.csv", "source,target,strength\n1,2,3\n")
        z.writestr("__MACOSX/._people.csv", "junk")
    dataset = read_any(archive.getvalue(), name="export.zip")
    assert dataset.counts() == {"people": 2, "ties": 1}


def test_names_are_normalized_for_duplicate_detection():
    assert normalize_name("Reyes, Ána ") == normalize_name("ana  REYES") == "ana reyes"


def test_templates_hold_the_documented_columns_and_an_example():
    text = csv_io.template_csv("ties").decode("utf-8-sig")
    assert text.splitlines()[0].startswith("source,target,strength,weight")
