"""Kumu's JSON blueprint: ``{"elements": [...], "connections": [...]}``.

Elements carry a ``label`` (the display name), a ``type`` (Person, Organization...) and any
fields; Kumu's own backups nest them under ``attributes`` and name elements by ``_id``, which is
read too. Connections name their ends with ``from`` and ``to``: an element's id, or its label.
"""

from __future__ import annotations

import json
from typing import Any

from network_app.exchange.graph_io import _mapped, _text, is_organization
from network_app.exchange.tables import Dataset, FileError, SourceRow


def _flat(item: dict[str, Any]) -> dict[str, Any]:
    attrs = {k: v for k, v in item.items() if k != "attributes"}
    nested = item.get("attributes")
    if isinstance(nested, dict):
        for k, v in nested.items():
            attrs.setdefault(k, v)
    return attrs


def read_kumu(text: str) -> Dataset:
    """People, organizations, ties and affiliations from a Kumu blueprint."""
    try:
        blueprint = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileError(f"The JSON is not valid (line {exc.lineno}): {exc.msg}.") from exc
    if not isinstance(blueprint, dict) or not isinstance(blueprint.get("elements"), list):
        raise FileError('A Kumu blueprint is a JSON object with an "elements" list.')
    connections = blueprint.get("connections") or []
    if not isinstance(connections, list):
        raise FileError('"connections" must be a list.')
    dataset = Dataset(format="kumu")
    ids: dict[str, str] = {}
    organizations: set[str] = set()
    for number, item in enumerate(blueprint["elements"], start=1):
        if not isinstance(item, dict):
            raise FileError(f"Element {number} is not an object.")
        attrs = _flat(item)
        label = _text(attrs.get("label") or attrs.get("name") or "")
        element_id = _text(attrs.get("_id") or attrs.get("id") or label or f"element-{number}")
        ids[element_id] = element_id
        if label:
            ids.setdefault(label, element_id)
        where = f"element {number} ({label or element_id})"
        if is_organization({"type": attrs.get("type") or attrs.get("element type") or ""}):
            organizations.add(element_id)
            values, _ = _mapped("organizations", attrs, {"id", "_id", "type", "element_type"})
            values["id"] = element_id
            values.setdefault("name", label or element_id)
            dataset.add(SourceRow("organizations", number, values, where=where))
            continue
        values, _ = _mapped("people", attrs, {"id", "_id", "type", "element_type", "tags"})
        if attrs.get("tags") and "skills" not in values:
            values["skills"] = _text(attrs["tags"])
        values["id"] = element_id
        if label:
            values["display_name"] = label
        dataset.add(SourceRow("people", number, values, where=where))
    for number, item in enumerate(connections, start=1):
        if not isinstance(item, dict):
            raise FileError(f"Connection {number} is not an object.")
        attrs = _flat(item)
        ends = [_text(attrs.get("from")), _text(attrs.get("to"))]
        resolved = [ids.get(e, e) for e in ends]
        where = f"connection {number} ({ends[0]} to {ends[1]})"
        if attrs.get("connection type") and "type" not in attrs:
            attrs["type"] = attrs["connection type"]
        orgs = [e in organizations for e in resolved]
        if orgs[0] != orgs[1]:
            person, org = (resolved[1], resolved[0]) if orgs[0] else (resolved[0], resolved[1])
            values = {"person": person, "organization": org}
            role = _text(attrs.get("role") or attrs.get("label") or attrs.get("type") or "")
            if role:
                values["role"] = role
            dataset.add(SourceRow("affiliations", number, values, where=where))
            continue
        if orgs[0]:
            dataset.notes.append(f"{where}: a link between two organizations is not imported.")
            continue
        values, _ = _mapped(
            "ties", attrs, {"id", "_id", "from", "to", "direction", "connection_type"}
        )
        values["source"], values["target"] = resolved
        dataset.add(SourceRow("ties", number, values, where=where))
    return dataset


def write_kumu(elements: list[dict[str, Any]], connections: list[dict[str, Any]]) -> bytes:
    """The blueprint as UTF-8 JSON."""
    return json.dumps(
        {"elements": elements, "connections": connections}, ensure_ascii=False, indent=1
    ).encode("utf-8")
