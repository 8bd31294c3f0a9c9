"""Helpers shared by the benchmark modules: memory readings and the seeded databases."""

from __future__ import annotations

import threading
import time
from typing import Any


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class PeakMemory:
    """Samples this process's resident memory in a thread; ``peak`` is the highest seen."""

    def __init__(self, every: float = 0.02) -> None:
        self.every = every
        self.peak = rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes())
            time.sleep(self.every)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())


def ensure_database(url: str) -> None:
    import psycopg2  # type: ignore[import-untyped]
    from psycopg2 import sql

    server, name = url.rsplit("/", 1)
    conn = psycopg2.connect(f"{server}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn.close()


def seed(people: int) -> dict[str, Any]:
    from django.core.management import call_command

    from people.models import Person, Tie

    call_command("migrate", verbosity=0)
    if Person.objects.count() != people:
        if Person.objects.exists():
            call_command("flush", interactive=False, verbosity=0)
        started = time.perf_counter()
        call_command("seed_demo", people=people, seed=7)
        print(f"seeded {people} people in {time.perf_counter() - started:.1f} s", flush=True)
    return {"people": Person.objects.count(), "ties": Tie.objects.count()}
