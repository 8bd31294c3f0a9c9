"""Export the network the viewer may see: CSV (zip, one file per kind), GraphML, GEXF, Kumu.

The people come from ``people.selectors.person_list_visible_to`` with the map's filters
(``people.filters.PersonFilter``: search, cause, neighbourhood, sector, organization) plus a
minimum tie strength; ties from ``tie_visibility_q`` between exported people. So an export
never holds more than the viewer may see on the map. Email and phone are exported only for
staff (as on the pages). Organizers and staff may export; the export is written to the audit
log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
from django.utils import timezone

from causes.models import Cause, Interest
from network_app.exchange import csv_io, graph_io, kumu
from people.audit import CONTACT_VIEWED
from people.errors import DomainError, NotAllowed
from people.filters import PersonFilter
from people.models import Affiliation, AuditEvent, Person, SideStatus, Tie
from people.roles import Viewer
from people.selectors import person_list_visible_to, tie_visibility_q
from people.services import audit_write

EXPORT_FORMATS = {
    "csv": ("zip", "application/zip", "CSV files, one per kind, zipped"),
    "graphml": ("graphml", "application/graphml+xml", "GraphML (Gephi, yEd, networkx)"),
    "gexf": ("gexf", "application/gexf+xml", "GEXF (Gephi)"),
    "kumu": ("json", "application/json", "Kumu JSON blueprint"),
}
FILTER_NAMES = ("q", "cause", "neighbourhood", "sector", "organization", "min_strength")

PEOPLE_COLUMNS = (
    "id",
    "display_name",
    "pronouns",
    "headline",
    "bio",
    "city",
    "neighbourhood",
    "sector",
    "skills",
)
PRIVATE_COLUMNS = ("email", "phone")


@dataclass
class ExportData:
    people: list[dict[str, Any]] = field(default_factory=list)
    organizations: list[dict[str, Any]] = field(default_factory=list)
    affiliations: list[dict[str, Any]] = field(default_factory=list)
    causes: list[dict[str, Any]] = field(default_factory=list)
    interests: list[dict[str, Any]] = field(default_factory=list)
    ties: list[dict[str, Any]] = field(default_factory=list)
    private: bool = False

    def counts(self) -> dict[str, int]:
        return {
            "people": len(self.people),
            "organizations": len(self.organizations),
            "affiliations": len(self.affiliations),
            "causes": len(self.causes),
            "interests": len(self.interests),
            "ties": len(self.ties),
        }


def clean_filters(raw: Any) -> dict[str, str]:
    """The map's filters from a query dict; DomainError (with the field) when one is wrong."""
    values = {name: str(raw.get(name, "")).strip() for name in FILTER_NAMES if raw.get(name)}
    min_strength = values.get("min_strength")
    if min_strength and min_strength not in {"1", "2", "3", "4", "5"}:
        raise DomainError("Choose a minimum strength from 1 to 5.", field="min_strength")
    form = PersonFilter(
        {k: v for k, v in values.items() if k != "min_strength"}, queryset=Person.objects.none()
    ).form
    if not form.is_valid():
        field_name, errors = next(iter(form.errors.items()))
        raise DomainError(f"{field_name}: {' '.join(errors)}", field=field_name)
    return values


