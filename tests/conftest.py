"""Personas shared by the whole suite (after healthchecks' Alice, Bob and Charlie).

- ``organizer``: a network weaver (in the Organizers group) with a listed person.
- ``member``: a member with a listed person.
- ``other_member``: another member with a listed person.
- ``stranger``: not logged in.
- ``hidden_member``: a member whose person is hidden.
- ``organizers_only_person``: a person visible to organizers only (no login).
- ``admin_user``: staff + superuser.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client

from people.models import Person, Visibility
from people.roles import make_organizer
from tests.factories import PASSWORD, PersonFactory, UserFactory


@dataclass
class Persona:
    user: Any
    person: Person | None
    client: Client


def _persona(username: str, visibility: str = Visibility.LISTED, **person: Any) -> Persona:
    user = UserFactory(username=username)
    p = PersonFactory(
        user=user,
        display_name=person.pop("display_name", username.title()),
        visibility=visibility,
        **person,
    )
    client = Client()
    client.force_login(user)
    return Persona(user=user, person=p, client=client)


@pytest.fixture
def member(db: None) -> Persona:
    return _persona("mina", display_name="Mina Member")


@pytest.fixture
def other_member(db: None) -> Persona:
    return _persona("omar", display_name="Omar Other")


@pytest.fixture
def organizer(db: None) -> Persona:
    persona = _persona("olga", display_name="Olga Organizer")
    make_organizer(persona.user)
    return persona


@pytest.fixture
def hidden_member(db: None) -> Persona:
    return _persona("hana", Visibility.HIDDEN, display_name="Hana Hidden")


@pytest.fixture
def organizers_only_person(db: None) -> Person:
    return PersonFactory(display_name="Otto Organizers-Only", visibility=Visibility.ORGANIZERS)


@pytest.fixture
def stranger() -> Persona:
    return Persona(user=None, person=None, client=Client())


@pytest.fixture
def admin_user(db: None) -> Persona:
    user = UserFactory(username="ada", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return Persona(user=user, person=None, client=client)


@pytest.fixture
def password() -> str:
    return PASSWORD


# =============================================================================================
# Celery worker
#
# Tests marked ``@pytest.mark.worker`` get ``celery_worker_process``. With REDIS_URL set (and
# CELERY_EAGER unset) it is a real ``celery worker`` subprocess on the *test* database, started
# once per session; otherwise it is None and tasks run eagerly in-process. The worker sees only
# committed rows, so tests that hand it data use ``transactional_db``.
# =============================================================================================

ROOT_DIR = Path(__file__).resolve().parent.parent
WORKER_START_TIMEOUT = 30.0
WORKER_STOP_TIMEOUT = 15.0
# Imported by the worker besides the apps' own tasks modules: tasks that exist for tests only.
WORKER_TEST_TASK_MODULES = ("tests.integration.tasks",)


def _database_url_for_worker(settings_dict: dict[str, Any]) -> str:
    """A DATABASE_URL for another process to open the database of ``settings_dict``.

    Fails the run (with what to do) when the test database cannot be shared: SQLite's
    test database lives in the memory of the pytest process.
    """
    engine, name = settings_dict["ENGINE"], str(settings_dict["NAME"])
    if engine == "django.db.backends.postgresql":
        user = quote(settings_dict.get("USER") or "", safe="")
        password = quote(settings_dict.get("PASSWORD") or "", safe="")
        credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 5432
        return f"postgres://{credentials}{host}:{port}/{quote(name, safe='')}"
    pytest.fail(
        "A real Celery worker (REDIS_URL is set) needs a test database that another process "
        "can open: also set DATABASE_URL=postgres://..., or unset REDIS_URL to run tasks eagerly."
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()  # warm shutdown: finishes the current task
        try:
            process.wait(timeout=WORKER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def celery_worker_process(
    django_db_setup: None, django_db_blocker: Any
) -> Iterator[subprocess.Popen[bytes] | None]:
    """A real Celery worker on the test database when REDIS_URL is set, else None (eager)."""
    from django.conf import settings
    from django.db import connection

    from network_app.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER:
        yield None
        return

    nodename = f"pytest-{os.getpid()}@{socket.gethostname()}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url_for_worker(connection.settings_dict),
        "DB_CONN_MAX_AGE": "0",  # hold no connection that would keep the test DB from dropping
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "TESTING": "1",
        "CELERY_EAGER": "0",
    }
    app.control.purge()  # a message left by an earlier run must not reach this worker
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the worker
        prefix="smallbatch-celery-worker-", suffix=".log", delete=False
    )
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "network_app",
        "worker",
        "--pool=solo",
        "--loglevel=info",
        "--hostname",
        nodename,
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--include",
        ",".join(WORKER_TEST_TASK_MODULES),
    ]
    process = subprocess.Popen(command, cwd=ROOT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)

    def worker_log() -> str:
        log.flush()
        return Path(log.name).read_text(errors="replace")[-4000:]

    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while not any(nodename in reply for reply in app.control.ping(timeout=0.5)):
        if process.poll() is not None:
            pytest.fail(f"The Celery worker exited with {process.returncode}:\n{worker_log()}")
        if time.monotonic() > deadline:
            _stop(process)
            pytest.fail(
                f"No answer from the Celery worker within {WORKER_START_TIMEOUT:.0f} s:\n"
                f"{worker_log()}"
            )
    try:
        yield process
    finally:
        _stop(process)
        log.close()
        Path(log.name).unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _celery_worker_for_marked_tests(request: pytest.FixtureRequest) -> None:
    """Start (once) the worker for tests marked ``worker``."""
    if request.node.get_closest_marker("worker") is not None:
        request.getfixturevalue("celery_worker_process")


# =============================================================================================
# Resident path graph
# =============================================================================================


@pytest.fixture(autouse=True)
def _fresh_resident_graph() -> Iterator[None]:
    """Each test starts with an empty resident graph in this process (the database is rolled
    back between tests, so a graph kept from an earlier test would describe rows that are gone)."""
    from people.resident_graph import reset_resident_graph

    reset_resident_graph()
    yield
    reset_resident_graph()
