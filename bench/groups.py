"""Small-batch groups and weaving benchmark for one network size (run by ``python -m bench``).

On a network seeded with ``seed_demo --people N`` in PostgreSQL, measures:
(a) the resident graph build the run starts from (seconds, memory);
(b) groups for every top-level cause (``compute_groups``: read candidates, search, explain);
(c) weaving suggestions for the whole network (``compute_weaving``: communities, triangles,
    periphery);
(d) the whole run as the Celery task does it (``run_execute``: claim, refresh, compute both,
    store), with the peak memory of the process above its baseline (VmRSS sampled every 20 ms).

Targets (issue 5): the whole run under 60 s at 5,000 people and under 10 minutes at 100,000.
Sizes come from ``BENCH_GROUPS_SIZES`` (default ``5000,100000``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import PeakMemory, rss_bytes

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {5000: 60.0, 100000: 600.0}


def _mb(n: float) -> float:
    return round(n / 1024 / 1024, 1)


def run(people: int, out: Path) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network_app.settings")
    from bench.common import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    django.setup()
    from bench.common import seed
    from causes.models import SuggestionRun
    from causes.suggestions.compute import compute_groups, compute_weaving, run_execute
    from people.resident_graph import reset_resident_graph, resident_graph

    sizes = seed(people)
    report: dict[str, Any] = {"people": sizes["people"], "ties": sizes["ties"]}

    def progress(percent: int, stage: str) -> None:
        pass

    # (a) the graph
    reset_resident_graph()
    gc.collect()
    baseline = rss_bytes()
    started = time.perf_counter()
    resident = resident_graph()
    resident.refresh()
    report["graph_build_s"] = round(time.perf_counter() - started, 2)
    report["graph_mb"] = _mb(rss_bytes() - baseline)
    G = resident.graph

    # (b) groups for every cause, (c) weaving for the whole network (not stored)
    probe = SuggestionRun(include_groups=True, include_weaving=True, seed=7)
    with PeakMemory() as memory:
        started = time.perf_counter()
        groups, members, stats = compute_groups(probe, G, progress)
        report["groups_s"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        weaving, weaving_stats = compute_weaving(probe, G, progress)
        report["weaving_s"] = round(time.perf_counter() - started, 2)
    report["compute_peak_mb"] = _mb(memory.peak - baseline)
    report.update(
        groups=len(groups),
        group_candidates=stats["group_candidates"],
        mean_group_score=stats["mean_group_score"],
        weaving=weaving_stats["weaving"],
        periphery=weaving_stats["periphery"],
    )
    del groups, members, weaving

    # (d) the whole task, from a cold graph as a fresh worker would (claim, build, store)
    reset_resident_graph()
    gc.collect()
    baseline = rss_bytes()
    run_row = SuggestionRun.objects.create(include_groups=True, include_weaving=True, seed=7)
    with PeakMemory() as memory:
        started = time.perf_counter()
        assert run_execute(run_id=run_row.pk)
        report["run_s"] = round(time.perf_counter() - started, 2)
    report["run_peak_mb"] = _mb(memory.peak - baseline)
    report["target_s"] = TARGETS.get(people)
    report["meets_target"] = report["target_s"] is None or report["run_s"] < report["target_s"]
    out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report), flush=True)
    return report


def render_table(reports: list[dict[str, Any]]) -> str:
    lines = [
        "### Small-batch groups and weaving",
        "",
        "| people | ties | graph build | groups, every cause | weaving, whole network "
        "| whole run (task) | peak memory | target | groups | weaving pairs |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in reports:
        target = f"< {r['target_s']:.0f} s" if r.get("target_s") else "-"
        ok = "met" if r.get("meets_target") else "MISSED"
        lines.append(
            f"| {r['people']:,} | {r['ties']:,} | {r['graph_build_s']} s | {r['groups_s']} s "
            f"| {r['weaving_s']} s | {r['run_s']} s | {r['run_peak_mb']} MB "
            f"| {target} ({ok}) | {r['groups']} | {r['weaving'] + r['periphery']} |"
        )
    return "\n".join(lines)


def run_all(*, server: str, stamp: str, results: Path) -> int:
    """One subprocess per size (Django settings stay fixed within a process)."""
    sizes = [int(s) for s in os.environ.get("BENCH_GROUPS_SIZES", "5000,100000").split(",") if s]
    reports = []
    for size in sizes:
        env = {
            **os.environ,
            "DATABASE_URL": f"{server}/smallbatch_bench_{size}",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-" + "x" * 40),
            "TESTING": "1",
            "CELERY_EAGER": "1",
            "DJANGO_SETTINGS_MODULE": "network_app.settings",
        }
        out = results / f"groups-{size}-{stamp}.json"
        code = subprocess.call(
            [sys.executable, "-m", "bench.groups", "--people", str(size), "--out", str(out)],
            cwd=ROOT,
            env=env,
        )
        if code != 0:
            print(f"groups benchmark for {size} people failed ({code})", file=sys.stderr)
            return code
        reports.append(json.loads(out.read_text()))
    table = render_table(reports)
    print(table)
    (results / "groups-latest.md").write_text(table + "\n")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    run(args.people, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
