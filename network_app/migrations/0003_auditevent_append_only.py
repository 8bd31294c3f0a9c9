"""The audit log is append-only in the database itself: triggers refuse UPDATE and DELETE of
``people_auditevent`` rows (and TRUNCATE on PostgreSQL), whatever the client.

Allowed, and nothing else (see ``people/audit/__init__.py``):
- clearing ``actor_id`` alone (a deleted user: the foreign key is ``SET NULL``);
- inside the erasure service's ``audit_redaction()`` block: ``actor_label`` to "former member",
  ``object_id`` to "deleted", ``before``/``after`` to ``{}``, ``actor_id`` to NULL;
- on SQLite, ``manage.py flush`` (it empties tables with DELETE); on PostgreSQL flush's
  TRUNCATE is allowed only with the session flag the flush command sets.
"""

from typing import Any

from django.db import migrations

MESSAGE = "The audit log is append-only: this change is refused."

POSTGRESQL_FORWARD = f"""
CREATE OR REPLACE FUNCTION people_auditevent_append_only() RETURNS trigger AS $$
DECLARE
    same_event boolean;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF current_setting('smallbatch.audit_flush', true) = 'on' THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
    END IF;
    same_event := NEW.id = OLD.id AND NEW.channel = OLD.channel AND NEW.action = OLD.action
        AND NEW.object_type = OLD.object_type AND NEW.at = OLD.at;
    -- A deleted user: only the foreign key is cleared; the label keeps who acted.
    IF same_event AND NEW.actor_id IS NULL AND NEW.actor_label = OLD.actor_label
            AND NEW.object_id = OLD.object_id AND NEW.before = OLD.before
            AND NEW.after = OLD.after THEN
        RETURN NEW;
    END IF;
    -- Erasure of a member's personal data (GDPR): pseudonymize and blank, nothing more.
    IF same_event AND current_setting('smallbatch.audit_redaction', true) = 'on'
            AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
            AND (NEW.actor_label = OLD.actor_label OR NEW.actor_label = 'former member')
            AND (NEW.object_id = OLD.object_id OR NEW.object_id = 'deleted')
            AND (NEW.before = OLD.before OR NEW.before = '{{}}'::jsonb)
            AND (NEW.after = OLD.after OR NEW.after = '{{}}'::jsonb) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER people_auditevent_append_only
    BEFORE UPDATE OR DELETE ON people_auditevent
    FOR EACH ROW EXECUTE FUNCTION people_auditevent_append_only();

CREATE TRIGGER people_auditevent_no_truncate
    BEFORE TRUNCATE ON people_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION people_auditevent_append_only();
"""

POSTGRESQL_BACKWARD = """
DROP TRIGGER IF EXISTS people_auditevent_no_truncate ON people_auditevent;
DROP TRIGGER IF EXISTS people_auditevent_append_only ON people_auditevent;
DROP FUNCTION IF EXISTS people_auditevent_append_only();
"""

# smallbatch_audit_mode() is registered on every connection by people.apps (a connection
# without it fails with "no such function": refused as well).
SQLITE_FORWARD = [
    f"""
CREATE TRIGGER people_auditevent_no_update BEFORE UPDATE ON people_auditevent
FOR EACH ROW WHEN NOT (
    NEW.id = OLD.id AND NEW.channel = OLD.channel AND NEW.action = OLD.action
    AND NEW.object_type = OLD.object_type AND NEW.at = OLD.at
    AND (
        (NEW.actor_id IS NULL AND NEW.actor_label = OLD.actor_label
            AND NEW.object_id = OLD.object_id AND NEW.before = OLD.before
            AND NEW.after = OLD.after)
        OR (smallbatch_audit_mode() = 'redaction'
            AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
            AND (NEW.actor_label = OLD.actor_label OR NEW.actor_label = 'former member')
            AND (NEW.object_id = OLD.object_id OR NEW.object_id = 'deleted')
            AND (NEW.before = OLD.before OR NEW.before = '{{}}')
            AND (NEW.after = OLD.after OR NEW.after = '{{}}'))
    )
)
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END;
""",
    f"""
CREATE TRIGGER people_auditevent_no_delete BEFORE DELETE ON people_auditevent
FOR EACH ROW WHEN smallbatch_audit_mode() <> 'flush'
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END;
""",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS people_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS people_auditevent_no_delete;",
]


def forward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FORWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_BACKWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("network_app", "0002_api_keys_and_webhooks"),
        ("people", "0006_notification_kind_group"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
