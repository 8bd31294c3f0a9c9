"""Tasks that exist for the integration tests only.

The test harness's real worker imports this module (``celery worker --include``), so these
run in the worker process against the test database; in eager mode they run in-process.
"""

from __future__ import annotations

from celery import shared_task

from people.models import Person


@shared_task
def person_display_name(public_id: str) -> str | None:
    """The display name of the person with ``public_id``, read from the worker's database."""
    person = Person.objects.filter(public_id=public_id).first()
    return person.display_name if person is not None else None
