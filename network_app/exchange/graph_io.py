"""GraphML and GEXF (Gephi, networkx) in and out, through networkx's readers and writers.

Node attributes map to profile fields by the same column names and aliases as the CSV files
(``name`` or ``label`` to the display name, ``email``, ``neighbourhood``, ``organization``,
``causes``...); edge attributes ``strength`` (1..5, taken as is) and ``weight`` (any number,
binned later) map to tie strengths. A node whose ``type`` is an organization becomes an
organization, and its edges to people become affiliations.
"""

from __future__ import annotations

import io
from typing import Any
from xml.etree.ElementTree import ParseError

import networkx as nx

from network_app.exchange.tables import (
    Dataset,
    FileError,
    SourceRow,
    canonical_columns,
    normalize_header,
    unneutralize,
)

ORGANIZATION_TYPES = {"organization", "organisation", "org", "organizations", "company"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return "|".join(_text(v) for v in value)
    return unneutralize(str(value).strip())


def _mapped(kind: str, attrs: dict[str, Any], skip: set[str]) -> tuple[dict[str, str], list[str]]:
    keys = [k for k in attrs if normalize_header(k) not in skip]
    mapping = canonical_columns(kind, keys)
    values = {
        name: _text(attrs[keys[i]]) for i, name in mapping.items() if _text(attrs[keys[i]]) != ""
    }
    ignored = [k for i, k in enumerate(keys) if i not in mapping]
    return values, ignored


def is_organization(attrs: dict[str, Any]) -> bool:
    for key in ("type", "kind_of_node", "element_type", "node_type", "category"):
        for k, v in attrs.items():
            if normalize_header(k) == key and normalize_header(v) in ORGANIZATION_TYPES:
                return True
    return False


def dataset_from_graph(G: nx.Graph, fmt: str) -> Dataset:
    """People (and organizations) from nodes, ties (and affiliations) from edges."""
    dataset = Dataset(format=fmt)
    ignored: set[str] = set()
    organizations: set[Any] = set()
    for number, (node, attrs) in enumerate(G.nodes(data=True), start=1):
        attrs = dict(attrs)
        attrs.pop("viz", None)  # Gephi's positions and colours
        if is_organization(attrs):
            organizations.add(node)
            values, _ = _mapped("organizations", attrs, {"type", "id"})
            values["id"] = str(node)
            values.setdefault("name", str(attrs.get("label") or node))
            dataset.add(SourceRow("organizations", number, values, where=f"node {node}"))
            continue
        values, skipped = _mapped("people", attrs, {"id", "type"})
        ignored.update(skipped)
        values["id"] = str(node)
        values.setdefault("display_name", str(node))
        dataset.add(SourceRow("people", number, values, where=f"node {node}"))
    edge_number = 0
    for u, v, attrs in G.edges(data=True):
        edge_number += 1
        where = f"edge {edge_number} ({u} to {v})"
        if (u in organizations) != (v in organizations):
            person, org = (v, u) if u in organizations else (u, v)
            role = _text(attrs.get("role") or attrs.get("label") or attrs.get("type") or "")
            values = {"person": str(person), "organization": str(org)}
            if role:
                values["role"] = role
            dataset.add(SourceRow("affiliations", edge_number, values, where=where))
            continue
        if u in organizations:
            dataset.notes.append(f"{where}: a link between two organizations is not imported.")
            continue
        values, skipped = _mapped("ties", dict(attrs), {"id", "source", "target"})
        ignored.update(f"edge {s}" for s in skipped)
        values["source"], values["target"] = str(u), str(v)
        dataset.add(SourceRow("ties", edge_number, values, where=where))
    ignored -= {"label", "edge label", "edge key"}
    if ignored:
        dataset.notes.append("Ignored attributes: " + ", ".join(sorted(ignored)[:15]) + ".")
    if not dataset.row_count:
        raise FileError("The graph has no nodes.")
    return dataset


def read_graphml(data: bytes) -> Dataset:
    try:
        G = nx.read_graphml(io.BytesIO(data))
    except (ParseError, nx.NetworkXError, ValueError, KeyError, TypeError) as exc:
        raise FileError(f"The GraphML file cannot be read: {exc}.") from exc
    return dataset_from_graph(G, "graphml")


def read_gexf(data: bytes) -> Dataset:
    try:
        G = nx.read_gexf(io.BytesIO(data))
    except (ParseError, nx.NetworkXError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise FileError(f"The GEXF file cannot be read: {exc}.") from exc
    return dataset_from_graph(G, "gexf")


def write_graphml(G: nx.Graph) -> bytes:
    out = io.BytesIO()
    nx.write_graphml(G, out, encoding="utf-8")
    return out.getvalue()


def write_gexf(G: nx.Graph) -> bytes:
    out = io.BytesIO()
    nx.write_gexf(G, out, encoding="utf-8")
    return out.getvalue()
