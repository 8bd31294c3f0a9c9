"""The data version behind the page cache (``network_app.page_cache``): triggers give the
writer's slot of ``network_app_dataversion`` a new random token whenever a statement changes
one of the tables that directory pages, profiles and API lists are made of."""

import uuid
from typing import Any

from django.db import migrations, models

# (app label, model): the tables whose every change makes cached pages and lists stale.
TRACKED = [
    ("people", "Person"),
    ("people", "Tie"),
    ("people", "Affiliation"),
    ("people", "Organization"),
    ("causes", "Interest"),
    ("causes", "Cause"),
]
SLOTS = 256  # DataVersion.SLOTS: PostgreSQL's writers' slots (0 to 255)

# The writer's transaction takes a slot row nobody else holds (SKIP LOCKED: it never waits for
# another writer, so no import or long transaction can hold up an edit), keeps it until it
# ends (a transaction-local setting remembers which), and gives it a new random token.
POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION smallbatch_data_changed() RETURNS trigger AS $$
DECLARE
    held text := current_setting('smallbatch.data_version_slot', true);
    chosen integer;
    fresh text := replace(gen_random_uuid()::text, '-', '');
BEGIN
    IF held IS NOT NULL AND held <> '' THEN
        UPDATE network_app_dataversion SET token = fresh WHERE slot = held::integer;
        IF FOUND THEN
            RETURN NULL;
        END IF;
    END IF;
    SELECT slot INTO chosen FROM network_app_dataversion
        WHERE slot < 256
        ORDER BY mod(slot - mod(pg_backend_pid(), 256) + 256, 256)
        LIMIT 1 FOR UPDATE SKIP LOCKED;
    IF chosen IS NULL THEN  -- every slot busy, or emptied by a flush: this backend's own
        chosen := mod(pg_backend_pid(), 256);
    END IF;
    INSERT INTO network_app_dataversion (slot, token) VALUES (chosen, fresh)
        ON CONFLICT (slot) DO UPDATE SET token = EXCLUDED.token;
    PERFORM set_config('smallbatch.data_version_slot', chosen::text, true);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def _tables(apps: Any) -> list[str]:
    return [apps.get_model(app, model)._meta.db_table for app, model in TRACKED]


def forward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    tables = _tables(apps)
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FUNCTION)
        for table in tables:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_data_changed "
                f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION smallbatch_data_changed()"
            )
    elif vendor == "sqlite":  # one writer at a time: one slot; row triggers only
        for table in tables:
            for event in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_data_changed_{event.lower()} AFTER {event} "  # noqa: S608
                    f"ON {table} FOR EACH ROW BEGIN "
                    "INSERT OR REPLACE INTO network_app_dataversion (slot, token) "
                    "VALUES (0, lower(hex(randomblob(16)))); END"
                )
    # A fresh database starts from tokens of its own (never the version of another one); on
    # PostgreSQL every writers' slot exists from the start, for SKIP LOCKED to choose from.
    DataVersion = apps.get_model("network_app", "DataVersion")
    slots = range(SLOTS + 1) if vendor == "postgresql" else [SLOTS]
    DataVersion.objects.bulk_create(DataVersion(slot=n, token=uuid.uuid4().hex) for n in slots)


def backward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    tables = _tables(apps)
    if vendor == "postgresql":
        for table in tables:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_data_changed ON {table}")
        schema_editor.execute("DROP FUNCTION IF EXISTS smallbatch_data_changed()")
    elif vendor == "sqlite":
        for table in tables:
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_data_changed_{event}")


class Migration(migrations.Migration):
    dependencies = [
        ("network_app", "0003_auditevent_append_only"),
        ("people", "0008_person_name_index"),
        ("causes", "0003_reserved_cause_slugs"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                ("slot", models.PositiveSmallIntegerField(primary_key=True, serialize=False)),
                ("token", models.CharField(max_length=32)),
            ],
            options={"ordering": ["slot"]},
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
