"""Import a file: validate every row, report in plain words, detect duplicates, then write
everything in one transaction (or nothing).

``import_plan`` is the dry run: it reads the database but never writes, and returns a
:class:`Plan` with a per-row report (row, column, what is wrong), duplicate proposals and a
summary of what would be created, updated, merged, left unchanged or skipped. ``import_apply``
recomputes the plan (the database may have changed since the dry run), applies the organizer's
duplicate decisions and mode, and writes in one ``transaction.atomic`` block: a crash or a
refused file leaves the database as it was.

Rules:
- people an importer may not see (hidden people, for an organizer) are never matched, proposed
  as duplicates or referenced: the import cannot reveal them or attach data to them;
- new people are "organizers only" until they confirm their own listing; imported ties are
  unconfirmed (both sides "unanswered") with the recorded strength on both sides, provenance
  "import";
- a person who has confirmed their profile owns it: an import only fills their blank fields;
- re-importing the same file changes nothing (rows match by external id, public id or email).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.text import slugify

from causes.models import Cause, Interest
from network_app.exchange.binning import BINNINGS, bin_weights
from network_app.exchange.tables import KINDS, Dataset, SourceRow, normalize_name
from people import graph_log
from people.audit import actor_label_for
from people.models import (
    Affiliation,
    AuditEvent,
    Organization,
    OrganizationKind,
    Person,
    Provenance,
    Sector,
    SideStatus,
    Tie,
    TieKind,
    Visibility,
    ordered_pair,
)
from people.roles import Viewer
from people.selectors import person_visibility_q

DECISIONS = ("merge", "create", "skip")
MODES = ("all_or_nothing", "valid_only")
OUTCOMES = ("created", "updated", "merged", "unchanged", "skipped", "rejected")
_INDEX_COLUMNS = (
    "pk",
    "public_id",
    "external_source",
    "external_id",
    "email",
    "display_name",
    "neighbourhood",
    "consent_given_at",
    "user_id",
)
_BATCH = 1000  # rows per INSERT: well under SQLite's variable limit, few round trips

PERSON_TEXT_FIELDS = (
    "display_name",
    "email",
    "phone",
    "pronouns",
    "headline",
    "bio",
    "city",
    "neighbourhood",
)
PERSON_FIELDS = (*PERSON_TEXT_FIELDS, "sector", "skills")
ORGANIZATION_FIELDS = ("kind", "city", "neighbourhood", "website", "description")

Handle = Any  # an existing row's pk (int) or an unsaved model instance (pk set once saved)
ProgressFn = Callable[[int, str], None]


def pk_of(handle: Handle) -> int:
    return handle if isinstance(handle, int) else handle.pk


@dataclass
class ImportOptions:
    """What the organizer chose."""

    source: str = "import"
    binning: str = "quantile"
    mode: str = "all_or_nothing"
    decisions: dict[str, str] = field(default_factory=dict)
    default_decision: str = "merge"


@dataclass
class Issue:
    key: str
    where: str
    column: str
    message: str
    level: str = "error"

    def as_dict(self) -> dict[str, str]:
        kind, _, row = self.key.partition(":")
        return {
            "key": self.key,
            "kind": kind,
            "row": row,
            "where": self.where,
            "column": self.column,
            "message": self.message,
            "level": self.level,
        }


@dataclass
class Plan:
    """The dry run's findings and the writes that would follow."""

    dataset: Dataset
    options: ImportOptions
    issues: list[Issue] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict)  # row key -> outcome
    notes: list[str] = field(default_factory=list)
    new_causes: list[Cause] = field(default_factory=list)
    changed_causes: list[Cause] = field(default_factory=list)
    new_organizations: list[Organization] = field(default_factory=list)
    changed_organizations: dict[int, Organization] = field(default_factory=dict)
    new_people: list[Person] = field(default_factory=list)
    changed_people: dict[int, Person] = field(default_factory=dict)
    new_affiliations: list[tuple[Handle, Handle, str, dt.date | None, dt.date | None]] = field(
        default_factory=list
    )
    changed_affiliations: list[Affiliation] = field(default_factory=list)
    new_interests: list[tuple[Handle, Handle, int, str, str]] = field(default_factory=list)
    changed_interests: list[Interest] = field(default_factory=list)
    new_ties: list[dict[str, Any]] = field(default_factory=list)
    changed_ties: list[Tie] = field(default_factory=list)

    def error(self, row: SourceRow, column: str, message: str) -> None:
        self.issues.append(Issue(row.key, row.where, column, message))
        self.outcomes[row.key] = "rejected"

    def warn(self, row: SourceRow, column: str, message: str) -> None:
        self.issues.append(Issue(row.key, row.where, column, message, "warning"))

    def has_error(self, key: str) -> bool:
        return self.outcomes.get(key) == "rejected"

    @property
    def error_count(self) -> int:
        return sum(1 for i in self.issues if i.level == "error")

    @property
    def rejected_keys(self) -> list[str]:
        return [k for k, v in self.outcomes.items() if v == "rejected"]

    def summary(self) -> dict[str, dict[str, int]]:
        counts: dict[str, Counter[str]] = {k: Counter() for k in KINDS}
        for key, outcome in self.outcomes.items():
            counts[key.partition(":")[0]][outcome] += 1
        return {
            kind: {o: counts[kind][o] for o in OUTCOMES}
            for kind in KINDS
            if self.dataset.rows.get(kind)
        }

    def totals(self) -> dict[str, int]:
        totals: Counter[str] = Counter(self.outcomes.values())
        return {o: totals[o] for o in OUTCOMES}

    def report(self, *, issue_limit: int = 2000) -> dict[str, Any]:
        """JSON-safe: what the dry run (or the import) found."""
        errors = self.error_count
        rejected: dict[str, list[str]] = defaultdict(list)
        for issue in self.issues:
            if issue.level == "error":
                rejected[issue.key].append(
                    f"{issue.column}: {issue.message}" if issue.column else issue.message
                )
        return {
            "format": self.dataset.format,
            "rows": self.dataset.counts(),
            "summary": self.summary(),
            "totals": self.totals(),
            "error_count": errors,
            "warning_count": len(self.issues) - errors,
            "issues": [i.as_dict() for i in self.issues[:issue_limit]],
            "issues_truncated": max(0, len(self.issues) - issue_limit),
            "duplicates": self.duplicates,
            "notes": self.dataset.notes + self.notes,
            "rejected": {k: "; ".join(v) for k, v in rejected.items()},
            "mode": self.options.mode,
            "binning": self.options.binning,
            "source": self.options.source,
        }