def export_collect(*, viewer: Viewer, filters: dict[str, str]) -> ExportData:
    """Everything the viewer may see under the filters, as plain rows."""
    if not (viewer.is_organizer or viewer.is_staff):
        raise NotAllowed("Only organizers can export the network.")
    person_filters = {k: v for k, v in filters.items() if k != "min_strength"}
    people_qs = person_list_visible_to(viewer=viewer, filters=person_filters or None)
    data = ExportData(private=viewer.is_staff)
    columns = [
        "pk",
        "public_id",
        "display_name",
        "pronouns",
        "headline",
        "bio",
        "city",
        "neighbourhood",
        "sector",
        "skills",
    ]
    if data.private:
        columns += list(PRIVATE_COLUMNS)
    public_of: dict[int, str] = {}
    for row in people_qs.values(*columns).iterator(chunk_size=2000):
        pk = row.pop("pk")
        public_of[pk] = str(row.pop("public_id"))
        row["skills"] = "|".join(str(s) for s in (row.get("skills") or []))
        data.people.append({"id": public_of[pk], **row})
    ids = people_qs.values("pk")
    min_strength = int(filters.get("min_strength") or 0)
    ties = (
        Tie.objects.filter(tie_visibility_q(viewer))
        .filter(person_a__in=ids, person_b__in=ids)
        .order_by("id")
    )
    for tie in ties.iterator(chunk_size=2000):
        if tie.person_a_id not in public_of or tie.person_b_id not in public_of:
            continue
        strength = tie.effective_strength
        if min_strength and (strength or 0) < min_strength:
            continue
        data.ties.append(
            {
                "source": public_of[tie.person_a_id],
                "target": public_of[tie.person_b_id],
                "strength": strength or "",
                "kind": tie.kind,
                "context": tie.context,
                "since": tie.since.isoformat() if tie.since else "",
                "confirmed": tie.a_status == SideStatus.CONFIRMED
                and tie.b_status == SideStatus.CONFIRMED,
                "provenance": tie.provenance,
            }
        )
    orgs: dict[int, dict[str, Any]] = {}
    for aff in (
        Affiliation.objects.filter(person__in=ids).select_related("organization").order_by("id")
    ):
        org = aff.organization
        if org.pk not in orgs:
            orgs[org.pk] = {
                "id": str(org.public_id),
                "name": org.name,
                "kind": org.kind,
                "city": org.city,
                "neighbourhood": org.neighbourhood,
                "website": org.website,
                "description": org.description,
            }
        data.affiliations.append(
            {
                "person": public_of.get(aff.person_id, ""),
                "organization": str(org.public_id),
                "role": aff.role,
                "start": aff.start.isoformat() if aff.start else "",
                "end": aff.end.isoformat() if aff.end else "",
            }
        )
    data.organizations = list(orgs.values())
    # The cause taxonomy is public; parents come before their children.
    for cause in Cause.objects.select_related("parent").order_by("parent_id", "name"):
        data.causes.append(
            {
                "name": cause.name,
                "slug": cause.slug,
                "parent": cause.parent.slug if cause.parent else "",
                "description": cause.description,
            }
        )
    data.causes.sort(key=lambda c: (c["parent"] != "", c["name"]))
    for interest in Interest.objects.filter(person__in=ids).select_related("cause").order_by("id"):
        data.interests.append(
            {
                "person": public_of.get(interest.person_id, ""),
                "cause": interest.cause.slug,
                "passion": interest.passion,
                "offers": interest.offers,
                "needs": interest.needs,
            }
        )
    return data


def _rows(items: list[dict[str, Any]], headers: list[str]) -> list[list[Any]]:
    return [[item.get(h, "") for h in headers] for item in items]


def to_csv_zip(data: ExportData) -> bytes:
    people_headers = list(PEOPLE_COLUMNS) + (list(PRIVATE_COLUMNS) if data.private else [])
    files = {
        "causes.csv": csv_io.write_csv(
            ["name", "slug", "parent", "description"],
            _rows(data.causes, ["name", "slug", "parent", "description"]),
        ),
        "organizations.csv": csv_io.write_csv(
            ["id", "name", "kind", "city", "neighbourhood", "website", "description"],
            _rows(
                data.organizations,
                ["id", "name", "kind", "city", "neighbourhood", "website", "description"],
            ),
        ),
        "people.csv": csv_io.write_csv(people_headers, _rows(data.people, people_headers)),
        "affiliations.csv": csv_io.write_csv(
            ["person", "organization", "role", "start", "end"],
            _rows(data.affiliations, ["person", "organization", "role", "start", "end"]),
        ),
        "interests.csv": csv_io.write_csv(
            ["person", "cause", "passion", "offers", "needs"],
            _rows(data.interests, ["person", "cause", "passion", "offers", "needs"]),
        ),
        "ties.csv": csv_io.write_csv(
            ["source", "target", "strength", "kind", "context", "since", "confirmed", "provenance"],
            _rows(
                data.ties,
                [
                    "source",
                    "target",
                    "strength",
                    "kind",
                    "context",
                    "since",
                    "confirmed",
                    "provenance",
                ],
            ),
        ),
    }
    return csv_io.zip_files(files)


