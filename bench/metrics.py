"""Organizer dashboard benchmark for one network size (run by ``python -m bench``).

Measures, on a network seeded with ``seed_demo --people N`` in PostgreSQL:
(a) the metrics job (``snapshot_compute``: read the network, compute every metric, store the
    per-person rows): wall time, the share of each step, and peak memory above the process's
    baseline (VmRSS sampled every 20 ms);
(b) the map payload (``/dashboard/map.json`` for the demo organizer, whole network): bytes,
    gzipped bytes, and server time (median of 5 requests through Django's test client);
(c) the map page in Chromium (Debian's, through Playwright, against ``runserver``): from
    navigation start to the first layout drawn (``window.smallbatchMapReadyMs``: payload
    served, every person drawn at their place, the map usable), and to every tie drawn (big
    maps add ties in chunks after that), median of 3.
(b) and (c) run up to 10,000 people (the map shows at most 10,000 people).

Targets (issue 6): (a) under 30 s at 5,000 people and 10 minutes at 100,000; (c) under 5 s at
5,000 people.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import PeakMemory, rss_bytes

ROOT = Path(__file__).resolve().parent.parent
MAP_MAX = 10_000
BENCH_PASSWORD = "bench-dashboard-password"  # noqa: S105 - bench databases only


def measure_job() -> dict[str, Any]:
    from network_app.dashboard import snapshot_compute
    from network_app.models import NetworkSnapshot

    gc.collect()
    baseline = rss_bytes()
    snapshot = NetworkSnapshot.objects.create(trigger=NetworkSnapshot.Trigger.COMMAND)
    started = time.perf_counter()
    with PeakMemory() as memory:
        snapshot_compute(snapshot_id=snapshot.pk)
    seconds = time.perf_counter() - started
    snapshot.refresh_from_db()
    return {
        "seconds": round(seconds, 2),
        "peak_memory_mb": round((memory.peak - baseline) / 2**20, 1),
        "steps": snapshot.findings.get("seconds", {}),
        "people": snapshot.people,
        "ties": snapshot.ties,
        "sampled": snapshot.sampled,
        "pivots": snapshot.pivots,
        "communities": snapshot.communities,
    }


def _organizer() -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="organizer")
    user.set_password(BENCH_PASSWORD)
    user.save(update_fields=["password"])
    return user


def measure_payload() -> dict[str, Any]:
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(_organizer())
    url = reverse("dashboard:map_data")
    times = []
    content = b""
    for _ in range(5):
        started = time.perf_counter()
        response = client.get(url, HTTP_HOST="127.0.0.1")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        content = response.content
    body = json.loads(content)
    return {
        "people": len(body["people"]),
        "ties": len(body["ties"]),
        "bytes": len(content),
        "gzip_bytes": len(gzip.compress(content)),
        "server_seconds_median": round(statistics.median(times), 3),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measure_browser() -> dict[str, Any]:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        return {"skipped": "chromium is not installed"}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "playwright is not installed"}
    _organizer()
    port = _free_port()
    env = {**os.environ, "DEBUG": "1", "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    return {"skipped": "runserver did not start"}
                time.sleep(0.2)
        ready: list[float] = []
        ties_done: list[float] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium,
                headless=True,
                args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
            )
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            page.set_default_timeout(120_000)
            page.goto(base + "/accounts/login/")
            page.fill("#id_username", "organizer")
            page.fill("#id_password", BENCH_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/people/**")
            for _ in range(3):
                page.goto(base + "/dashboard/map/")
                page.wait_for_selector("#network-map[data-ties='done']")
                ready.append(page.evaluate("() => window.smallbatchMapReadyMs") / 1000)
                ties_done.append(page.evaluate("() => window.smallbatchMapTiesMs") / 1000)
                people = int(page.get_attribute("#network-map", "data-people") or 0)
            browser.close()
        return {
            "people": people,
            "ready_seconds": [round(r, 2) for r in ready],
            "ready_seconds_median": round(statistics.median(ready), 2),
            "all_ties_seconds": [round(r, 2) for r in ties_done],
            "all_ties_seconds_median": round(statistics.median(ties_done), 2),
            "load_average": os.getloadavg()[0],
        }
    finally:
        server.terminate()
        server.wait(timeout=15)


def run(people: int, out: Path, *, browser: bool) -> dict[str, Any]:
    import django

    django.setup()
    from bench.common import seed

    report: dict[str, Any] = {"people_target": people, "network": seed(people)}
    report["job"] = measure_job()
    print(f"metrics job at {people}: {report['job']['seconds']} s", flush=True)
    if people <= MAP_MAX:
        report["payload"] = measure_payload()
        if browser:
            report["browser"] = measure_browser()
    out.write_text(json.dumps(report, indent=2))
    return report


def render_table(reports: list[dict[str, Any]]) -> str:
    """A Markdown table of the reports, one row per size."""
    lines = [
        "### Organizer dashboard",
        "",
        "| people | ties | metrics job (target) | peak memory | map payload (gzip) "
        "| payload server time | map ready in Chromium (target 5 s) | all ties drawn |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in reports:
        job = r["job"]
        target = "30 s" if r["people_target"] <= 5000 else "10 min"
        payload = r.get("payload")
        browser = r.get("browser") or {}
        size = (
            f"{payload['bytes'] / 1e6:.2f} MB ({payload['gzip_bytes'] / 1e6:.2f} MB)"
            if payload
            else "-"
        )
        server = f"{payload['server_seconds_median']} s" if payload else "-"
        ready = (
            f"{browser['ready_seconds_median']} s"
            if "ready_seconds_median" in browser
            else browser.get("skipped", "-")
        )
        ties = (
            f"{browser['all_ties_seconds_median']} s"
            if "all_ties_seconds_median" in browser
            else "-"
        )
        lines.append(
            f"| {job['people']:,} | {job['ties']:,} | {job['seconds']} s ({target}) "
            f"| {job['peak_memory_mb']} MB | {size} | {server} | {ready} | {ties} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network_app.settings")
    sys.path.insert(0, str(ROOT))
    from bench.common import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    run(args.people, args.out, browser=not args.no_browser)


if __name__ == "__main__":
    main()


def run_all(*, server: str, stamp: str, results: Path) -> int:
    """Called by ``python -m bench``: one subprocess per size of ``BENCH_METRICS_SIZES``
    (default ``5000,100000``), each on its own database ``smallbatch_bench_<size>``; writes
    ``bench/results/metrics-<size>-<stamp>.json`` and ``bench/results/latest-metrics.md``."""
    sizes = [int(s) for s in os.environ.get("BENCH_METRICS_SIZES", "5000,100000").split(",") if s]
    reports = []
    for size in sizes:
        env = {
            **os.environ,
            "DATABASE_URL": f"{server}/smallbatch_bench_{size}",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-" + "x" * 40),
            "TESTING": "1",
            "DJANGO_SETTINGS_MODULE": "network_app.settings",
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        }
        out = results / f"metrics-{size}-{stamp}.json"
        code = subprocess.call(
            [sys.executable, "-m", "bench.metrics", "--people", str(size), "--out", str(out)],
            cwd=ROOT,
            env=env,
        )
        if code != 0:
            print(f"dashboard benchmark for {size} people failed ({code})", file=sys.stderr)
            return code
        reports.append(json.loads(out.read_text()))
    table = render_table(reports)
    print(table)
    (results / "latest-metrics.md").write_text(table + "\n")
    return 0