# ---------------------------------------------------------------------------------------------
# Cleaning helpers


_SECTORS = {**{v: v for v in Sector.values}, **{str(lbl).lower(): v for v, lbl in Sector.choices}}
_ORG_KINDS = {
    **{v: v for v in OrganizationKind.values},
    **{str(lbl).lower(): v for v, lbl in OrganizationKind.choices},
    "co-op": OrganizationKind.COOPERATIVE,
    "coop": OrganizationKind.COOPERATIVE,
    "community development corporation": OrganizationKind.CDC,
}
_TIE_KINDS = {
    **{v: v for v in TieKind.values},
    **{str(lbl).lower(): v for v, lbl in TieKind.choices},
    "neighbor": TieKind.NEIGHBOUR,
    "met at event": TieKind.MET_AT_EVENT,
    "event": TieKind.MET_AT_EVENT,
}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y", "%Y-%m", "%Y")
_MAX_LENGTHS: dict[str, int] = {
    "display_name": 120,
    "email": 254,
    "phone": 40,
    "pronouns": 40,
    "headline": 160,
    "bio": 4000,
    "city": 80,
    "neighbourhood": 80,
}


def parse_date(text: str) -> dt.date | None:
    """ISO dates and a few unambiguous variants; raises ValueError with plain words."""
    text = text.strip()
    if not text:
        return None
    if "T" in text:
        text = text.split("T", 1)[0]
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date: write it as YYYY-MM-DD.")


def parse_number(text: str) -> float:
    cleaned = text.strip().replace(",", ".") if text.count(",") == 1 and "." not in text else text
    value = float(cleaned)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return value


def parse_level(text: str, what: str) -> int:
    """A whole number 1..5 (``4``, ``4.0``); ValueError with plain words otherwise."""
    try:
        value = parse_number(text)
    except ValueError:
        raise ValueError(f"{what} must be a whole number from 1 to 5, not '{text}'.") from None
    if not value.is_integer() or not 1 <= value <= 5:
        raise ValueError(f"{what} must be a whole number from 1 to 5, not '{text}'.")
    return int(value)


def split_list(text: str) -> list[str]:
    for sep in ("|", ";"):
        if sep in text:
            return [p.strip() for p in text.split(sep) if p.strip()]
    return [text.strip()] if text.strip() else []


def parse_causes(text: str) -> list[tuple[str, int | None]]:
    """``"Housing:5|Food security"`` → ``[("Housing", 5), ("Food security", None)]``."""
    out: list[tuple[str, int | None]] = []
    for part in split_list(text):
        name, sep, level = part.rpartition(":")
        if sep and level.strip().isdigit():
            out.append((name.strip(), int(level)))
        else:
            out.append((part, None))
    return out


# ---------------------------------------------------------------------------------------------
# The planner


