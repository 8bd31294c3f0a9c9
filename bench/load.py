"""Load test (`make load`): gunicorn on PostgreSQL with the demo network, driven by wrk.

1. Builds the demo network on PostgreSQL (``seed_demo --people N --seed 7`` into
   ``LOAD_DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/smallbatch_load``), or
   reuses it when it already holds N people. The organizer login gets a password for this run
   and an API key with the read scopes (``people:read``, ``ties:read``).
2. Starts gunicorn on a free loopback port with production settings (``DEBUG=0``, Argon2,
   whitenoise's manifest storage after ``collectstatic``, the Django cache and throttles on
   Redis ``LOAD_REDIS_URL``, default db 9) except HTTPS: plain HTTP on 127.0.0.1, so
   ``SECURE_SSL_REDIRECT``, the secure cookie flags and HSTS are off. The API throttles are
   raised for this run only (``API_THROTTLE_KEY``/``_USER``): one key sends thousands of
   requests a second on purpose, and a 429 would count as an error.
3. Logs in through the login form (session cookie for the pages) and runs
   ``wrk --latency -c 32 -d 30s`` against each URL, after 5 s of the same load not counted
   (every gunicorn worker warm): the directory, a profile (a listed person with the median
   number of ties, and the one with the most), the map JSON of the dashboard, and the API
   lists of people and ties.
   ``bench/load/report.lua`` counts every response outside 200-299 (and every socket error or
   timeout) as an error and prints the numbers as JSON.
4. Writes ``bench/results/load-<date>.json`` (with wrk's own output and latency
   distribution per URL) and ``bench/results/latest-load.md``, and prints a Markdown table.
   Exits 1 when a URL misses the target (any error, or p99 of 500 ms or more).

Environment: ``LOAD_PEOPLE`` (100000), ``LOAD_DURATION`` (30, seconds per URL),
``LOAD_CONNECTIONS`` (32), ``LOAD_THREADS`` (2), ``LOAD_WORKERS`` (gunicorn workers, default
2 x cores + 1), ``LOAD_TIMEOUT`` (5, seconds after which wrk counts a request as timed out),
``LOAD_WARMUP`` (5, seconds of the same load per URL before the measured run, not counted),
``LOAD_ONLY`` (comma-separated URL names to run only those). The server gets the rest of the
environment too: ``PAGE_CACHE_SECONDS=0 make load`` measures every page built afresh (the
page cache off), as a change to the data makes the next request of each page do.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LUA_SCRIPT = ROOT / "bench" / "load" / "report.lua"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/smallbatch_load"
DEFAULT_REDIS = "redis://127.0.0.1:6379/9"
LOAD_PASSWORD = "load-run-organizer-password"  # noqa: S105 - the load database only
READ_SCOPES = ["people:read", "ties:read"]
# The run's own throttle rates: far above what wrk can send from one key in 30 s.
THROTTLE_RATE = "10000000/min"
REPORT_MARK = "LOAD-REPORT "


@dataclass
class Target:
    name: str
    path: str
    auth: str  # "session" or "key"
    note: str = ""


def server_env(database_url: str, redis_url: str) -> dict[str, str]:
    """Production settings except HTTPS (plain HTTP on loopback) and the API throttles."""
    env = {k: v for k, v in os.environ.items() if k not in {"TESTING", "DEBUG", "CELERY_EAGER"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "network_app.settings",
            "DEBUG": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or "load-run-only-" + "k" * 50,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "STATIC_ROOT": str(ROOT / "var" / "load-static"),
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "SECURE_HSTS_SECONDS": "0",
            "SECURE_HSTS_PRELOAD": "0",
            "HEALTHZ_REQUIRE_WORKER": "0",
            "API_THROTTLE_KEY": THROTTLE_RATE,
            "API_THROTTLE_USER": THROTTLE_RATE,
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_size_marker(database_url: str) -> str | None:
    """The size this database was seeded for (kept in the database's comment)."""
    import psycopg2  # type: ignore[import-untyped]

    server, name = database_url.rsplit("/", 1)
    conn = psycopg2.connect(f"{server}/postgres")
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                [name],
            )
            row = cur.fetchone()
            return row[0] if row else None
    finally:
        conn.close()


