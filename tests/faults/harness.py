"""A private stack for the fault tests: its own Redis and PostgreSQL (on free ports, in a temp
directory), the app under gunicorn and a real Celery worker (with beat) pointed at them.

Only these processes are ever stopped, killed or restarted; the machine's shared PostgreSQL and
Redis are never touched. PostgreSQL refuses to run as root, so as root its programs run as the
``postgres`` user (``runuser``).
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2  # type: ignore[import-untyped]
import redis
import requests

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0
DATABASE = "smallbatch_faults"

# Settings of the stack: short timeouts so that each fault resolves within seconds.
STACK_SETTINGS = {
    "TESTING": "1",
    "DEBUG": "0",
    "CELERY_EAGER": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "LOG_LEVEL": "INFO",
    "DB_CONN_MAX_AGE": "60",  # persistent connections: recovery relies on CONN_HEALTH_CHECKS
    "HEALTHZ_REQUIRE_WORKER": "0",
    "OUTAGE_RETRY_AFTER_SECONDS": "7",
    "CELERY_VISIBILITY_TIMEOUT": "3",
    "PATH_SEARCH_STALE_SECONDS": "8",
    "SWEEP_INTERVAL_SECONDS": "1",
    "SWEEP_REQUEUE_AFTER_SECONDS": "2",
    "WEBHOOK_ALLOW_PRIVATE_URLS": "1",
    "WEBHOOK_CONNECT_TIMEOUT_SECONDS": "1",
    "WEBHOOK_TIMEOUT_SECONDS": "1.5",
    "WEBHOOK_RETRY_BASE_SECONDS": "1",
    "WEBHOOK_MAX_ATTEMPTS": "3",
}


def missing_programs() -> str | None:
    """Why the stack cannot run on this machine, or None."""
    if shutil.which("redis-server") is None:
        return "redis-server is not installed"
    if postgres_bindir() is None:
        return "PostgreSQL's initdb/pg_ctl are not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, but there is no 'postgres' user to run PostgreSQL as"
        if shutil.which("runuser") is None:
            return "running as root, but runuser is missing"
    return None


def postgres_bindir() -> Path | None:
    candidates = []
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        candidates.append(subprocess.check_output(["pg_config", "--bindir"], text=True).strip())
    if shutil.which("initdb"):
        candidates.append(str(Path(shutil.which("initdb") or "").parent))
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for directory in candidates:
        if (Path(directory) / "initdb").exists() and (Path(directory) / "pg_ctl").exists():
            return Path(directory)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(what: str, check: Callable[[], bool], timeout: float, log: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(Exception):
            if check():
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} not ready within {timeout:.0f} s:\n{log()}")
        time.sleep(0.1)


@dataclass
class Service:
    """A subprocess in its own process group, logging to a file."""

    name: str
    command: list[str]
    env: dict[str, str]
    logdir: Path
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    starts: int = 0

    def start(self) -> None:
        self.starts += 1
        self.log_path = self.logdir / f"{self.name}-{self.starts}.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self, chars: int = 6000) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-chars:]

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group (the main process and its children)."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def children(self) -> set[int]:
        """Pids of the main process's children (gunicorn workers, pool processes)."""
        if self.process is None:
            return set()
        found = set()
        for status in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = status.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.process.pid:
                    found.add(int(status.parent.name))
        return found


class PrivateRedis:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.dir = workdir / "redis"
        self.dir.mkdir()
        self.service = Service(
            "redis",
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            dict(os.environ),
            workdir,
        )

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.service.start()
        wait_for("Redis", self.ping, 20, self.service.log)

    def ping(self) -> bool:
        return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())

    def stop(self) -> None:
        self.service.stop()


