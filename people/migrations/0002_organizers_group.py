"""Data migration: the Organizers group that marks network weavers."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

ORGANIZER_GROUP = "Organizers"


def create_group(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name=ORGANIZER_GROUP)


def remove_group(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name=ORGANIZER_GROUP, user__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_people_organizations_ties"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
