"""Django's ``flush``, allowed past the audit log's append-only triggers.

Flush empties every table by design (tests between transactional cases, benchmarks). SQLite
flushes with DELETE, which the audit triggers refuse outside this command; PostgreSQL flushes
with TRUNCATE, which its trigger allows only with the session flag set here.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS, connections

from people.audit import audit_flush


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        postgres = connection.vendor == "postgresql"
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('smallbatch.audit_flush', 'on', false)")
        try:
            with audit_flush():
                super().handle(**options)
        finally:
            if postgres:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('smallbatch.audit_flush', 'off', false)")
