"""Health checks behind ``/healthz``: database, cache, broker and worker.

Each check returns a small dict (``ok``, ``ms`` and a short ``error`` or detail) and never
raises, so the endpoint can always answer. Error texts are redacted: a broker or cache URL
may carry a password, and ``/healthz`` is public.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import caches
from django.db import connection

Check = dict[str, Any]

# Short timeouts: a load balancer polls this endpoint and must not pile up waiting requests.
BROKER_TIMEOUT = 1.0
WORKER_TIMEOUT = 1.0
MAX_ERROR_LENGTH = 200


def check_database() -> Check:
    """``SELECT 1`` on the default database."""

    def probe() -> Check:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"vendor": connection.vendor}

    return _timed(probe)


def check_cache() -> Check:
    """Write and read back a short-lived key through Django's default cache."""

    def probe() -> Check:
        cache = caches["default"]
        key = f"healthz:{uuid.uuid4().hex}"
        cache.set(key, "ok", timeout=10)
        value = cache.get(key)
        cache.delete(key)
        if value != "ok":
            raise RuntimeError("the cache did not return the value just written")
        return {"backend": type(cache).__name__}

    return _timed(probe)


def _eager() -> bool:
    return bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False))


def _broker_connection() -> Any:
    from kombu import Connection

    return Connection(settings.CELERY_BROKER_URL, connect_timeout=BROKER_TIMEOUT)


def check_broker() -> Check:
    """Connect to the Celery broker (in eager mode tasks run in-process: nothing to check)."""
    if _eager():
        return {"ok": True, "mode": "eager"}

    def probe() -> Check:
        with _broker_connection() as conn:
            conn.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT
            )
        return {}

    return _timed(probe)


def check_worker() -> Check:
    """Ping the Celery workers and count the ones that answer within a second."""
    if _eager():
        return {"ok": True, "mode": "eager"}

    def probe() -> Check:
        from network_app.celery import app as celery_app

        with _broker_connection() as conn:
            conn.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT
            )
            replies = celery_app.control.ping(timeout=WORKER_TIMEOUT, connection=conn) or []
        workers = len(replies)
        if workers == 0:
            return {"ok": False, "workers": 0, "error": "no worker answered"}
        return {"workers": workers}

    return _timed(probe)


def run_checks() -> dict[str, Any]:
    """All checks and the overall status. Each check reports ``ok`` (a boolean) and
    ``status`` (``ok`` or ``down``), ``required`` and, when it ran, ``ms``.

    ``down`` (HTTP 503) when a required check fails: the database always; the cache and the
    broker when ``REDIS_URL`` is set; the worker when ``HEALTHZ_REQUIRE_WORKER`` is on.
    ``degraded`` when only an optional check fails.
    """
    redis = bool(getattr(settings, "REDIS_URL", ""))
    checks: list[tuple[str, Callable[[], Check], bool]] = [
        ("database", check_database, True),
        ("cache", check_cache, redis),
        ("broker", check_broker, redis),
        ("worker", check_worker, bool(getattr(settings, "HEALTHZ_REQUIRE_WORKER", False))),
    ]
    results: dict[str, Check] = {}
    status = "ok"
    for name, check, required in checks:
        if name == "worker" and not _eager() and not results["broker"]["ok"]:
            # Pinging workers through a broker that is down would only wait for timeouts.
            result: Check = {"ok": False, "error": "broker unreachable"}
        else:
            result = check()
        result["status"] = "ok" if result["ok"] else "down"
        result["required"] = required
        results[name] = result
        if not result["ok"]:
            status = "down" if required else ("degraded" if status == "ok" else status)
    return {"status": status, "checks": results}


def _timed(probe: Callable[[], Check]) -> Check:
    started = time.perf_counter()
    try:
        result = {"ok": True, **probe()}
    except Exception as exc:  # a health check reports failures, it never raises
        result = {"ok": False, "error": describe_error(exc)}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def describe_error(exc: BaseException) -> str:
    """A short, redacted description of an exception: no credentials from URLs."""
    text = f"{type(exc).__name__}: {exc}".strip()
    return redact(text)[:MAX_ERROR_LENGTH]


def redact(text: str) -> str:
    """Remove passwords: the user-info part of any URL, and the configured passwords."""
    text = re.sub(r"(\b[a-z][a-z0-9+.-]*://)[^/@\s]*@", r"\1***@", text, flags=re.IGNORECASE)
    for secret in _configured_secrets():
        text = text.replace(secret, "***")
    return text


def _configured_secrets() -> set[str]:
    urls = [
        getattr(settings, "REDIS_URL", ""),
        getattr(settings, "CELERY_BROKER_URL", ""),
        getattr(settings, "CELERY_RESULT_BACKEND", ""),
        getattr(settings, "DATABASE_URL", ""),
    ]
    for config in getattr(settings, "CACHES", {}).values():
        location = config.get("LOCATION", "")
        urls += location if isinstance(location, list | tuple) else [location]
    secrets = set()
    for url in urls:
        if isinstance(url, str) and "://" in url:
            try:
                password = urlsplit(url).password
            except ValueError:
                password = None
            if password:
                secrets.add(password)
    for database in settings.DATABASES.values():
        if database.get("PASSWORD"):
            secrets.add(str(database["PASSWORD"]))
    return {s for s in secrets if len(s) >= 3}
