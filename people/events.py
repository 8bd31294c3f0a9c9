"""Events partner tools can follow through webhooks (issue 7).

Services call :func:`event_emit` explicitly (no signals); the event leaves only after the
transaction commits, so a rolled-back change never reaches a partner, and it names the row
only: the payload is built afterwards for each webhook's owner, with their rights and scopes.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

EVENTS = {
    "tie.created": "A tie was recorded between two people.",
    "tie.changed": "A tie's kind, strength, status or consent changed.",
    "introduction.state_changed": "An introduction moved to another state.",
    "group.convened": "An organizer convened a small-batch group.",
    "person.updated": "A person's profile was created or changed.",
}


def event_emit(event: str, *, object_id: int) -> None:
    """After commit, hand ``event`` about the row ``object_id`` to the webhooks wanting it."""
    if event not in EVENTS:
        raise ValueError(f"unknown event {event}")
    occurred_at = timezone.now().isoformat()

    def send() -> None:
        # Imported here: the webhook machinery lives in network_app, which depends on people.
        from network_app.webhooks.dispatch import event_dispatch

        event_dispatch(event=event, object_id=object_id, occurred_at=occurred_at)

    transaction.on_commit(send)