class _Planner:
    def __init__(self, dataset: Dataset, options: ImportOptions, viewer: Viewer | None) -> None:
        self.plan = Plan(dataset=dataset, options=options)
        self.options = options
        self.viewer = viewer
        self.source = options.source[:60] or "import"
        # People: handles by reference (local id, email, external id, public id).
        self.local_people: dict[str, Handle] = {}
        self.local_rows: dict[str, SourceRow] = {}
        self.skipped_refs: dict[str, SourceRow] = {}
        self.rejected_refs: dict[str, SourceRow] = {}
        self.file_emails: dict[str, tuple[Handle, SourceRow]] = {}
        self.file_names: dict[str, list[tuple[Handle, SourceRow, str, str]]] = defaultdict(list)
        self.confirmed: set[int] = set()
        # Organizations and causes: handles by lower-case name, ids and slugs.
        self.orgs: dict[str, Handle] = {}
        self.causes: dict[str, Handle] = {}
        self.existing_affiliations: dict[tuple[int, int, str], Affiliation] = {}
        self.existing_interests: dict[tuple[int, int], Interest] = {}
        self.affiliation_keys: set[tuple[Any, Any, str]] = set()
        self.interest_keys: dict[tuple[Any, Any], str] = {}

    # -- the database's side -----------------------------------------------------------------

    def _visible_people(self) -> Any:
        qs = Person.objects.all()
        if self.viewer is not None:
            qs = qs.filter(person_visibility_q(self.viewer))
        return qs

    def load_index(self) -> None:
        rows = self.plan.dataset.rows
        wanted_emails: set[str] = set()
        wanted_ext: set[str] = set()
        wanted_names: set[str] = set()
        refs: set[str] = set()
        for r in rows.get("people", []):
            if r.get("email"):
                wanted_emails.add(r.get("email").lower())
            for k in ("external_id", "id"):
                if r.get(k):
                    wanted_ext.add(r.get(k))
            if r.get("display_name"):
                wanted_names.add(normalize_name(r.get("display_name")))
        for kind, cols in (
            ("ties", ("source", "target")),
            ("affiliations", ("person",)),
            ("interests", ("person",)),
        ):
            for r in rows.get(kind, []):
                refs.update(r.get(c) for c in cols if r.get(c))
        wanted_ext |= refs
        wanted_emails |= {r.lower() for r in refs if "@" in r}
        uuids = {v for v in wanted_ext if _is_uuid(v)}

        self.by_public: dict[str, int] = {}
        self.by_ext: dict[tuple[str, str], int] = {}
        self.by_ext_any: dict[str, set[int]] = defaultdict(set)
        self.by_email: dict[str, int] = {}
        self.by_name: dict[str, list[int]] = defaultdict(list)
        self.neighbourhood: dict[int, str] = {}
        self.names: dict[int, str] = {}
        self.public_ids: dict[int, str] = {}
        visible = self._visible_people()
        # One indexed query per 1,000 references (a single OR of them all would be one
        # enormous statement for a 150,000-tie file).
        annotated = visible.annotate(email_lower=Lower("email"))
        candidates: list[tuple[Any, ...]] = []
        for lookup, values in (
            ("external_id__in", wanted_ext),
            ("public_id__in", uuids),
            ("email_lower__in", wanted_emails),
        ):
            for chunk in _chunks(sorted(values), 1000):
                candidates.extend(annotated.filter(**{lookup: chunk}).values_list(*_INDEX_COLUMNS))
        # Names: compared normalized in Python (accents, case, "Last, First"), so every
        # visible name is read once (two columns; a fraction of a second at 100,000 people).
        if wanted_names:
            same_name = [
                pk
                for pk, name in visible.values_list("pk", "display_name").iterator(2000)
                if normalize_name(name) in wanted_names
            ]
            for chunk in _chunks(same_name, 500):
                candidates.extend(visible.filter(pk__in=chunk).values_list(*_INDEX_COLUMNS))
        seen: set[int] = set()
        for pk, public_id, src, ext, email, name, hood, consent, user_id in candidates:
            if pk in seen:
                continue
            seen.add(pk)
            self.by_public[str(public_id)] = pk
            if ext:
                self.by_ext[(src, ext)] = pk
                self.by_ext_any[ext].add(pk)
            if email:
                self.by_email.setdefault(email.lower(), pk)
            key = normalize_name(name)
            if key in wanted_names:
                self.by_name[key].append(pk)
            self.neighbourhood[pk] = normalize_name(hood)
            self.names[pk] = name
            self.public_ids[pk] = str(public_id)
            if consent is not None or user_id is not None:
                self.confirmed.add(pk)
        # Full rows of everyone matched, read in bulk (updates and merges compare fields).
        self.person_rows: dict[int, Person] = {}
        for chunk in _chunks(sorted(seen), 500):
            self.person_rows.update(Person.objects.in_bulk(chunk))
        self.org_names_of: dict[int, set[str]] = defaultdict(set)
        name_matches = [pk for pks in self.by_name.values() for pk in pks]
        for chunk in _chunks(name_matches, 500):
            for pk, org in Affiliation.objects.filter(person_id__in=chunk).values_list(
                "person_id", "organization__name"
            ):
                self.org_names_of[pk].add(normalize_name(org))
        for pk, name, public_id, src, ext in Organization.objects.values_list(
            "pk", "name", "public_id", "external_source", "external_id"
        ):
            self.orgs.setdefault(name.lower(), pk)
            self.orgs.setdefault(str(public_id), pk)
            if ext:
                self.orgs.setdefault(f"ext:{src}:{ext}", pk)
                self.orgs.setdefault(f"ext:*:{ext}", pk)
        # Existing affiliations and interests of everyone the file may name.
        known = sorted(
            set(self.by_public.values())
            | set(self.by_email.values())
            | set(self.by_ext.values())
            | set(name_matches)
        )
        for chunk in _chunks(known, 500):
            for a in Affiliation.objects.filter(person_id__in=chunk):
                self.existing_affiliations[(a.person_id, a.organization_id, a.role)] = a
            for i in Interest.objects.filter(person_id__in=chunk):
                self.existing_interests[(i.person_id, i.cause_id)] = i
        for pk, name, slug in Cause.objects.values_list("pk", "name", "slug"):
            self.causes.setdefault(name.lower(), pk)
            self.causes.setdefault(slug.lower(), pk)
        self.slugs = set(Cause.objects.values_list("slug", flat=True))

    # -- causes ------------------------------------------------------------------------------

    def cause_for(self, name: str, row: SourceRow, column: str) -> Handle | None:
        key = name.strip().lower()
        if not key:
            return None
        handle = self.causes.get(key) or self.causes.get(slugify(name))
        if handle is not None:
            return handle
        if len(name) > 100:
            self.plan.error(row, column, "A cause name is at most 100 characters.")
            return None
        cause = Cause(name=name.strip(), slug=self._unique_slug(name))
        self.plan.new_causes.append(cause)
        self.causes[key] = cause
        self.causes[cause.slug] = cause
        self.plan.warn(row, column, f"'{name.strip()}' is a new cause: it will be created.")
        return cause

    def _unique_slug(self, name: str) -> str:
        base = (slugify(name) or "cause")[:90]
        slug, n = base, 2
        while slug in self.slugs:
            slug, n = f"{base}-{n}", n + 1
        self.slugs.add(slug)
        return slug

    def plan_causes(self) -> None:
        for row in self.plan.dataset.rows.get("causes", []):
            name = row.get("name")
            if not name:
                self.plan.error(row, "name", "The cause's name is missing.")
                continue
            if len(name) > 100:
                self.plan.error(row, "name", "A cause name is at most 100 characters.")
                continue
            existing = self.causes.get(name.lower()) or self.causes.get(row.get("slug").lower())
            if existing is not None:
                self.plan.outcomes[row.key] = "unchanged"
                if row.get("slug"):
                    self.causes.setdefault(row.get("slug").lower(), existing)
                continue
            slug = slugify(row.get("slug") or name)[:100] or self._unique_slug(name)
            if slug in self.slugs:
                slug = self._unique_slug(name)
            self.slugs.add(slug)
            cause = Cause(name=name, slug=slug, description=row.get("description")[:2000])
            parent_ref = row.get("parent").lower()
            if parent_ref:
                parent = self.causes.get(parent_ref) or self.causes.get(slugify(parent_ref))
                if parent is None:
                    self.plan.warn(
                        row, "parent", f"No cause '{row.get('parent')}': kept at the top level."
                    )
                else:
                    cause._import_parent = parent  # type: ignore[attr-defined]
            self.plan.new_causes.append(cause)
            self.causes[name.lower()] = cause
            self.causes[slug] = cause
            self.plan.outcomes[row.key] = "created"

    # -- organizations -----------------------------------------------------------------------

    def org_for(self, ref: str, row: SourceRow, column: str, *, create: bool) -> Handle | None:
        for key in (ref, ref.lower(), f"ext:{self.source}:{ref}", f"ext:*:{ref}"):
            if key in self.orgs:
                return self.orgs[key]
        if not create:
            return None
        if len(ref) > 160:
            self.plan.error(row, column, "An organization name is at most 160 characters.")
            return None
        org = Organization(name=ref, kind=OrganizationKind.INFORMAL)
        self.plan.new_organizations.append(org)
        self.orgs[ref.lower()] = org
        self.plan.warn(row, column, f"'{ref}' is a new organization: it will be created.")
        return org

    def plan_organizations(self) -> None:
        url = URLValidator()
        for row in self.plan.dataset.rows.get("organizations", []):
            name = row.get("name")
            if not name:
                self.plan.error(row, "name", "The organization's name is missing.")
                continue
            if len(name) > 160:
                self.plan.error(row, "name", "An organization name is at most 160 characters.")
                continue
            values: dict[str, str] = {}
            kind = row.get("kind").lower()
            if kind:
                if kind in _ORG_KINDS:
                    values["kind"] = _ORG_KINDS[kind]
                else:
                    self.plan.warn(
                        row,
                        "kind",
                        f"'{row.get('kind')}' is not a kind we know: "
                        "recorded as an informal group.",
                    )
            website = row.get("website")
            if website:
                try:
                    url(website)
                    values["website"] = website[:200]
                except ValidationError:
                    self.plan.warn(row, "website", f"'{website}' is not a web address: left out.")
            for name_field in ("city", "neighbourhood"):
                if row.get(name_field):
                    values[name_field] = row.get(name_field)[:80]
            if row.get("description"):
                values["description"] = row.get("description")[:4000]
            local = row.get("id")
            ext = row.get("external_id") or local
            existing = None
            for key in (
                local,
                f"ext:{self.source}:{ext}",
                f"ext:*:{row.get('external_id')}",
                name.lower(),
            ):
                if key and key in self.orgs:
                    existing = self.orgs[key]
                    break
            if existing is None:
                org = Organization(
                    name=name,
                    kind=values.pop("kind", OrganizationKind.INFORMAL),
                    external_source=self.source if ext else "",
                    external_id=ext[:120],
                    **values,
                )
                self.plan.new_organizations.append(org)
                handle: Handle = org
                self.plan.outcomes[row.key] = "created"
            else:
                handle = existing
                self.plan.outcomes[row.key] = self._fill_org(existing, values)
            self.orgs[name.lower()] = handle
            if local:
                self.orgs[local] = handle
            if ext:
                self.orgs[f"ext:{self.source}:{ext}"] = handle

    def _fill_org(self, handle: Handle, values: dict[str, str]) -> str:
        if not isinstance(handle, int):
            changed = False
            for k, v in values.items():
                if not getattr(handle, k) and v:
                    setattr(handle, k, v)
                    changed = True
            return "merged" if changed else "unchanged"
        org = self.plan.changed_organizations.get(handle) or Organization.objects.get(pk=handle)
        changed = False
        for k, v in values.items():
            if k != "kind" and not getattr(org, k) and v:
                setattr(org, k, v)
                changed = True
        if changed:
            self.plan.changed_organizations[handle] = org
            return "updated"
        return "unchanged"

    # -- people ------------------------------------------------------------------------------

    def _person_values(self, row: SourceRow) -> dict[str, Any] | None:
        values: dict[str, Any] = {}
        ok = True
        for name in PERSON_TEXT_FIELDS:
            value = row.get(name)
            if not value:
                continue
            limit = _MAX_LENGTHS[name]
            if len(value) > limit:
                self.plan.error(
                    row, name, f"This is {len(value)} characters long; at most {limit} fit."
                )
                ok = False
            values[name] = value
        if not row.get("display_name"):
            self.plan.error(row, "display_name", "The name is missing.")
            ok = False
        if values.get("email"):
            try:
                validate_email(values["email"])
            except ValidationError:
                self.plan.error(row, "email", f"'{values['email']}' is not an email address.")
                ok = False
        sector = row.get("sector").lower()
        if sector:
            if sector in _SECTORS:
                values["sector"] = _SECTORS[sector]
            else:
                self.plan.warn(
                    row, "sector", f"'{row.get('sector')}' is not a background we know: left empty."
                )
        if row.get("skills"):
            values["skills"] = split_list(row.get("skills"))[:30]
        return values if ok else None

    def _match(self, row: SourceRow) -> tuple[Handle | None, str, str]:
        """(handle, how, reason): how is "same" (this record), "duplicate" or ""."""
        local, ext = row.get("id"), row.get("external_id")
        if local and _is_uuid(local) and local in self.by_public:
            return self.by_public[local], "same", ""
        for key in filter(None, (ext, local)):
            if (self.source, key) in self.by_ext:
                return self.by_ext[(self.source, key)], "same", ""
        if ext and len(self.by_ext_any.get(ext, ())) == 1:
            return next(iter(self.by_ext_any[ext])), "same", ""
        email = row.get("email").lower()
        if email and email in self.file_emails:
            handle, earlier = self.file_emails[email]
            return handle, "duplicate", f"same email as {earlier.where}"
        if email and email in self.by_email:
            return self.by_email[email], "duplicate", "same email"
        name = normalize_name(row.get("display_name"))
        org = normalize_name(row.get("organization"))
        hood = normalize_name(row.get("neighbourhood"))
        for handle, earlier, e_org, e_hood in self.file_names.get(name, []):
            if org and org == e_org:
                return handle, "duplicate", f"same name and organization as {earlier.where}"
            if hood and hood == e_hood:
                return handle, "duplicate", f"same name and neighbourhood as {earlier.where}"
        for pk in self.by_name.get(name, []):
            if org and org in self.org_names_of.get(pk, set()):
                return pk, "duplicate", f"same name and organization ({row.get('organization')})"
            if hood and hood == self.neighbourhood.get(pk):
                return (
                    pk,
                    "duplicate",
                    (f"same name and neighbourhood ({row.get('neighbourhood')})"),
                )
        return None, "", ""

    def _existing_person(self, pk: int) -> Person:
        person = self.plan.changed_people.get(pk)
        if person is None:
            person = self.person_rows.get(pk) or Person.objects.get(pk=pk)
        return person

    def _apply_values(self, handle: Handle, values: dict[str, Any], *, overwrite: bool) -> bool:
        person = handle if not isinstance(handle, int) else self._existing_person(handle)
        changed = False
        for name, value in values.items():
            current = getattr(person, name)
            if current == value or (not overwrite and current):
                continue
            setattr(person, name, value)
            changed = True
        if changed and isinstance(handle, int):
            self.plan.changed_people[handle] = person
        return changed

    def plan_people(self) -> None:
        plan = self.plan
        for row in plan.dataset.rows.get("people", []):
            local = row.get("id")
            if local and local in self.local_rows:
                plan.error(
                    row, "id", f"The id '{local}' is also used by {self.local_rows[local].where}."
                )
                continue
            values = self._person_values(row)
            if values is None:
                if local:
                    self.rejected_refs[local] = row
                    self.local_rows[local] = row
                continue
            handle, how, reason = self._match(row)
            ext = row.get("external_id") or local
            if how == "duplicate":
                decision = plan.options.decisions.get(row.key, plan.options.default_decision)
                if decision not in DECISIONS:
                    decision = plan.options.default_decision
                match_name = (
                    self.names.get(handle, "")
                    if isinstance(handle, int)
                    else str(getattr(handle, "display_name", ""))
                )
                plan.duplicates.append(
                    {
                        "key": row.key,
                        "where": row.where,
                        "name": values.get("display_name", ""),
                        "match_name": match_name or "",
                        "match_public_id": (
                            self.public_ids.get(handle, "") if isinstance(handle, int) else ""
                        ),
                        "match_in_file": not isinstance(handle, int),
                        "reason": reason,
                        "decision": decision,
                    }
                )
                if decision == "skip":
                    plan.outcomes[row.key] = "skipped"
                    if local:
                        self.skipped_refs[local] = row
                        self.local_rows[local] = row
                    continue
                if decision == "create":
                    handle, how = None, ""
            if handle is None:
                person = Person(
                    visibility=Visibility.ORGANIZERS,
                    external_source=self.source if ext else "",
                    external_id=ext[:120],
                    created_by=(
                        self.viewer.user if self.viewer and self.viewer.is_authenticated else None
                    ),
                    **values,
                )
                plan.new_people.append(person)
                handle = person
                plan.outcomes[row.key] = "created"
            elif how == "same":
                confirmed = isinstance(handle, int) and handle in self.confirmed
                changed = self._apply_values(handle, values, overwrite=not confirmed)
                plan.outcomes[row.key] = "updated" if changed else "unchanged"
            else:
                changed = self._apply_values(handle, values, overwrite=False)
                if isinstance(handle, int) and ext:
                    person = self._existing_person(handle)
                    if not person.external_id and (self.source, ext) not in self.by_ext:
                        person.external_source, person.external_id = self.source, ext[:120]
                        self.by_ext[(self.source, ext)] = handle
                        self.plan.changed_people[handle] = person
                        changed = True
                plan.outcomes[row.key] = "merged" if changed else "unchanged"
            if local:
                self.local_people[local] = handle
                self.local_rows[local] = row
            if values.get("email"):
                self.file_emails.setdefault(values["email"].lower(), (handle, row))
            name = normalize_name(values.get("display_name", ""))
            self.file_names[name].append(
                (
                    handle,
                    row,
                    normalize_name(row.get("organization")),
                    normalize_name(row.get("neighbourhood")),
                )
            )
            if row.get("organization"):
                org = self.org_for(row.get("organization"), row, "organization", create=True)
                if org is not None:
                    self._affiliation(row, handle, org, row.get("role")[:120], None, None)
            for cause_name, passion in parse_causes(row.get("causes")):
                cause = self.cause_for(cause_name, row, "causes")
                if cause is not None:
                    self._interest(row, handle, cause, passion or 3, "", "")

    def person_for(self, ref: str, row: SourceRow, column: str) -> Handle | None:
        """Resolve a reference; reports an error (or a skip) and returns None when it fails."""
        ref = ref.strip()
        if not ref:
            self.plan.error(row, column, "This column is empty: name a person.")
            return None
        if ref in self.local_people:
            return self.local_people[ref]
        if ref in self.skipped_refs:
            self.plan.warn(
                row,
                column,
                f"'{ref}' is {self.skipped_refs[ref].where}, which is "
                "skipped: this row is skipped too.",
            )
            self.plan.outcomes[row.key] = "skipped"
            return None
        if ref in self.rejected_refs:
            self.plan.error(
                row, column, f"'{ref}' is {self.rejected_refs[ref].where}, which has errors."
            )
            return None
        lowered = ref.lower()
        if lowered in self.file_emails:
            return self.file_emails[lowered][0]
        if lowered in self.by_email:
            return self.by_email[lowered]
        if (self.source, ref) in self.by_ext:
            return self.by_ext[(self.source, ref)]
        if len(self.by_ext_any.get(ref, ())) == 1:
            return next(iter(self.by_ext_any[ref]))
        if ref in self.by_public:
            return self.by_public[ref]
        self.plan.error(
            row,
            column,
            f"No person '{ref}' in this file or among the people you "
            "can see (looked for an id, an email and an external id).",
        )
        return None

    # -- affiliations and interests ----------------------------------------------------------

    def _affiliation(
        self,
        row: SourceRow,
        person: Handle,
        org: Handle,
        role: str,
        start: dt.date | None,
        end: dt.date | None,
    ) -> str:
        key = (
            id(person) if not isinstance(person, int) else person,
            id(org) if not isinstance(org, int) else org,
            role,
        )
        if key in self.affiliation_keys:
            return "unchanged"
        self.affiliation_keys.add(key)
        if isinstance(person, int) and isinstance(org, int):
            existing = self.existing_affiliations.get((person, org, role))
            if existing is not None:
                changed = False
                for name, value in (("start", start), ("end", end)):
                    if value and not getattr(existing, name):
                        setattr(existing, name, value)
                        changed = True
                if changed:
                    self.plan.changed_affiliations.append(existing)
                return "updated" if changed else "unchanged"
        self.plan.new_affiliations.append((person, org, role, start, end))
        return "created"

    def _interest(
        self, row: SourceRow, person: Handle, cause: Handle, passion: int, offers: str, needs: str
    ) -> str:
        key = (
            id(person) if not isinstance(person, int) else person,
            id(cause) if not isinstance(cause, int) else cause,
        )
        if key in self.interest_keys:
            self.plan.warn(
                row,
                "cause",
                f"{self.interest_keys[key]} already gives this "
                "person's interest in this cause: that one is kept.",
            )
            return "merged"
        self.interest_keys[key] = row.where
        if isinstance(person, int) and isinstance(cause, int):
            existing = self.existing_interests.get((person, cause))
            if existing is not None:
                if person in self.confirmed:
                    return "unchanged"
                changed = False
                for name, value in (("passion", passion), ("offers", offers), ("needs", needs)):
                    if value and getattr(existing, name) != value:
                        setattr(existing, name, value)
                        changed = True
                if changed:
                    self.plan.changed_interests.append(existing)
                return "updated" if changed else "unchanged"
        self.plan.new_interests.append((person, cause, passion, offers, needs))
        return "created"

    def plan_affiliations(self) -> None:
        for row in self.plan.dataset.rows.get("affiliations", []):
            person = self.person_for(row.get("person"), row, "person")
            org_ref = row.get("organization")
            if not org_ref:
                self.plan.error(row, "organization", "The organization is missing.")
            org = self.org_for(org_ref, row, "organization", create=True) if org_ref else None
            dates: dict[str, dt.date | None] = {}
            for name in ("start", "end"):
                try:
                    dates[name] = parse_date(row.get(name))
                except ValueError as exc:
                    self.plan.error(row, name, str(exc))
            start, end = dates.get("start"), dates.get("end")
            if start and end and end < start:
                self.plan.error(row, "end", "The affiliation ends before it starts.")
            if len(row.get("role")) > 120:
                self.plan.error(row, "role", "A role is at most 120 characters.")
            if self.plan.has_error(row.key) or person is None or org is None:
                continue
            self.plan.outcomes[row.key] = self._affiliation(
                row, person, org, row.get("role"), start, end
            )

    def plan_interests(self) -> None:
        for row in self.plan.dataset.rows.get("interests", []):
            person = self.person_for(row.get("person"), row, "person")
            cause = None
            if not row.get("cause"):
                self.plan.error(row, "cause", "The cause is missing.")
            else:
                cause = self.cause_for(row.get("cause"), row, "cause")
            passion = 3
            if row.get("passion"):
                try:
                    passion = parse_level(row.get("passion"), "Passion")
                except ValueError as exc:
                    self.plan.error(row, "passion", str(exc))
            for name in ("offers", "needs"):
                if len(row.get(name)) > 300:
                    self.plan.error(row, name, "At most 300 characters fit here.")
            if self.plan.has_error(row.key) or person is None or cause is None:
                continue
            self.plan.outcomes[row.key] = self._interest(
                row, person, cause, passion, row.get("offers"), row.get("needs")
            )

    # -- ties --------------------------------------------------------------------------------

    def plan_ties(self) -> None:
        plan = self.plan
        rows = plan.dataset.rows.get("ties", [])
        pending: list[tuple[SourceRow, Handle, Handle, int | None, float | None, dict[str, Any]]]
        pending = []
        for row in rows:
            one = self.person_for(row.get("source"), row, "source")
            other = self.person_for(row.get("target"), row, "target")
            strength: int | None = None
            weight: float | None = None
            if row.get("strength"):
                try:
                    strength = parse_level(row.get("strength"), "Strength")
                except ValueError as exc:
                    plan.error(row, "strength", str(exc))
            elif row.get("weight"):
                try:
                    weight = parse_number(row.get("weight"))
                except ValueError:
                    plan.error(
                        row, "weight", f"The weight must be a number, not '{row.get('weight')}'."
                    )
            extra: dict[str, Any] = {}
            kind = row.get("kind").lower()
            if kind:
                if kind in _TIE_KINDS:
                    extra["kind"] = _TIE_KINDS[kind]
                else:
                    plan.warn(
                        row,
                        "kind",
                        f"'{row.get('kind')}' is not a kind of tie we know: "
                        "recorded as colleagues.",
                    )
            try:
                extra["since"] = parse_date(row.get("since"))
            except ValueError as exc:
                plan.error(row, "since", str(exc))
            extra["context"] = row.get("context")[:240]
            extra["external_id"] = row.get("external_id")[:120]
            if one is not None and other is not None and one is other:
                plan.error(row, "target", "A person cannot have a tie with themself.")
            if plan.has_error(row.key) or plan.outcomes.get(row.key) == "skipped":
                continue
            if one is None or other is None:
                continue
            pending.append((row, one, other, strength, weight, extra))
        weighted = [(i, p[4]) for i, p in enumerate(pending) if p[4] is not None]
        if weighted:
            binned = bin_weights([w for _, w in weighted], plan.options.binning)
            resolved = [list(p) for p in pending]
            for (i, _), s in zip(weighted, binned, strict=True):
                resolved[i][3] = s
            pending = [tuple(p) for p in resolved]
            plan.notes.append(
                f"{len(weighted)} ties had a weight and no strength: weights binned into "
                f"strengths by {BINNINGS[plan.options.binning].split(':')[0].lower()}."
            )
        pairs: dict[tuple[Any, Any], SourceRow] = {}
        existing = self._existing_ties(
            [(p[1], p[2]) for p in pending if isinstance(p[1], int) and isinstance(p[2], int)]
        )
        for row, one, other, strength, _weight, extra in pending:
            key = _pair_key(one, other)
            if key in pairs:
                plan.warn(
                    row, "target", f"The same two people as {pairs[key].where}: that tie is kept."
                )
                plan.outcomes[row.key] = "merged"
                continue
            pairs[key] = row
            if isinstance(one, int) and isinstance(other, int):
                tie = existing.get(ordered_pair(one, other))
                if tie is not None:
                    plan.outcomes[row.key] = self._update_tie(tie, strength)
                    continue
            plan.new_ties.append({"one": one, "other": other, "strength": strength, **extra})
            plan.outcomes[row.key] = "created"

    def _existing_ties(self, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], Tie]:
        wanted = {ordered_pair(a, b) for a, b in pairs}
        found: dict[tuple[int, int], Tie] = {}
        lows = sorted({low for low, _ in wanted})
        for chunk in _chunks(lows, 500):
            for tie in Tie.objects.filter(person_a_id__in=chunk):
                if (tie.person_a_id, tie.person_b_id) in wanted:
                    found[(tie.person_a_id, tie.person_b_id)] = tie
        return found

    def _update_tie(self, tie: Tie, strength: int | None) -> str:
        """An existing tie: only sides nobody has answered take the file's strength."""
        if strength is None:
            return "unchanged"
        changed = False
        for side in ("a", "b"):
            if (
                tie.status_of(side) == SideStatus.UNANSWERED
                and tie.provenance in (Provenance.IMPORT, Provenance.ORGANIZER, Provenance.PARTNER)
                and tie.strength_of(side) != strength
            ):
                setattr(tie, f"{side}_strength", strength)
                changed = True
        if changed:
            self.plan.changed_ties.append(tie)
        return "updated" if changed else "unchanged"


