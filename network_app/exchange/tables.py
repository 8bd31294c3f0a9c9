"""The tabular shape every import format is read into, and the documented columns.

Every reader (CSV, XLSX, GraphML, GEXF, Kumu JSON) turns a file into a :class:`Dataset`: rows of
plain strings grouped by kind (people, organizations, affiliations, causes, interests, ties),
with canonical column names and the place each row came from, so one importer validates them all.
Nothing here imports Django.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

KINDS = ("causes", "organizations", "people", "affiliations", "interests", "ties")


class FileError(Exception):
    """The file cannot be read at all (not a table, broken XML, empty...). Plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    example: str = ""
    required: bool = False
    aliases: tuple[str, ...] = ()


# The documented columns of each kind (README, templates and the import page read these).
COLUMNS: dict[str, tuple[Column, ...]] = {
    "people": (
        Column(
            "id",
            "Your own id for this person, used by ties in the same import (any text).",
            "p1",
            aliases=("node_id", "key", "person_id", "_id", "uuid", "public_id"),
        ),
        Column(
            "display_name",
            "The name shown in Smallbatch.",
            "Ana Reyes",
            required=True,
            aliases=("name", "label", "full_name", "person", "display", "nom"),
        ),
        Column(
            "email",
            "Email address (private: only the person and admins see it).",
            "ana@example.org",
            aliases=("e_mail", "email_address", "mail"),
        ),
        Column(
            "phone",
            "Phone number (private).",
            "+1 555 0100",
            aliases=("telephone", "phone_number", "mobile", "tel"),
        ),
        Column(
            "external_id",
            "The id of this person in another tool (CRM, survey).",
            "crm-42",
            aliases=("ext_id", "external", "crm_id"),
        ),
        Column("pronouns", "Pronouns.", "she/her"),
        Column(
            "headline",
            "One line about them.",
            "Tenant organizer",
            aliases=("title", "job_title", "tagline"),
        ),
        Column("bio", "A few sentences.", "", aliases=("about", "description", "notes")),
        Column("city", "City.", "Riverton", aliases=("town",)),
        Column(
            "neighbourhood",
            "Neighbourhood.",
            "Old Mill",
            aliases=("neighborhood", "area", "district", "quartier"),
        ),
        Column(
            "sector",
            "Background sector (a value or its label, e.g. housing).",
            "housing",
            aliases=("background",),
        ),
        Column(
            "skills",
            "Skills separated by | or ;.",
            "facilitation|grant writing",
            aliases=("skill",),
        ),
        Column(
            "organization",
            "An organization they belong to (created if new).",
            "Riverton Housing Co-op",
            aliases=("organisation", "org", "company", "affiliation"),
        ),
        Column("role", "Their role in that organization.", "Board member"),
        Column(
            "causes",
            "Causes they care about, as name or name:passion, separated by |.",
            "Affordable housing:5|Food security",
            aliases=("cause", "interests"),
        ),
    ),
    "organizations": (
        Column(
            "id",
            "Your own id for this organization (any text).",
            "o1",
            aliases=("_id", "public_id", "org_id"),
        ),
        Column(
            "name",
            "Organization name.",
            "Riverton Housing Co-op",
            required=True,
            aliases=("organization", "organisation", "label"),
        ),
        Column(
            "kind",
            "Kind (nonprofit, cooperative, cdc, business, government, education, "
            "funder, faith, informal).",
            "cooperative",
            aliases=("type",),
        ),
        Column("external_id", "The id in another tool.", "", aliases=("ext_id",)),
        Column("city", "City.", "Riverton"),
        Column("neighbourhood", "Neighbourhood.", "", aliases=("neighborhood",)),
        Column("website", "Website.", "https://example.org", aliases=("url", "web")),
        Column("description", "Description.", "", aliases=("about", "notes")),
    ),
    "affiliations": (
        Column(
            "person",
            "The person: email, external id, or id from the same import.",
            "ana@example.org",
            required=True,
            aliases=("person_id", "member", "email"),
        ),
        Column(
            "organization",
            "The organization: name, external id or id.",
            "Riverton Housing Co-op",
            required=True,
            aliases=("organisation", "org", "organization_id"),
        ),
        Column("role", "Role.", "Board member", aliases=("title",)),
        Column(
            "start",
            "Start date (YYYY-MM-DD).",
            "2021-03-01",
            aliases=("start_date", "since", "from"),
        ),
        Column(
            "end",
            "End date (YYYY-MM-DD), empty if current.",
            "",
            aliases=("end_date", "until", "to"),
        ),
    ),
    "causes": (
        Column(
            "name", "Cause name.", "Affordable housing", required=True, aliases=("cause", "label")
        ),
        Column(
            "slug",
            "Short id (made from the name if empty).",
            "affordable-housing",
            aliases=("id", "key"),
        ),
        Column(
            "parent",
            "Parent cause (name or slug), for a sub-cause.",
            "",
            aliases=("parent_cause", "category"),
        ),
        Column("description", "Description.", "", aliases=("about",)),
    ),
    "interests": (
        Column(
            "person",
            "The person: email, external id, or id from the same import.",
            "ana@example.org",
            required=True,
            aliases=("person_id", "member", "email"),
        ),
        Column(
            "cause",
            "The cause: name or slug (created if new).",
            "Affordable housing",
            required=True,
            aliases=("cause_name", "cause_slug", "interest"),
        ),
        Column(
            "passion",
            "How much they care, 1 to 5 (3 if empty).",
            "5",
            aliases=("level", "score", "interest_level"),
        ),
        Column("offers", "What they can offer.", "Meeting space", aliases=("can_offer", "offer")),
        Column("needs", "What they need.", "Volunteers", aliases=("need",)),
    ),
    "ties": (
        Column(
            "source",
            "One person: email, external id, or id from the same import.",
            "ana@example.org",
            required=True,
            aliases=(
                "from",
                "person",
                "person_a",
                "source_id",
                "a",
                "person1",
                "person_1",
                "from_id",
                "knows_from",
            ),
        ),
        Column(
            "target",
            "The other person, the same way.",
            "ben@example.org",
            required=True,
            aliases=(
                "to",
                "other",
                "person_b",
                "target_id",
                "b",
                "person2",
                "person_2",
                "to_id",
                "knows",
            ),
        ),
        Column(
            "strength", "How well they know each other, 1 to 5.", "4", aliases=("tie_strength",)
        ),
        Column(
            "weight",
            "A number of any scale (e.g. meetings together): binned into "
            "strengths 1 to 5 when there is no strength.",
            "",
            aliases=("value", "count"),
        ),
        Column(
            "kind",
            "colleague, friend, neighbour, collaborator, board, mentor, "
            "met_at_event or introduced.",
            "colleague",
            aliases=("type", "relationship", "connection_type"),
        ),
        Column(
            "context",
            "Where they know each other from.",
            "Co-op board",
            aliases=("description", "notes", "label"),
        ),
        Column("since", "Known since (YYYY-MM-DD).", "2019-06-01", aliases=("start", "start_date")),
        Column("external_id", "The id of this tie in another tool.", "", aliases=("ext_id",)),
    ),
}

