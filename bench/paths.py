"""Path search benchmark for one network size (run by ``python -m bench``).

Measures, on a seeded network in PostgreSQL:
(a) the naive baseline: build a networkx graph from the database, then
    ``nx.shortest_simple_paths`` (Yen) with the likelihood weight, first 3 paths;
(b) the resident engine: ``best_paths(k=3, max_hops=4)`` on the graph kept in memory;
(c) end to end through the API (POST, then poll GET) with a real Celery worker and Redis;
plus the full build time of the resident graph, its memory per tie, and the time until a
changed tie is seen by the next search. Ratios are against (a) measured in the same run.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import ensure_database, rss_bytes, seed

ROOT = Path(__file__).resolve().parent.parent
SEARCHES = 200
NAIVE_SEARCHES = 20
E2E_SEARCHES = 200


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    index = min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[index]


def pick_pairs(n: int, rng: random.Random) -> list[tuple[int, int]]:
    from people.models import Person, Visibility

    eligible = list(
        Person.objects.exclude(visibility=Visibility.HIDDEN)
        .filter(open_to_introductions=True, do_not_contact=False)
        .values_list("pk", flat=True)
    )
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < n:
        a, b = rng.sample(eligible, 2)
        pairs.add((a, b))
    return sorted(pairs, key=lambda p: rng.random())


def naive_build() -> Any:
    """What a request would do without a resident graph: read everything, keep usable ties."""
    import networkx as nx
    from django.conf import settings

    from people.models import Person, SideStatus, Tie, Visibility

    coefficient = settings.PATH_STRENGTH_COEFFICIENT
    unrated = settings.PATH_UNRATED_STRENGTH
    G = nx.Graph()
    open_people = {}
    for pk, vis, is_open, dnc in Person.objects.values_list(
        "pk", "visibility", "open_to_introductions", "do_not_contact"
    ).iterator(chunk_size=20_000):
        ok = is_open and not dnc
        open_people[pk] = ok
        G.add_node(pk, relay=ok and vis != Visibility.HIDDEN)
    for a, b, sa, sb, aa, ab, st_a, st_b in Tie.objects.values_list(
        "person_a_id",
        "person_b_id",
        "a_strength",
        "b_strength",
        "a_allows_introductions",
        "b_allows_introductions",
        "a_status",
        "b_status",
    ).iterator(chunk_size=20_000):
        if SideStatus.DISPUTED in (st_a, st_b):
            continue
        if aa is False or ab is False:
            continue
        if (aa is None and not open_people[a]) or (ab is None and not open_people[b]):
            continue
        strength = min(sa or unrated, sb or unrated)
        G.add_edge(a, b, w=-math.log(coefficient * strength))
    return G


def naive_search(G: Any, source: int, target: int) -> list[list[int]]:
    import networkx as nx

    # Intermediaries who may not relay are left out of this search's view of the graph.
    view = nx.subgraph_view(G, filter_node=lambda n: n in (source, target) or G.nodes[n]["relay"])
    try:
        return list(itertools.islice(nx.shortest_simple_paths(view, source, target, "w"), 3))
    except nx.NetworkXNoPath:
        return []


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    from network_app.celery import app

    app.control.purge()
    log = open(ROOT / "bench" / "results" / "worker.log.tmp", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "network_app",
            "worker",
            "--pool=solo",
            "--loglevel=warning",
            "--hostname",
            f"bench-{os.getpid()}@localhost",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the Celery worker did not start: see bench/results/worker.log.tmp")
    return process


def run(people: int, out: Path) -> dict[str, Any]:
    import django

    ensure_database(os.environ["DATABASE_URL"])
    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.test import Client

    from network_app.graph import best_paths
    from people import graph_log
    from people.models import PathSearch, SideStatus, Tie
    from people.resident_graph import ResidentGraph

    sizes = seed(people)
    rng = random.Random(2026)
    pairs = pick_pairs(SEARCHES, rng)
    report: dict[str, Any] = {"people": sizes["people"], "ties": sizes["ties"]}
    print(f"network: {sizes['people']} people, {sizes['ties']} ties", flush=True)

    # (a) naive baseline
    started = time.perf_counter()
    naive_graph = naive_build()
    report["naive_build_s"] = time.perf_counter() - started
    naive_times = []
    naive_best: dict[tuple[int, int], tuple[float, int]] = {}
    for source, target in pairs[:NAIVE_SEARCHES]:
        t0 = time.perf_counter()
        naive_found = naive_search(naive_graph, source, target)
        naive_times.append((time.perf_counter() - t0) * 1000)
        if naive_found:
            naive_best[(source, target)] = (
                sum(naive_graph[u][v]["w"] for u, v in itertools.pairwise(naive_found[0])),
                len(naive_found[0]) - 1,
            )
    report["naive_ms"] = {"p50": percentile(naive_times, 50), "p95": percentile(naive_times, 95)}
    del naive_graph
    gc.collect()

    # (b) resident engine
    gc.collect()
    before = rss_bytes()
    resident = ResidentGraph()
    started = time.perf_counter()
    resident.refresh()
    report["resident_build_s"] = time.perf_counter() - started
    report["resident_bytes_per_tie"] = (rss_bytes() - before) / max(1, sizes["ties"])
    report["worker_rss_mb"] = rss_bytes() / 2**20
    G = resident.graph
    engine_times = []
    agree = compared = 0
    outcomes = {"paths": 0, "no_path": 0, "other": 0}
    for source, target in pairs:
        t0 = time.perf_counter()
        found: list[Any] = []
        try:
            found = best_paths(G, source, target, k=3, max_hops=4)
            outcomes["paths"] += 1
        except Exception as exc:
            outcomes["no_path" if type(exc).__name__ == "NoPath" else "other"] += 1
        engine_times.append((time.perf_counter() - t0) * 1000)
        naive = naive_best.get((source, target))
        if naive is not None and naive[1] <= 4:
            compared += 1
            if found and abs(found[0].cost - naive[0]) < 1e-6:
                agree += 1
    report["engine_ms"] = {
        "p50": percentile(engine_times, 50),
        "p95": percentile(engine_times, 95),
        "max": max(engine_times),
    }
    report["engine_outcomes"] = outcomes
    report["agreement_with_naive"] = f"{agree}/{compared}"

    # Time until a changed tie is seen: dispute the first tie of a found path, then search.
    change_ms = None
    for source, target in pairs:
        try:
            path = best_paths(G, source, target, k=1, max_hops=4)[0]
        except Exception:  # noqa: S112 - only pairs with a path are useful here
            continue
        u, v = path.people[0], path.people[1]
        tie = Tie.objects.between(u, v).get()
        with transaction.atomic():
            Tie.objects.filter(pk=tie.pk).update(a_status=SideStatus.DISPUTED)
            graph_log.note_tie_changed(u, v)
        t0 = time.perf_counter()
        resident.refresh()
        try:
            again = best_paths(G, source, target, k=1, max_hops=4)
            changed = again[0].people[:2] != (u, v)
        except Exception:
            changed = True
        change_ms = (time.perf_counter() - t0) * 1000
        assert changed, "the disputed tie was still used"
        with transaction.atomic():  # put it back
            Tie.objects.filter(pk=tie.pk).update(a_status=tie.a_status)
            graph_log.note_tie_changed(u, v)
        resident.refresh()
        break
    report["change_seen_ms"] = change_ms

    # (c) end to end through the API, Redis and a real worker
    del G, resident
    gc.collect()
    user_model = get_user_model()
    staff, _ = user_model.objects.get_or_create(username="bench-staff", defaults={"is_staff": True})
    from people.models import Person

    public = dict(Person.objects.values_list("pk", "public_id"))
    worker = start_worker({**os.environ})
    try:
        client = Client()
        client.force_login(staff)
        url = "/api/v1/path-searches/"

        def one(source: int, target: int) -> float:
            t0 = time.perf_counter()
            response = client.post(
                url,
                {"source": str(public[source]), "target": str(public[target]), "k": 3},
                content_type="application/json",
            )
            assert response.status_code == 202, response.content
            detail = response["Location"]
            body = response.json()
            while body["status"] not in ("done", "failed"):
                body = client.get(detail, {"wait": "5"}).json()
            assert body["status"] == "done", body
            return (time.perf_counter() - t0) * 1000

        warm_source, warm_target = pairs[0]
        t0 = time.perf_counter()
        one(warm_source, warm_target)  # the worker builds its resident graph
        report["e2e_first_search_s"] = time.perf_counter() - t0
        e2e_pairs = [p for p in pairs[1:]][:E2E_SEARCHES]
        e2e_times = [one(s, t) for s, t in e2e_pairs]
        report["e2e_ms"] = {"p50": percentile(e2e_times, 50), "p95": percentile(e2e_times, 95)}
        compute = list(
            PathSearch.objects.filter(requester=staff)
            .order_by("-id")[: len(e2e_pairs)]
            .values_list("compute_ms", flat=True)
        )
        report["e2e_worker_compute_ms_p50"] = statistics.median([c for c in compute if c])
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        PathSearch.objects.filter(requester__username="bench-staff").delete()

    naive_p50 = report["naive_ms"]["p50"]
    report["ratio_naive_over_engine_p50"] = naive_p50 / report["engine_ms"]["p50"]
    report["ratio_naive_over_engine_p95"] = report["naive_ms"]["p95"] / report["engine_ms"]["p95"]
    report["ratio_naive_over_e2e_p50"] = naive_p50 / report["e2e_ms"]["p50"]
    report["settings"] = {
        "coefficient": settings.PATH_STRENGTH_COEFFICIENT,
        "unrated_strength": settings.PATH_UNRATED_STRENGTH,
        "searches": SEARCHES,
        "naive_searches": NAIVE_SEARCHES,
        "e2e_searches": len(e2e_pairs),
    }
    out.write_text(json.dumps(report, indent=2, default=str))
    return report


def render_table(reports: list[dict[str, Any]]) -> str:
    """A Markdown table of the reports (one column per network size)."""
    rows = [
        ("network", lambda r: f"{r['people']:,} people / {r['ties']:,} ties"),
        ("(a) naive: build graph from PostgreSQL", lambda r: f"{r['naive_build_s']:.2f} s"),
        (
            "(a) naive: Yen k=3, p50 / p95",
            lambda r: f"{r['naive_ms']['p50']:.1f} / {r['naive_ms']['p95']:.1f} ms",
        ),
        (
            "(b) resident engine k=3, 4 hops, p50 / p95",
            lambda r: f"{r['engine_ms']['p50']:.2f} / {r['engine_ms']['p95']:.2f} ms",
        ),
        (
            "(b) speed-up vs (a), p50 / p95",
            lambda r: (
                f"{r['ratio_naive_over_engine_p50']:.0f}x / {r['ratio_naive_over_engine_p95']:.0f}x"
            ),
        ),
        (
            "(c) end to end API + Redis + worker, p50 / p95",
            lambda r: f"{r['e2e_ms']['p50']:.1f} / {r['e2e_ms']['p95']:.1f} ms",
        ),
        ("(c) speed-up vs (a), p50", lambda r: f"{r['ratio_naive_over_e2e_p50']:.0f}x"),
        ("resident graph: full build from PostgreSQL", lambda r: f"{r['resident_build_s']:.2f} s"),
        ("resident graph: memory per tie", lambda r: f"{r['resident_bytes_per_tie']:.0f} B"),
        ("bench process RSS with graph", lambda r: f"{r['worker_rss_mb']:.0f} MB"),
        (
            "changed tie seen by the next search",
            lambda r: f"{r['change_seen_ms']:.1f} ms" if r["change_seen_ms"] else "n/a",
        ),
        ("best path agrees with naive (when <= 4 hops)", lambda r: r["agreement_with_naive"]),
        (
            "engine outcomes",
            lambda r: ", ".join(f"{k} {v}" for k, v in r["engine_outcomes"].items()),
        ),
    ]
    header = "| measure | " + " | ".join(f"{r['people']:,}" for r in reports) + " |"
    lines = [header, "|---" * (len(reports) + 1) + "|"]
    for name, fn in rows:
        lines.append(f"| {name} | " + " | ".join(str(fn(r)) for r in reports) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    run(args.people, args.out)


if __name__ == "__main__":
    main()