def _pair_key(one: Handle, other: Handle) -> tuple[Any, Any]:
    a = one if isinstance(one, int) else f"new{id(one)}"
    b = other if isinstance(other, int) else f"new{id(other)}"
    return (a, b) if str(a) < str(b) else (b, a)


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def import_plan(
    *,
    dataset: Dataset,
    options: ImportOptions,
    viewer: Viewer | None,
    progress: ProgressFn | None = None,
) -> Plan:
    """The dry run: validate every row and work out what an import would do. Reads only.

    ``viewer`` is the organizer importing (None for the management command, which sees
    everyone): people they may not see are never matched or referenced.
    """
    if options.binning not in BINNINGS:
        raise ValueError(f"unknown binning {options.binning!r}")
    planner = _Planner(dataset, options, viewer)
    steps: list[tuple[str, Callable[[], None]]] = [
        ("Reading what Smallbatch already holds", planner.load_index),
        ("Checking causes", planner.plan_causes),
        ("Checking organizations", planner.plan_organizations),
        ("Checking people and duplicates", planner.plan_people),
        ("Checking affiliations", planner.plan_affiliations),
        ("Checking interests", planner.plan_interests),
        ("Checking ties", planner.plan_ties),
    ]
    for number, (stage, step) in enumerate(steps):
        if progress:
            progress(int(100 * number / len(steps)), stage)
        step()
    return planner.plan


