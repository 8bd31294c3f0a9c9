"""Import and export benchmark (run by ``python -m bench``; ``BENCH_ONLY=exchange``).

On an empty PostgreSQL database (``smallbatch_bench_import``, recreated each run) measures:
(a) reading a 50,000-row people CSV (semicolons, BOM) and a 150,000-row ties CSV;
(b) the dry run of each (validation, duplicate detection);
(c) the import of each in one transaction;
(d) re-importing the people file (every row unchanged);
(e) exporting the whole network as CSV zip, GraphML, GEXF and Kumu JSON.
Sizes come from ``BENCH_IMPORT_PEOPLE`` (default 50000) and ``BENCH_IMPORT_TIES`` (150000).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "smallbatch_bench_import"


def _files(people: int, ties: int) -> tuple[bytes, bytes]:
    rng = random.Random(8)
    lines = ["Full name;E-mail;Neighbourhood;Causes"]
    for i in range(people):
        lines.append(f"Member {i};m{i}@example.org;Hood {i % 40};Housing:{1 + i % 5}")
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < ties:
        a, b = rng.randrange(people), rng.randrange(people)
        if a != b:
            pairs.add((min(a, b), max(a, b)))
    tie_lines = ["source;target;weight"] + [
        f"m{a}@example.org;m{b}@example.org;{rng.randint(1, 40)}" for a, b in sorted(pairs)
    ]
    return (
        ("\ufeff" + "\n".join(lines) + "\n").encode(),
        ("\n".join(tie_lines) + "\n").encode(),
    )


def run(people: int, ties: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command

    from network_app.exchange.exporter import export_network
    from network_app.exchange.formats import read_any
    from network_app.exchange.importer import ImportOptions, import_apply, import_plan
    from people.roles import Viewer

    call_command("migrate", verbosity=0)
    people_csv, ties_csv = _files(people, ties)
    results: dict[str, Any] = {"people": people, "ties": ties}

    def timed(name: str, fn: Any) -> Any:
        started = time.perf_counter()
        value = fn()
        results[name] = round(time.perf_counter() - started, 3)
        print(f"{name}: {results[name]} s", flush=True)
        return value

    for label, content, source in (("people", people_csv, "people"), ("ties", ties_csv, "ties")):
        dataset = timed(f"read_{label}", lambda c=content, n=label: read_any(c, name=f"{n}.csv"))
        opts = ImportOptions(source=source)
        plan = timed(
            f"dry_run_{label}",
            lambda d=dataset, o=opts: import_plan(dataset=d, options=o, viewer=None),
        )
        assert plan.error_count == 0, plan.issues[:3]
        result = timed(
            f"import_{label}",
            lambda d=dataset, o=opts: import_apply(dataset=d, options=o, viewer=None),
        )
        assert result.applied
    again = timed(
        "reimport_people",
        lambda: import_apply(
            dataset=read_any(people_csv, name="people.csv"),
            options=ImportOptions(source="people"),
            viewer=None,
        ),
    )
    assert again.plan.totals()["unchanged"] == people
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.create(username="bench-admin", is_staff=True)
    viewer = Viewer(user=staff, person=None, is_organizer=True, is_staff=True)
    for fmt in ("csv", "graphml", "gexf", "kumu"):
        content = timed(
            f"export_{fmt}", lambda f=fmt: export_network(viewer=viewer, fmt=f, filters={})[0]
        )
        results[f"export_{fmt}_mb"] = round(len(content) / 1e6, 2)
    return results


def _recreate_database(server: str) -> None:
    import psycopg2  # type: ignore[import-untyped]

    connection = psycopg2.connect(f"{server}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        cursor.execute(f"CREATE DATABASE {DB_NAME}")
    connection.close()


def run_all(*, server: str, stamp: str, results: Path) -> int:
    """Called by ``python -m bench``: one subprocess on a fresh database."""
    _recreate_database(server)
    out = results / f"exchange-{stamp}.json"
    env = {
        **os.environ,
        "DATABASE_URL": f"{server}/{DB_NAME}",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-" + "x" * 40),
        "TESTING": "1",
        "DJANGO_SETTINGS_MODULE": "network_app.settings",
    }
    env.pop("REDIS_URL", None)
    return subprocess.call(
        [sys.executable, "-m", "bench.exchange", "--out", str(out)], cwd=ROOT, env=env
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    report = run(
        int(os.environ.get("BENCH_IMPORT_PEOPLE", "50000")),
        int(os.environ.get("BENCH_IMPORT_TIES", "150000")),
    )
    args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