# Headers that tell the kind of a table apart (checked in this order).
_KIND_SIGNATURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ties", ("source", "target")),
    ("interests", ("person", "cause")),
    ("affiliations", ("person", "organization")),
)


def normalize_header(header: object) -> str:
    """``"  E-mail Address "`` → ``"e_mail_address"``; accents dropped, lower case."""
    text = unicodedata.normalize("NFKD", str(header or "")).encode("ascii", "ignore").decode()
    text = text.strip().lower().lstrip("\ufeff")
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def normalize_name(name: str) -> str:
    """A person's name for duplicate detection: accents, case, punctuation and word order of
    "Last, First" ignored."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    if "," in text:
        last, _, first = text.partition(",")
        text = f"{first} {last}"
    return " ".join(re.findall(r"[a-z0-9]+", text))


def canonical_columns(kind: str, headers: list[str]) -> dict[int, str]:
    """Map header positions to canonical column names of ``kind`` (unknown headers dropped;
    the first of two headers with the same meaning wins)."""
    lookup: dict[str, str] = {}
    for column in COLUMNS[kind]:
        lookup.setdefault(column.name, column.name)
    for column in COLUMNS[kind]:
        for alias in column.aliases:
            lookup.setdefault(alias, column.name)
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for position, header in enumerate(headers):
        name = lookup.get(normalize_header(header))
        if name is not None and name not in taken:
            mapping[position] = name
            taken.add(name)
    return mapping


def detect_kind(headers: list[str], hint: str = "") -> str | None:
    """The kind of a table from a hint (file or sheet name) or from its headers."""
    hint_key = normalize_header(hint)
    for kind in KINDS:
        if hint_key in (kind, kind.rstrip("s")) or hint_key.endswith(
            (f"_{kind}", f"_{kind.rstrip('s')}")
        ):
            return kind
    for alias, kind in (
        ("connections", "ties"),
        ("edges", "ties"),
        ("nodes", "people"),
        ("members", "people"),
        ("elements", "people"),
        ("organisations", "organizations"),
    ):
        if alias in hint_key:
            return kind
    names = {normalize_header(h) for h in headers}
    for kind, needed in _KIND_SIGNATURES:
        mapping = set(canonical_columns(kind, list(names)).values())
        if all(n in mapping for n in needed):
            return kind
    if names & {"slug", "parent", "parent_cause"}:
        return "causes"
    if names & {"website", "url"} or ("kind" in names and "name" in names):
        return "organizations"
    people = set(canonical_columns("people", list(names)).values())
    if people & {"display_name", "email"}:
        return "people"
    return None


@dataclass
class SourceRow:
    """One row of a file: canonical values (stripped strings) and where it came from."""

    kind: str
    row: int
    values: dict[str, str]
    raw: dict[str, str] = field(default_factory=dict)
    where: str = ""

    @property
    def key(self) -> str:
        """A stable id of the row within the file (decisions and reports refer to it)."""
        return f"{self.kind}:{self.row}"

    def get(self, name: str) -> str:
        return self.values.get(name, "")


@dataclass
class Dataset:
    """A file read into rows by kind."""

    format: str
    rows: dict[str, list[SourceRow]] = field(default_factory=lambda: {k: [] for k in KINDS})
    notes: list[str] = field(default_factory=list)
    headers: dict[str, list[str]] = field(default_factory=dict)

    def add(self, row: SourceRow) -> None:
        # NUL is never text (PostgreSQL can store it neither in a column nor in the report's
        # JSON): it is removed from every cell, and the report says where.
        if any("\x00" in v for v in (*row.values.values(), *row.raw.values(), *row.raw)):
            row.values = {
                k: v.replace("\x00", "") for k, v in row.values.items() if v.replace("\x00", "")
            }
            row.raw = {k.replace("\x00", ""): v.replace("\x00", "") for k, v in row.raw.items()}
            self.notes.append(f"{row.where}: NUL characters (binary data) removed from its cells.")
        self.rows.setdefault(row.kind, []).append(row)

    @property
    def row_count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    def counts(self) -> dict[str, int]:
        return {kind: len(rows) for kind, rows in self.rows.items() if rows}


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def unneutralize(value: str) -> str:
    """Undo formula neutralization of our own exports (``'=x`` → ``=x``); imported values are
    stored as text and never evaluated."""
    if len(value) > 1 and value[0] == "'" and value[1] in _FORMULA_STARTS:
        return value[1:]
    return value


def neutralize(value: object) -> str:
    """A cell safe to open in a spreadsheet: text starting with ``= + - @``, tab or carriage
    return gets a leading apostrophe so it is not run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def table_rows(
    dataset: Dataset,
    kind: str,
    headers: list[str],
    records: list[tuple[int, list[str]]],
    *,
    where: str = "row",
    sheet: str = "",
) -> None:
    """Add the records of one table of ``kind`` to ``dataset`` (blank records skipped)."""
    mapping = canonical_columns(kind, headers)
    if not mapping:
        raise FileError(
            f"None of the columns of {sheet or 'the file'} are known for {kind}: expected "
            + ", ".join(c.name for c in COLUMNS[kind])
            + "."
        )
    unknown = [h for i, h in enumerate(headers) if i not in mapping and str(h).strip()]
    if unknown:
        dataset.notes.append(
            f"{sheet or kind}: ignored column{'s' if len(unknown) > 1 else ''} "
            + ", ".join(str(u) for u in unknown[:10])
            + ("..." if len(unknown) > 10 else "")
        )
    dataset.headers[kind] = [str(h).replace("\x00", "") for h in headers]
    prefix = f"{sheet} " if sheet else ""
    for number, cells in records:
        if not any(str(c).strip() for c in cells):
            continue
        values = {
            name: unneutralize(str(cells[i]).strip())
            for i, name in mapping.items()
            if i < len(cells) and str(cells[i]).strip()
        }
        raw = {str(h): (str(cells[i]) if i < len(cells) else "") for i, h in enumerate(headers)}
        dataset.add(
            SourceRow(
                kind=kind, row=number, values=values, raw=raw, where=f"{prefix}{where} {number}"
            )
        )
