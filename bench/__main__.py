"""`python -m bench`: run the path benchmark for each network size, one process per size.

Each size gets its own PostgreSQL database (seeded once with ``seed_demo --people N`` and reused
while its size matches), so Django settings stay fixed within a process. Sizes come from
``BENCH_SIZES`` (default ``10000,100000``); ``BENCH_PG`` is the server URL without a database
name (default ``postgres://postgres@127.0.0.1:5432``); ``REDIS_URL`` (default
``redis://127.0.0.1:6379/14``) serves the end-to-end part with a real worker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def main() -> int:
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,100000").split(",") if s]
    server = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    # Small-batch groups and weaving (issue 5): BENCH_ONLY containing "groups", or unset.
    bench_only = {name for name in os.environ.get("BENCH_ONLY", "").split(",") if name}
    if not bench_only or "groups" in bench_only:
        from bench.groups import run_all as run_groups

        code = run_groups(server=server, stamp=stamp, results=RESULTS)
        if code != 0:
            return code
    # Import and export (issue 8): BENCH_ONLY containing "exchange", or unset.
    if not bench_only or "exchange" in bench_only:
        from bench.exchange import run_all as run_exchange

        code = run_exchange(server=server, stamp=stamp, results=RESULTS)
        if code != 0:
            return code
    # BENCH_ONLY=paths,metrics (comma-separated) runs only the named benchmarks; unset: all.
    only = {name for name in os.environ.get("BENCH_ONLY", "").split(",") if name}
    if not only or "metrics" in only:
        from bench.metrics import run_all as run_metrics  # the organizer dashboard (issue 6)

        code = run_metrics(server=server, stamp=stamp, results=RESULTS)
        if code != 0:
            return code
    if only and "paths" not in only:
        return 0
    reports = []
    for size in sizes:
        env = {
            **os.environ,
            "DATABASE_URL": f"{server}/smallbatch_bench_{size}",
            "REDIS_URL": redis_url,
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-" + "x" * 40),
            "TESTING": "1",
            "DJANGO_SETTINGS_MODULE": "network_app.settings",
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            # The benchmark fires hundreds of searches a minute from one user on purpose.
            "API_THROTTLE_EXPENSIVE": "100000/min",
            "API_THROTTLE_USER": "100000/min",
        }
        out = RESULTS / f"paths-{size}-{stamp}.json"
        code = subprocess.call(
            [sys.executable, "-m", "bench.paths", "--people", str(size), "--out", str(out)],
            cwd=ROOT,
            env=env,
        )
        if code != 0:
            print(f"benchmark for {size} people failed with exit code {code}", file=sys.stderr)
            return code
        reports.append(json.loads(out.read_text()))
    from bench.paths import render_table

    table = render_table(reports)
    print(table)
    (RESULTS / "latest.md").write_text(table + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