def set_size_marker(database_url: str, marker: str) -> None:
    import psycopg2
    from psycopg2 import sql

    server, name = database_url.rsplit("/", 1)
    conn = psycopg2.connect(f"{server}/postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                    sql.Identifier(name), sql.Literal(marker)
                )
            )
    finally:
        conn.close()


def prepare(people: int, database_url: str) -> dict[str, Any]:
    """Seed (or reuse) the network; give the organizer a password and a read key.

    Runs in a process with the server's settings (Argon2: the password must verify there)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count, Q

    from network_app.apikeys.services import api_key_create
    from network_app.models import ApiKey
    from people.models import Person, Tie, Visibility

    marker = f"seed_demo --people {people} --seed 7"
    call_command("migrate", verbosity=0)
    if database_size_marker(database_url) != marker or not Person.objects.exists():
        if Person.objects.exists():
            call_command("flush", interactive=False, verbosity=0)
        started = time.perf_counter()
        call_command("seed_demo", people=people, seed=7, verbosity=0)
        print(f"seeded {people} people in {time.perf_counter() - started:.0f} s", flush=True)
        with django.db.connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # visibility map: index-only counts
        set_size_marker(database_url, marker)
    else:
        print(f"reusing the {people}-person network in {database_url}", flush=True)

    from django.contrib.auth import get_user_model

    organizer = get_user_model().objects.get(username="organizer")
    organizer.set_password(LOAD_PASSWORD)
    organizer.save(update_fields=["password"])
    ApiKey.objects.filter(user=organizer, name="load test").delete()
    _, token = api_key_create(by=organizer, name="load test", scopes=READ_SCOPES)

    # The profile under load: the listed person with the most ties (the heaviest profile page).
    degree: Counter[int] = Counter()
    for side in ("person_a_id", "person_b_id"):
        for pk, n in Tie.objects.values_list(side).annotate(n=Count("pk")).order_by():
            degree[pk] += n
    listed = set(Person.objects.filter(visibility=Visibility.LISTED).values_list("pk", flat=True))
    by_degree = sorted(listed, key=lambda pk: (degree[pk], pk))
    busiest_pk = by_degree[-1]
    typical_pk = by_degree[len(by_degree) // 2]  # the median number of ties
    public_id, name = Person.objects.values_list("public_id", "display_name").get(pk=busiest_pk)
    typical_id = Person.objects.values_list("public_id", flat=True).get(pk=typical_pk)
    hidden = Person.objects.filter(~Q(visibility=Visibility.LISTED)).count()
    return {
        "people": Person.objects.count(),
        "ties": Tie.objects.count(),
        "not_listed": hidden,
        "token": token,
        "profile": {"public_id": str(public_id), "name": name, "ties": degree[busiest_pk]},
        "typical_profile": {"public_id": str(typical_id), "ties": degree[typical_pk]},
    }


def collectstatic(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    log = open(RESULTS / "gunicorn.log.tmp", "wb")  # noqa: SIM115 - lives as long as gunicorn
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "network_app.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "120",
            "--graceful-timeout",
            "10",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                if r.status == 200:
                    return process
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit("gunicorn did not start: see bench/results/gunicorn.log.tmp")
        time.sleep(0.5)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def login(base: str, username: str, password: str) -> str:
    """Log in through the login form like a browser; return the session cookie's value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    opener.open(f"{base}/accounts/login/", timeout=30).read()
    csrf = next((c.value for c in jar if c.name == "csrftoken"), None)
    if csrf is None:
        raise SystemExit("the login page set no CSRF cookie")
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": csrf}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - base is our own http://127.0.0.1 URL
        f"{base}/accounts/login/", data=body, headers={"Referer": f"{base}/accounts/login/"}
    )
    try:
        opener.open(request, timeout=30).read()
    except urllib.error.HTTPError as error:
        if error.code != 302:
            raise SystemExit(f"login failed with HTTP {error.code}") from error
    session = next((c.value for c in jar if c.name == "sessionid"), None)
    if session is None:
        raise SystemExit("login failed: no session cookie (wrong password or a second factor?)")
    return session