# ---------------------------------------------------------------------------------------------
# Applying a plan


@dataclass
class ImportResult:
    plan: Plan
    applied: bool
    message: str
    report: dict[str, Any]


def import_apply(
    *,
    dataset: Dataset,
    options: ImportOptions,
    viewer: Viewer | None,
    channel: str = AuditEvent.Channel.IMPORT,
    filename: str = "",
    job_public_id: str = "",
    progress: ProgressFn | None = None,
) -> ImportResult:
    """Import a file in one transaction: nothing is written if it fails or if the mode is
    "all or nothing" and a row has an error. Returns the plan it applied and the report."""
    if options.mode not in MODES:
        raise ValueError(f"unknown mode {options.mode!r}")

    def step(pct: int, stage: str) -> None:
        if progress:
            progress(pct, stage)

    with transaction.atomic():
        # Planned inside the transaction, so what is written matches what was checked.
        plan = import_plan(
            dataset=dataset,
            options=options,
            viewer=viewer,
            progress=(lambda p, s: step(p * 40 // 100, s)),
        )
        errors = plan.error_count
        if errors and options.mode == "all_or_nothing":
            report = plan.report()
            report["applied"] = False
            message = (
                f"Nothing was imported: {errors} problem{'s' if errors != 1 else ''} "
                "to fix first (or choose to import the valid rows only)."
            )
            report["message"] = message
            return ImportResult(plan, False, message, report)
        user = viewer.user if viewer is not None and viewer.is_authenticated else None
        overwritten = _rows_before(plan)
        _write(plan, step)
        _audit_overwrites(plan, overwritten, actor=user, channel=channel)
        report = plan.report()
        report["applied"] = True
        totals = plan.totals()
        message = (
            f"Imported: {totals['created']} created, {totals['updated']} updated, "
            f"{totals['merged']} merged, {totals['unchanged']} unchanged, "
            f"{totals['skipped']} skipped, {totals['rejected']} rejected."
        )
        report["message"] = message
        AuditEvent.objects.create(
            actor=user,
            actor_label=actor_label_for(user),
            channel=channel,
            action="import.apply",
            object_type="importjob",
            object_id=job_public_id or filename[:64] or "file",
            before={},
            after={
                "filename": filename,
                "format": plan.dataset.format,
                "mode": options.mode,
                "summary": report["summary"],
            },
        )
        step(100, "Done")
        return ImportResult(plan, True, message, report)


_PERSON_AUDITED = (*PERSON_FIELDS, "external_source", "external_id")
_TIE_AUDITED = ("a_strength", "b_strength")
_INTEREST_AUDITED = ("passion", "offers", "needs")


def _rows_before(plan: Plan) -> dict[str, dict[int, dict[str, Any]]]:
    """The stored values of the existing rows the import will overwrite, read before it does
    (the plan's instances already hold the new values)."""
    before: dict[str, dict[int, dict[str, Any]]] = {"person": {}, "tie": {}, "interest": {}}
    sources: list[tuple[str, Any, list[int], tuple[str, ...]]] = [
        ("person", Person, list(plan.changed_people), _PERSON_AUDITED),
        ("tie", Tie, [t.pk for t in plan.changed_ties if t.pk], _TIE_AUDITED),
        ("interest", Interest, [i.pk for i in plan.changed_interests if i.pk], _INTEREST_AUDITED),
    ]
    for kind, model, pks, fields in sources:
        for start in range(0, len(pks), _BATCH):
            for row in model.objects.filter(pk__in=pks[start : start + _BATCH]).values(
                "pk", *fields
            ):
                before[kind][row.pop("pk")] = row
    return before


def _audit_overwrites(
    plan: Plan, before: dict[str, dict[int, dict[str, Any]]], *, actor: Any, channel: str
) -> None:
    """One audit event per existing person, tie or interest the import changed, with the
    changed fields only (new rows are counted in the import's own event)."""
    label = actor_label_for(actor)
    interest_people = dict(
        Person.objects.filter(pk__in={i.person_id for i in plan.changed_interests}).values_list(
            "pk", "public_id"
        )
    )
    events: list[AuditEvent] = []

    def add(action: str, kind: str, object_id: Any, old: dict[str, Any], new: Any) -> None:
        keys = [k for k in old if _jsonable(getattr(new, k)) != _jsonable(old[k])]
        if keys:
            events.append(
                AuditEvent(
                    actor=actor,
                    actor_label=label,
                    channel=channel,
                    action=action,
                    object_type=kind,
                    object_id=str(object_id),
                    before={k: _jsonable(old[k]) for k in keys},
                    after={k: _jsonable(getattr(new, k)) for k in keys},
                )
            )

    for pk, person in plan.changed_people.items():
        if pk in before["person"]:
            add("person.update", "person", person.public_id, before["person"][pk], person)
    for tie in plan.changed_ties:
        if tie.pk in before["tie"]:
            add("tie.update", "tie", tie.public_id, before["tie"][tie.pk], tie)
    for interest in plan.changed_interests:
        if interest.pk in before["interest"]:
            add(
                "interest.update",
                "person",
                interest_people.get(interest.person_id, interest.person_id),
                before["interest"][interest.pk],
                interest,
            )
    AuditEvent.objects.bulk_create(events, batch_size=_BATCH)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _write(plan: Plan, step: ProgressFn) -> None:
    step(40, "Writing causes and organizations")
    for cause in sorted(plan.new_causes, key=lambda c: hasattr(c, "_import_parent")):
        parent = getattr(cause, "_import_parent", None)
        if parent is not None:
            cause.parent_id = pk_of(parent)
        cause.save()
    Organization.objects.bulk_create(plan.new_organizations, batch_size=_BATCH)
    if plan.changed_organizations:
        Organization.objects.bulk_update(
            list(plan.changed_organizations.values()), ORGANIZATION_FIELDS, batch_size=_BATCH
        )
    step(50, "Writing people")
    Person.objects.bulk_create(plan.new_people, batch_size=_BATCH)
    if plan.changed_people:
        Person.objects.bulk_update(
            list(plan.changed_people.values()),
            [*PERSON_FIELDS, "external_source", "external_id"],
            batch_size=_BATCH,
        )
    step(65, "Writing affiliations and interests")
    Affiliation.objects.bulk_create(
        [
            Affiliation(person_id=pk_of(p), organization_id=pk_of(o), role=r, start=s, end=e)
            for p, o, r, s, e in plan.new_affiliations
        ],
        batch_size=_BATCH,
    )
    if plan.changed_affiliations:
        Affiliation.objects.bulk_update(plan.changed_affiliations, ["start", "end"])
    Interest.objects.bulk_create(
        [
            Interest(person_id=pk_of(p), cause_id=pk_of(c), passion=n, offers=o, needs=d)
            for p, c, n, o, d in plan.new_interests
        ],
        batch_size=_BATCH,
    )
    if plan.changed_interests:
        Interest.objects.bulk_update(plan.changed_interests, ["passion", "offers", "needs"])
    step(75, "Writing ties")
    ties = []
    for t in plan.new_ties:
        low, high = ordered_pair(pk_of(t["one"]), pk_of(t["other"]))
        ties.append(
            Tie(
                person_a_id=low,
                person_b_id=high,
                kind=t.get("kind") or TieKind.COLLEAGUE,
                context=t.get("context", ""),
                since=t.get("since"),
                provenance=Provenance.IMPORT,
                a_strength=t["strength"],
                b_strength=t["strength"],
                a_status=SideStatus.UNANSWERED,
                b_status=SideStatus.UNANSWERED,
                external_source=plan.options.source[:60] if t.get("external_id") else "",
                external_id=t.get("external_id", ""),
            )
        )
    Tie.objects.bulk_create(ties, batch_size=_BATCH)
    if plan.changed_ties:
        Tie.objects.bulk_update(plan.changed_ties, ["a_strength", "b_strength"], batch_size=_BATCH)
    step(95, "Telling the path engine")
    pairs = [(t.person_a_id, t.person_b_id) for t in ties] + [
        (t.person_a_id, t.person_b_id) for t in plan.changed_ties
    ]
    # Bulk writes: a large import asks every resident graph to rebuild (one row) instead of
    # replaying thousands of change-log rows; a small one names what changed.
    if len(pairs) + len(plan.new_people) > settings.IMPORT_GRAPH_REBUILD_THRESHOLD:
        graph_log.note_rebuild()
    else:
        for person in plan.new_people:
            graph_log.note_person_changed(person.pk)
        if pairs:
            graph_log.note_ties_changed(pairs)