class PrivatePostgres:
    def __init__(self, workdir: Path) -> None:
        bindir = postgres_bindir()
        assert bindir is not None
        self.bindir = bindir
        self.port = free_port()
        self.dir = workdir / "pg"
        self.data = self.dir / "data"
        self.dir.mkdir()
        self.logfile = self.dir / "postgres.log"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            entry = pwd.getpwnam("postgres")
            os.chown(workdir, entry.pw_uid, entry.pw_gid)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd="/")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def init(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self.start()
        with contextlib.closing(self.connect("postgres")) as conn:
            conn.autocommit = True
            conn.cursor().execute(f"CREATE DATABASE {DATABASE}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.logfile), "-o", options, "-w", "start"
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def connect(self, database: str = DATABASE) -> Any:
        return psycopg2.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database, connect_timeout=3
        )

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with contextlib.closing(self.connect()) as conn, conn.cursor() as cursor:
            cursor.execute(sql, params)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
            conn.rollback()
            return rows


@dataclass
class Stack:
    workdir: Path
    redis: PrivateRedis
    postgres: PrivatePostgres
    env: dict[str, str]
    web: Service
    web_port: int
    worker: Service
    seed: dict[str, Any] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    # -- processes ----------------------------------------------------------------------------

    def start_web(self) -> None:
        self.web.start()
        wait_for(
            "gunicorn", lambda: self.get("/healthz").status_code > 0, START_TIMEOUT, self.web.log
        )

    def start_worker(self) -> None:
        self.worker.start()
        wait_for(
            "the Celery worker",
            lambda: " ready." in self.worker.log(),
            START_TIMEOUT,
            self.worker.log,
        )

    def logs(self) -> str:
        return f"--- gunicorn ---\n{self.web.log()}\n--- worker ---\n{self.worker.log()}"

    # -- HTTP ---------------------------------------------------------------------------------

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(self.base_url + path, timeout=15, allow_redirects=False, **kwargs)

    def member(self, who: str = "member") -> requests.Session:
        """A logged-in browser of the member, or of the organizer (session and CSRF cookies)."""
        session = requests.Session()
        session.cookies.set("sessionid", self.seed[f"{who}_session"])
        session.cookies.set("csrftoken", self.seed["csrf"])
        session.headers["X-CSRFToken"] = self.seed["csrf"]
        return session

    def api(self) -> requests.Session:
        """The organizer's partner tool: an API key with paths, people and webhooks scopes."""
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.seed['token']}"
        return session

    def url(self, path: str) -> str:
        return self.base_url + path

    # -- the database -------------------------------------------------------------------------

    def search_rows(self, requester: str) -> list[tuple[str, str, Any]]:
        """(public_id, status, result) of the user's path searches, oldest first."""
        return [
            (str(public_id), status, result)
            for public_id, status, result in self.postgres.query(
                "SELECT s.public_id, s.status, s.result FROM people_pathsearch s "
                "JOIN auth_user u ON u.id = s.requester_id WHERE u.username = %s ORDER BY s.id",
                requester,
            )
        ]

    def clear_searches(self) -> None:
        with contextlib.closing(self.postgres.connect()) as conn, conn.cursor() as cursor:
            cursor.execute("DELETE FROM people_pathsearch")
            conn.commit()


@contextlib.contextmanager
def running_stack() -> Iterator[Stack]:
    workdir = Path(tempfile.mkdtemp(prefix="smallbatch-faults-"))
    os.chmod(workdir, 0o755)  # noqa: S103 - PostgreSQL runs as another user; holds no secret
    redis_server = PrivateRedis(workdir)
    postgres = PrivatePostgres(workdir)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))},
        **STACK_SETTINGS,
        "DATABASE_URL": postgres.url,
        "REDIS_URL": redis_server.url,
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    web_port = free_port()
    bin_dir = Path(sys.executable).parent
    web = Service(
        "gunicorn",
        [
            str(bin_dir / "gunicorn"),
            "network_app.wsgi:application",
            "--bind",
            f"127.0.0.1:{web_port}",
            "--workers",
            "2",
            "--timeout",
            "60",
            "--graceful-timeout",
            "2",
            "--control-socket",
            str(workdir / "gunicorn.ctl"),
        ],
        env,
        workdir,
    )
    # Two pool processes: a delivery waiting on a hanging receiver holds one, searches use the
    # other. Beat (-B) sends the sweepers every SWEEP_INTERVAL_SECONDS.
    worker = Service(
        "worker",
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "network_app",
            "worker",
            "-B",
            "--schedule",
            str(workdir / "beat-schedule"),
            "--pool=prefork",
            "--concurrency=2",
            "--loglevel=info",
            "--hostname",
            f"faults-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        env,
        workdir,
    )
    stack = Stack(workdir, redis_server, postgres, env, web, web_port, worker)
    try:
        redis_server.start()
        postgres.init()
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if migrate.returncode:
            raise RuntimeError(f"migrate failed:\n{migrate.stdout[-3000:]}{migrate.stderr[-3000:]}")
        seed = subprocess.run(
            [sys.executable, "-m", "tests.faults.seed"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if seed.returncode:
            raise RuntimeError(f"seeding failed:\n{seed.stderr[-3000:]}")
        stack.seed = json.loads(seed.stdout.strip().splitlines()[-1])
        stack.start_web()
        stack.start_worker()
        yield stack
    finally:
        worker.kill()
        web.kill()
        redis_server.service.kill()
        postgres.destroy()
        if os.environ.get("SMALLBATCH_FAULTS_KEEP") != "1":  # keep the logs to debug
            shutil.rmtree(workdir, ignore_errors=True)
