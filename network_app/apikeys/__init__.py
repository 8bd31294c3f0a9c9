"""API keys for partner tools: scopes, issuing and revoking, authentication, permissions,
throttles and idempotent POSTs (issue 7).

A key acts as the organizer (or admin) who issued it, never more; its scopes narrow that further.
"""

from __future__ import annotations

# Every scope, with what it allows. The API documentation (OpenAPI) and the key pages read this.
SCOPES: dict[str, str] = {
    "people:read": (
        "Read people, organizations, affiliations, causes and interests; people sync feed."
    ),
    "people:write": "Create and update people (upsert by external id).",
    "ties:read": "Read ties and the ties sync feed.",
    "ties:write": "Record ties (upsert by external id) and change the caller's own side.",
    "paths:run": "Start path searches and read their results.",
    "introductions:read": "Read introductions the issuer may see.",
    "introductions:write": "Ask for introductions and take steps in them.",
    "groups:read": "Read small-batch groups, weaving suggestions and suggestion runs.",
    "groups:write": "Convene, dismiss and answer groups; start suggestion runs.",
    "metrics:read": "Read the latest network metrics snapshot (organizers).",
    "exchange:run": "Import files and export the network (organizers).",
    "webhooks:manage": "Register, change and remove webhooks; read their delivery log.",
}
SCOPE_CHOICES = [(name, f"{name}: {text}") for name, text in SCOPES.items()]
