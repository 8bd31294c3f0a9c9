# The directory's and the API's order (display_name, id) for organizers (issue 9, load).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0007_invitations"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["display_name", "id"], name="person_name_id"),
        ),
    ]