def _node_attributes(data: ExportData) -> dict[str, dict[str, Any]]:
    causes_of: dict[str, list[str]] = {}
    names = {c["slug"]: c["name"] for c in data.causes}
    for i in data.interests:
        causes_of.setdefault(i["person"], []).append(f"{names[i['cause']]}:{i['passion']}")
    org_names = {o["id"]: o["name"] for o in data.organizations}
    org_of: dict[str, tuple[str, str]] = {}
    for a in data.affiliations:
        if not a["end"]:
            org_of.setdefault(a["person"], (org_names[a["organization"]], a["role"]))
    nodes: dict[str, dict[str, Any]] = {}
    for p in data.people:
        attrs = {
            k: v for k, v in p.items() if k not in ("id", "display_name") and v not in ("", None)
        }
        attrs["label"] = p["display_name"]
        if p["id"] in causes_of:
            attrs["causes"] = "|".join(causes_of[p["id"]])
        if p["id"] in org_of:
            attrs["organization"], role = org_of[p["id"]]
            if role:
                attrs["role"] = role
        nodes[p["id"]] = attrs
    return nodes


def to_graph(data: ExportData) -> nx.Graph:
    """A networkx graph: nodes are people (by public id), edges ties."""
    G = nx.Graph(name="Smallbatch export")
    for node, attrs in _node_attributes(data).items():
        G.add_node(node, **attrs)
    for t in data.ties:
        attrs = {"kind": t["kind"], "confirmed": bool(t["confirmed"])}
        if t["strength"] != "":
            attrs["strength"] = int(t["strength"])
        for key in ("context", "since"):
            if t[key]:
                attrs[key] = t[key]
        G.add_edge(t["source"], t["target"], **attrs)
    return G


def to_kumu(data: ExportData) -> bytes:
    elements: list[dict[str, Any]] = []
    for node, attrs in _node_attributes(data).items():
        element = {"id": node, "label": attrs.pop("label"), "type": "Person"}
        if "bio" in attrs:
            element["description"] = attrs.pop("bio")
        if attrs.get("skills"):
            element["tags"] = attrs.pop("skills").split("|")
        attrs.pop("organization", None)
        attrs.pop("role", None)
        element.update(attrs)
        elements.append(element)
    for o in data.organizations:
        element = {"id": o["id"], "label": o["name"], "type": "Organization", "kind": o["kind"]}
        element.update({k: o[k] for k in ("city", "neighbourhood", "website") if o[k]})
        elements.append(element)
    connections: list[dict[str, Any]] = []
    for a in data.affiliations:
        connection = {
            "from": a["person"],
            "to": a["organization"],
            "type": "affiliation",
            "direction": "undirected",
        }
        if a["role"]:
            connection["role"] = a["role"]
        connections.append(connection)
    for t in data.ties:
        connection = {
            "from": t["source"],
            "to": t["target"],
            "type": t["kind"],
            "direction": "undirected",
            "confirmed": bool(t["confirmed"]),
        }
        if t["strength"] != "":
            connection["strength"] = int(t["strength"])
        for key in ("context", "since"):
            if t[key]:
                connection[key] = t[key]
        connections.append(connection)
    return kumu.write_kumu(elements, connections)


def export_network(
    *, viewer: Viewer, fmt: str, filters: dict[str, str], channel: str = AuditEvent.Channel.WEB
) -> tuple[bytes, str, str]:
    """The export file: ``(content, content type, file name)``. Written to the audit log."""
    if fmt not in EXPORT_FORMATS:
        raise DomainError("Choose a format: " + ", ".join(EXPORT_FORMATS) + ".", field="format")
    data = export_collect(viewer=viewer, filters=filters)
    if fmt == "csv":
        content = to_csv_zip(data)
    elif fmt == "graphml":
        content = graph_io.write_graphml(to_graph(data))
    elif fmt == "gexf":
        content = graph_io.write_gexf(to_graph(data))
    else:
        content = to_kumu(data)
    extension, content_type, _ = EXPORT_FORMATS[fmt]
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    # viewer.user is the request's user object: an API key that asked is named in the event.
    audit_write(
        actor=viewer.user,
        channel=channel,
        action="export.download",
        object_type="export",
        object_id=fmt,
        after={
            "format": fmt,
            "filters": filters,
            "counts": data.counts(),
            "at": dt.datetime.now(dt.UTC).isoformat(),
        },
    )
    if data.private:  # an admin's export holds email and phone: a logged read (issue 9)
        audit_write(
            actor=viewer.user,
            channel=channel,
            action=CONTACT_VIEWED,
            object_type="export",
            object_id=fmt,
            after={"view": "export", "people": len(data.people)},
        )
    return content, content_type, f"smallbatch-{stamp}.{extension}"
