"""An import job end to end through a real Celery worker (eager without REDIS_URL)."""

from __future__ import annotations

import time

import pytest

from network_app.exchange.jobs import import_job_confirm, import_job_create
from people.models import ImportJob, Person, Tie
from people.roles import make_organizer
from tests.factories import UserFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _wait(job: ImportJob, status: str, seconds: float = 60.0) -> ImportJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (status, ImportJob.Status.FAILED):
            return job
        time.sleep(0.2)
    pytest.fail(f"the job stayed {job.status}")


def test_a_large_import_runs_as_a_job_in_the_worker():
    # given
    user = UserFactory(username="weaver")
    make_organizer(user)
    people = "id,name\n" + "".join(f"p{i},Person {i}\n" for i in range(2000))
    ties = "".join(f"p{i},p{i + 1},3\n" for i in range(1999))
    content = ("id,name\n" + people.split("\n", 1)[1]).encode()
    # when: upload and dry run
    job = import_job_create(by=user, filename="people.csv", content=content)
    job = _wait(job, ImportJob.Status.PLANNED)
    assert job.report["summary"]["people"]["created"] == 2000
    import_job_confirm(by=user, job=job, mode="all_or_nothing")
    job = _wait(job, ImportJob.Status.DONE)
    # then
    assert job.status == ImportJob.Status.DONE, job.error
    assert Person.objects.count() == 2000
    tie_job = import_job_create(
        by=user, filename="ties.csv", content=("source,target,strength\n" + ties).encode()
    )
    tie_job = _wait(tie_job, ImportJob.Status.PLANNED)
    import_job_confirm(by=user, job=tie_job, mode="all_or_nothing")
    tie_job = _wait(tie_job, ImportJob.Status.DONE)
    assert Tie.objects.count() == 1999
