"""The audit log's plumbing: who an event names, and the one door through which rows change.

Rows of ``people_auditevent`` are append-only in the database itself (triggers created by
``network_app/migrations/0003_auditevent_append_only.py``): any UPDATE or DELETE is refused,
with two exceptions that never lose the record of what happened:

- deleting a user clears the ``actor`` foreign key (``SET NULL``); nothing else may change in
  that UPDATE, so the event keeps its ``actor_label``;
- the personal-data erasure service (GDPR), inside :func:`audit_redaction`, may pseudonymize
  ``actor_label`` to "former member", blank ``before``/``after`` and set ``object_id`` to
  "deleted"; the action, channel, object type and time stay.

The flag is transaction-local on PostgreSQL (``set_config(..., is_local => true)``) and, on
SQLite, an application-defined SQL function that answers from a context variable of this
process; a connection without that function (the sqlite3 shell) refuses every change.

This module imports only models: services, views and the admin import it.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from django.db import connection, transaction

# The key a request authenticated with, or "session" for a browser session on the API: set on
# the request's user object (one object per request), read by audit_record.
API_VIA_ATTR = "_smallbatch_audit_api_via"
REDACTION_SETTING = "smallbatch.audit_redaction"
SQLITE_FUNCTION = "smallbatch_audit_mode"
FORMER_MEMBER_LABEL = "former member"

_mode: contextvars.ContextVar[str] = contextvars.ContextVar("smallbatch_audit_mode", default="")


def mark_api_request(user: Any, key: Any = None) -> None:
    """Note on ``user`` (the request's user object) that this request came through the API,
    with ``key`` when an API key authenticated it. Audit events then name the key and use the
    "api" channel."""
    if getattr(user, "is_authenticated", False):
        setattr(user, API_VIA_ATTR, key if key is not None else "session")


def api_via(user: Any) -> Any:
    """The API key (or "session") the user object acts through in this request, or None."""
    return getattr(user, API_VIA_ATTR, None)


def actor_label_for(user: Any) -> str:
    """Who an event names: the username, plus the API key's name and prefix when a key acted.
    Never the key's secret (only its public prefix)."""
    if not getattr(user, "is_authenticated", False):
        return "system"
    label = str(user.get_username())
    key = api_via(user)
    if key is not None and key != "session":
        label = f"{label} via API key “{key.name}” (sb_{key.prefix})"
    return label[:150]


@contextlib.contextmanager
def audit_redaction() -> Iterator[None]:
    """Let the erasure service pseudonymize and blank audit rows inside this block (and the
    surrounding transaction only). Must be used inside ``transaction.atomic``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_redaction() must run inside transaction.atomic")
    token = _mode.set("redaction")
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'on', true)", [REDACTION_SETTING])
        yield
    finally:
        _mode.reset(token)
        if connection.vendor == "postgresql" and connection.connection is not None:
            with contextlib.suppress(Exception), connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'off', true)", [REDACTION_SETTING])


@contextlib.contextmanager
def audit_flush() -> Iterator[None]:
    """For ``manage.py flush`` only, which empties every table by design: on SQLite it runs
    ``DELETE FROM`` per table, which the trigger would refuse (PostgreSQL's TRUNCATE fires no
    row trigger)."""
    token = _mode.set("flush")
    try:
        yield
    finally:
        _mode.reset(token)


def _sqlite_mode() -> str:
    return _mode.get()


def register_sqlite_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: give every SQLite connection the function the
    append-only triggers ask."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 0, _sqlite_mode)


CONTACT_VIEWED = "person.contact_viewed"


def contact_read_record(*, by: Any, people: Any, view: str, channel: str) -> int:
    """Log that staff user ``by`` was shown the private contact details (email, phone) of
    ``people``: one event per person and view (page, API response), not one per field. People
    without contact details, and a person reading their own, are not logged. Returns the
    number of events written."""
    from people.models import AuditEvent

    if not getattr(by, "is_authenticated", False):
        return 0
    own = getattr(by, "pk", None)
    if api_via(by) is not None and channel == AuditEvent.Channel.WEB:
        channel = AuditEvent.Channel.API
    label = actor_label_for(by)
    events = [
        AuditEvent(
            actor=by,
            actor_label=label,
            channel=channel,
            action=CONTACT_VIEWED,
            object_type="person",
            object_id=str(p.public_id),
            after={"view": view},
        )
        for p in people
        if (p.email or p.phone) and not (own is not None and p.user_id == own)
    ]
    AuditEvent.objects.bulk_create(events)
    return len(events)