def check(base: str, target: Target, headers: dict[str, str]) -> dict[str, Any]:
    """One request before the load: it must answer 200; returns its size and time."""
    request = urllib.request.Request(base + target.path, headers=headers)  # noqa: S310
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    seconds = time.perf_counter() - started
    if status != 200:
        raise SystemExit(f"{target.name} ({target.path}) answered {status}: {body[:300]!r}")
    return {"bytes": len(body), "first_request_ms": round(seconds * 1000, 1)}


def run_wrk(
    base: str,
    target: Target,
    headers: dict[str, str],
    *,
    duration: int,
    connections: int,
    threads: int,
    timeout: int,
) -> dict[str, Any]:
    command = [
        "wrk",
        "--latency",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{duration}s",
        "--timeout",
        f"{timeout}s",
        "-s",
        str(LUA_SCRIPT),
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(base + target.path)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next((ln for ln in output.splitlines() if ln.startswith(REPORT_MARK)), None)
    if line is None:
        raise SystemExit(f"wrk printed no report for {target.name}:\n{output}")
    report: dict[str, Any] = json.loads(line[len(REPORT_MARK) :])
    seconds = report["duration_us"] / 1e6
    return {
        "path": target.path,
        "auth": target.auth,
        "note": target.note,
        "requests": report["requests"],
        "requests_per_second": round(report["requests"] / seconds, 1),
        "p50_ms": round(report["p50_us"] / 1000, 1),
        "p90_ms": round(report["p90_us"] / 1000, 1),
        "p99_ms": round(report["p99_us"] / 1000, 1),
        "max_ms": round(report["max_us"] / 1000, 1),
        "errors": report["errors"],
        "non_2xx": report["non_2xx"],
        "socket_errors": report["socket_errors"],
        "wrk_output": output,
    }


def render_table(report: dict[str, Any]) -> str:
    net = report["network"]
    lines = [
        f"Load test: {net['people']:,} people / {net['ties']:,} ties, gunicorn "
        f"{report['gunicorn_workers']} workers, wrk {report['connections']} connections "
        f"x {report['duration_seconds']} s per URL, {report['cores']} cores "
        f"(load average before: {report['load_average_before']:.1f}), page cache "
        + (f"on ({report['page_cache_seconds']} s)" if report.get("page_cache_seconds") else "off")
        + ".",
        "",
        "| URL | what | requests/s | p50 | p99 | errors | target (0 errors, p99 < 500 ms) |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, r in report["results"].items():
        ok = r["errors"] == 0 and r["p99_ms"] < 500
        path = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "<id>", r["path"])
        lines.append(
            f"| {name} `{path}` | {r['note']} | {r['requests_per_second']:,.1f} "
            f"| {r['p50_ms']:,.0f} ms | {r['p99_ms']:,.0f} ms | {r['errors']} "
            f"| {'met' if ok else 'not met'} |"
        )
    return "\n".join(lines)


def wrk_or_exit() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(
            "wrk is not installed: install Debian's package (apt-get install wrk), "
            "or run `make load`, which installs it when it can."
        )
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--people", type=int, default=int(os.environ.get("LOAD_PEOPLE", 100000)))
    args = parser.parse_args()
    database_url = os.environ.get("LOAD_DATABASE_URL", DEFAULT_DATABASE)
    redis_url = os.environ.get("LOAD_REDIS_URL", DEFAULT_REDIS)
    if args.prepare:  # the child process: settings are the server's
        sys.path.insert(0, str(ROOT))
        info = prepare(args.people, database_url)
        print(REPORT_MARK + json.dumps(info), flush=True)
        return 0

    wrk_or_exit()
    duration = int(os.environ.get("LOAD_DURATION", 30))
    connections = int(os.environ.get("LOAD_CONNECTIONS", 32))
    threads = int(os.environ.get("LOAD_THREADS", 2))
    timeout = int(os.environ.get("LOAD_TIMEOUT", 5))
    warmup = int(os.environ.get("LOAD_WARMUP", 5))
    cores = os.cpu_count() or 1
    workers = int(os.environ.get("LOAD_WORKERS", 2 * cores + 1))
    only = {n for n in os.environ.get("LOAD_ONLY", "").split(",") if n}
    RESULTS.mkdir(parents=True, exist_ok=True)

    from bench.common import ensure_database

    ensure_database(database_url)
    env = server_env(database_url, redis_url)
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # this run's own db: no throttle counts left over
    prepared = subprocess.run(
        [sys.executable, "-m", "bench.load", "--prepare", "--people", str(args.people)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    sys.stdout.write(prepared.stderr[-3000:] if prepared.returncode else "")
    if prepared.returncode != 0:
        print(prepared.stdout[-3000:])
        return prepared.returncode
    line = next(ln for ln in prepared.stdout.splitlines() if ln.startswith(REPORT_MARK))
    for ln in prepared.stdout.splitlines():
        if not ln.startswith(REPORT_MARK):
            print(ln)
    info = json.loads(line[len(REPORT_MARK) :])
    profile = info["profile"]
    targets = [
        Target("directory", "/people/", "session", "first page, no filters"),
        Target(
            "profile",
            f"/people/{info['typical_profile']['public_id']}/",
            "session",
            f"a listed person with the median number of ties ({info['typical_profile']['ties']})",
        ),
        Target(
            "busiest profile",
            f"/people/{profile['public_id']}/",
            "session",
            f"the listed person with the most ties ({profile['ties']}, all on the page)",
        ),
        Target("map data", "/dashboard/map.json", "session", "whole network, default filters"),
        Target("API people", "/api/v1/people/", "key", "first page"),
        Target("API ties", "/api/v1/ties/", "key", "first page"),
    ]
    if only:
        targets = [t for t in targets if t.name in only]

    collectstatic(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    print(f"gunicorn: {workers} workers on {base}", flush=True)
    server = start_gunicorn(env, port, workers)
    try:
        session = login(base, "organizer", LOAD_PASSWORD)
        auth = {
            "session": {"Cookie": f"sessionid={session}"},
            "key": {"Authorization": f"Bearer {info['token']}"},
        }
        report: dict[str, Any] = {
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "network": {k: info[k] for k in ("people", "ties", "not_listed")},
            "viewer": "the demo organizer (sees listed and organizers-only people)",
            "cores": cores,
            "gunicorn_workers": workers,
            "connections": connections,
            "threads": threads,
            "duration_seconds": duration,
            "wrk_timeout_seconds": timeout,
            "warmup_seconds_per_url": warmup,
            "throttles": f"API_THROTTLE_KEY and API_THROTTLE_USER = {THROTTLE_RATE} for this run",
            "page_cache_seconds": int(env.get("PAGE_CACHE_SECONDS") or 300),
            "load_average_before": os.getloadavg()[0],
            "results": {},
        }
        for target in targets:
            # As a browser or an HTTP library sends it: compressed answers are welcome.
            headers = {**auth[target.auth], "Accept-Encoding": "gzip, deflate, br"}
            first = check(base, target, headers)
            # Warm-up, not measured: every gunicorn worker answers this URL a few times first
            # (its templates compiled, its connections open, the caches filled), as it has in a
            # server that has been up for a while.
            if warmup > 0:
                run_wrk(
                    base,
                    target,
                    headers,
                    duration=warmup,
                    connections=connections,
                    threads=threads,
                    timeout=timeout,
                )
            print(f"{target.name}: wrk -c {connections} -d {duration}s {target.path}", flush=True)
            result = run_wrk(
                base,
                target,
                headers,
                duration=duration,
                connections=connections,
                threads=threads,
                timeout=timeout,
            )
            result.update(first)
            report["results"][target.name] = result
            print(
                f"  {result['requests_per_second']} req/s, p50 {result['p50_ms']} ms, "
                f"p99 {result['p99_ms']} ms, errors {result['errors']}",
                flush=True,
            )
        report["load_average_after"] = os.getloadavg()[0]
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    out = RESULTS / f"load-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    table = render_table(report)
    (RESULTS / "latest-load.md").write_text(table + "\n")
    print()
    print(table)
    print(f"\nwritten: {out.relative_to(ROOT)}")
    failed = [name for name, r in report["results"].items() if r["errors"] or r["p99_ms"] >= 500]
    if failed:
        print(f"targets not met for: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
