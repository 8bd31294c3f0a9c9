"""Smallbatch settings: one module, read from the environment.

Every variable is listed in `.env.example` and in the README. The embedded defaults (no
environment at all) give SQLite under `var/` and Celery in eager mode, which is what
`make run` and `make test` use. With `DATABASE_URL` and `REDIS_URL` set, the same code runs
on PostgreSQL with a real Celery worker.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# True under the test runner (pytest) or when TESTING=1.
TESTING = env_bool("TESTING") or "pytest" in sys.modules

# Without DEBUG a real key is required; the development key only exists when DEBUG is on
# (make run) or under the test runner, so a production deploy cannot silently use it.
_DEV_SECRET_KEY = "dev-only-insecure-key-not-for-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG or TESTING else "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for local development).")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if not DEBUG else "*")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_htmx",
    "network_app",
    "people",
    "causes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "network_app.urls"
WSGI_APPLICATION = "network_app.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "network_app.context_processors.viewer",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
else:
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "smallbatch.sqlite3"),
            "OPTIONS": {"timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set (shared across processes), local memory otherwise.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "smallbatch",
            # A Redis that silently drops connections must not hang requests or /healthz.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "people:directory"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and not TESTING
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Email: console by default; SMTP when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Smallbatch <noreply@smallbatch.localhost>")

# Security. Production values (DEBUG off) pass `manage.py check --deploy`.
# HTTPS-only defaults unless DEBUG (make run) or the test runner (plain-HTTP test servers).
_HTTPS_DEFAULT = not DEBUG and not TESTING
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _HTTPS_DEFAULT)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", _HTTPS_DEFAULT)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", _HTTPS_DEFAULT)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Celery: JSON only, time limits, late acks (tasks are idempotent), Redis when configured.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL or env_bool("CELERY_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, float] = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "network_app.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Smallbatch API",
    "DESCRIPTION": "Relationship networks for local social change.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Domain settings.
# Name of the Django group whose members are organizers (network weavers).
ORGANIZER_GROUP = "Organizers"
# Page size of the directory and cause pages.
DIRECTORY_PAGE_SIZE = env_int("DIRECTORY_PAGE_SIZE", 24)
# Path ranking (PRODUCT.md): p = PATH_STRENGTH_COEFFICIENT x strength; unrated sides count as
# PATH_UNRATED_STRENGTH.
PATH_STRENGTH_COEFFICIENT = env_float("PATH_STRENGTH_COEFFICIENT", 0.18)
PATH_UNRATED_STRENGTH = env_int("PATH_UNRATED_STRENGTH", 2)
# Whether /healthz reports 503 when no Celery worker answers (only meaningful with REDIS_URL).
HEALTHZ_REQUIRE_WORKER = env_bool("HEALTHZ_REQUIRE_WORKER", bool(REDIS_URL))

# --- Organizer dashboard (issue 6) ---------------------------------------------------------
# Per-person metrics are kept for this many most recent snapshots (snapshot totals forever).
DASHBOARD_KEEP_PERSON_METRICS = env_int("DASHBOARD_KEEP_PERSON_METRICS", 30)
# Hard time limit of the metrics job in seconds (100,000 people take several minutes).
DASHBOARD_METRICS_TIME_LIMIT = env_int("DASHBOARD_METRICS_TIME_LIMIT", 1800)
# Hour (in TIME_ZONE) of the nightly metrics snapshot run by Celery beat.
DASHBOARD_NIGHTLY_HOUR = env_int("DASHBOARD_NIGHTLY_HOUR", 3)
from celery.schedules import crontab  # noqa: E402 - kept inside this block on purpose

CELERY_BEAT_SCHEDULE["network_app.metrics_snapshot_nightly"] = {
    "task": "network_app.metrics_snapshot_nightly",
    "schedule": crontab(hour=DASHBOARD_NIGHTLY_HOUR, minute=17),
}

# Resident path graph: replay at most this many change-log rows, else rebuild from scratch.
PATH_GRAPH_MAX_REPLAY = env_int("PATH_GRAPH_MAX_REPLAY", 5000)
# A missing change-log id older than this is taken as a rolled-back transaction.
PATH_GRAPH_GAP_SECONDS = env_int("PATH_GRAPH_GAP_SECONDS", 30)
# An identical search (same requester, source, target, k, max_hops) within this many seconds
# reuses the earlier result unless the graph changed since.
PATH_SEARCH_REUSE_SECONDS = env_int("PATH_SEARCH_REUSE_SECONDS", 120)
# Change-log rows older than this many days are pruned nightly (resident graphs then rebuild
# once, so none misses a pruned row).
PATH_GRAPH_LOG_KEEP_DAYS = env_int("PATH_GRAPH_LOG_KEEP_DAYS", 7)
CELERY_BEAT_SCHEDULE["people.graph_log_prune"] = {
    "task": "people.graph_log_prune",
    "schedule": 24 * 3600,
    "kwargs": {"days": PATH_GRAPH_LOG_KEEP_DAYS},
}

# --- Introductions (issue 4) ---------------------------------------------------------------
# Days a holder has to answer an introduction request before it expires.
INTRODUCTION_EXPIRY_DAYS = env_int("INTRODUCTION_EXPIRY_DAYS", 14)
# Days before expiry at which the person who must act gets a reminder.
INTRODUCTION_REMINDER_DAYS = env_int("INTRODUCTION_REMINDER_DAYS", 3)
# Open requests a member may have at once.
INTRODUCTION_MAX_OPEN = env_int("INTRODUCTION_MAX_OPEN", 5)
# Longest message of an introduction request, in characters.
INTRODUCTION_MESSAGE_MAX = env_int("INTRODUCTION_MESSAGE_MAX", 600)
# Organizer view: open requests untouched for this many days are "stale".
INTRODUCTION_STALE_DAYS = env_int("INTRODUCTION_STALE_DAYS", 7)
# How often the beat task expires due introductions and sends reminders (seconds).
INTRODUCTION_SWEEP_SECONDS = env_int("INTRODUCTION_SWEEP_SECONDS", 900)
CELERY_BEAT_SCHEDULE["people.introductions_expire_due"] = {
    "task": "people.introductions_expire_due",
    "schedule": float(INTRODUCTION_SWEEP_SECONDS),
}

# --- Small-batch groups and weaving suggestions (issue 5) ----------------------------------
# Group sizes, the least passion for a cause to count, and search limits.
GROUP_MIN_SIZE = env_int("GROUP_MIN_SIZE", 3)
GROUP_MAX_SIZE = env_int("GROUP_MAX_SIZE", 6)
GROUP_MIN_PASSION = env_int("GROUP_MIN_PASSION", 3)
# Suggested groups one person may appear in at once (convened groups count too).
GROUP_MAX_PER_PERSON = env_int("GROUP_MAX_PER_PERSON", 2)
# Members of one group who may share one organization.
GROUP_MAX_PER_ORGANIZATION = env_int("GROUP_MAX_PER_ORGANIZATION", 2)
# Groups proposed per cause (and neighbourhood) in one run.
GROUPS_PER_CAUSE = env_int("GROUPS_PER_CAUSE", 10)
# Weights of the group score's parts (network_app/graph/groups.py).
GROUP_SCORE_WEIGHTS = {
    "passion": env_float("GROUP_WEIGHT_PASSION", 1.0),
    "diversity": env_float("GROUP_WEIGHT_DIVERSITY", 1.0),
    "locality": env_float("GROUP_WEIGHT_LOCALITY", 1.0),
    "cohesion": env_float("GROUP_WEIGHT_COHESION", 1.5),
    "novelty": env_float("GROUP_WEIGHT_NOVELTY", 1.0),
    "reach": env_float("GROUP_WEIGHT_REACH", 1.0),
    "complementarity": env_float("GROUP_WEIGHT_COMPLEMENTARITY", 1.0),
}
# Weaving suggestions kept per run, and per person.
WEAVING_MAX_SUGGESTIONS = env_int("WEAVING_MAX_SUGGESTIONS", 500)
WEAVING_MAX_PER_PERSON = env_int("WEAVING_MAX_PER_PERSON", 3)
# Weights of the weaving score's parts (network_app/graph/weaving.py).
WEAVING_SCORE_WEIGHTS = {
    "passion": env_float("WEAVING_WEIGHT_PASSION", 1.0),
    "locality": env_float("WEAVING_WEIGHT_LOCALITY", 1.0),
    "broker": env_float("WEAVING_WEIGHT_BROKER", 1.0),
    "bridging": env_float("WEAVING_WEIGHT_BRIDGING", 1.0),
}
# Seed of the group search (a fixed seed gives the same suggestions for the same network).
SUGGESTIONS_SEED = env_int("SUGGESTIONS_SEED", 7)
# Hard time limit of a suggestion run, in seconds (100,000 people take a few minutes).
SUGGESTIONS_TIME_LIMIT = env_int("SUGGESTIONS_TIME_LIMIT", 1800)
# Hour (in TIME_ZONE) of the nightly refresh of every cause's groups and weaving suggestions.
SUGGESTIONS_NIGHTLY_HOUR = env_int("SUGGESTIONS_NIGHTLY_HOUR", 4)
from celery.schedules import crontab as _suggestions_crontab  # noqa: E402 - this block only

CELERY_BEAT_SCHEDULE["causes.refresh_suggestions_nightly"] = {
    "task": "causes.refresh_suggestions_nightly",
    "schedule": _suggestions_crontab(hour=SUGGESTIONS_NIGHTLY_HOUR, minute=7),
}

# --- Import and export (issue 8) -----------------------------------------------------------
# Largest file an organizer may upload for import, in bytes.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 50 * 1024 * 1024)
# Most rows one file may hold (all kinds together).
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000)
# Ties and people written by one import above which resident path graphs rebuild from scratch
# instead of replaying one change-log row per tie.
IMPORT_GRAPH_REBUILD_THRESHOLD = env_int("IMPORT_GRAPH_REBUILD_THRESHOLD", 500)
# Days an uploaded import file is kept after its job ends (or while nobody confirms it);
# network_app.retention_purge then empties it (daily, Celery beat).
IMPORT_FILE_KEEP_DAYS = env_int("IMPORT_FILE_KEEP_DAYS", 30)
# Days an invitation (it holds an email address) is kept after it was used, revoked or expired.
INVITATION_KEEP_DAYS = env_int("INVITATION_KEEP_DAYS", 30)
CELERY_BEAT_SCHEDULE["network_app.retention_purge"] = {
    "task": "network_app.retention_purge",
    "schedule": 24 * 3600,
}

# --- REST API for partner tools (issue 7) --------------------------------------------------
# API keys (Authorization: Bearer <key>) after the session; scopes checked on every view;
# throttles counted in the Django cache (Redis when REDIS_URL is set: shared by all processes).
INSTALLED_APPS.append("drf_spectacular_sidecar")  # Swagger UI served from our static files
MIDDLEWARE.append("network_app.apikeys.middleware.ApiGuardMiddleware")
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [
    "network_app.apikeys.auth.SessionUnlessKeyAuthentication",
    "network_app.apikeys.auth.ApiKeyAuthentication",
]
REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] = [
    "rest_framework.permissions.IsAuthenticated",
    "network_app.apikeys.auth.HasRequiredScope",
]
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = [
    "network_app.apikeys.auth.ApiKeyThrottle",
    "network_app.apikeys.auth.ApiUserThrottle",
    "network_app.apikeys.auth.ExpensiveThrottle",
]
REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "network_app.api_schema.ScopedAutoSchema"
# Requests allowed per key, per user (all their keys and their session together), and for the
# expensive actions (path searches, suggestion runs) per key or user: "<n>/<s|min|hour|day>".
API_THROTTLE_RATES = {
    "key": env_str("API_THROTTLE_KEY", "600/min"),
    "user": env_str("API_THROTTLE_USER", "1200/min"),
    "expensive": env_str("API_THROTTLE_EXPENSIVE", "30/min"),
}
# Hours an Idempotency-Key is remembered (the same key and user get the same response).
API_IDEMPOTENCY_TTL_HOURS = env_int("API_IDEMPOTENCY_TTL_HOURS", 24)
# Sync feeds (cursor pagination over updated_at) leave out rows changed in the last N seconds,
# so a transaction that commits late cannot slip behind a cursor that already passed it.
API_SYNC_SETTLE_SECONDS = env_float("API_SYNC_SETTLE_SECONDS", 2.0)
# Webhooks: attempts per delivery, backoff base (attempt n waits base x 2^(n-1) seconds),
# consecutive failed attempts after which a webhook is disabled, and the request timeout.
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 6)
WEBHOOK_RETRY_BASE_SECONDS = env_float("WEBHOOK_RETRY_BASE_SECONDS", 30.0)
WEBHOOK_MAX_CONSECUTIVE_FAILURES = env_int("WEBHOOK_MAX_CONSECUTIVE_FAILURES", 15)
WEBHOOK_TIMEOUT_SECONDS = env_float("WEBHOOK_TIMEOUT_SECONDS", 5.0)
# Allow webhook URLs on private, loopback and link-local addresses (tests and local trials only).
WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("WEBHOOK_ALLOW_PRIVATE_URLS", False)
SPECTACULAR_SETTINGS.update(
    {
        "SWAGGER_UI_DIST": "SIDECAR",
        "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
        "REDOC_DIST": "SIDECAR",
        "COMPONENT_SPLIT_REQUEST": True,
        "SCHEMA_PATH_PREFIX": r"/api/v1",
        "ENUM_NAME_OVERRIDES": {
            "TieKindEnum": "people.models.TieKind",
            "OrganizationKindEnum": "people.models.OrganizationKind",
            "TieSideStatusEnum": "people.models.SideStatus",
            "WebhookDeliveryStatusEnum": "network_app.models.WebhookDelivery.Status",
        },
        "DESCRIPTION": (BASE_DIR / "network_app" / "api_description.md").read_text(),
    }
)

# --- Trust: accounts (issue 9) -------------------------------------------------------------
# Passwords: Argon2id first; the others only verify (and upgrade on login) older hashes.
# The test runner keeps fast MD5; a test proves the production list stores argon2.
PRODUCTION_PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"] if TESTING else PRODUCTION_PASSWORD_HASHERS
)
# Login lockout (django-axes): AxesStandaloneBackend first, failures counted per username and
# IP address together (an attacker locks a name out only from the attacker's own address).
# Wrong two-factor codes count as failed logins too.
INSTALLED_APPS += ["axes", "django_otp", "django_otp.plugins.otp_totp"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django_otp.middleware.OTPMiddleware") + 1,
    "people.accounts.middleware.AdminSecondFactorMiddleware",
)
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
# Failed logins (per username and address) before the lockout, and its length in minutes.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
# Reverse proxies in front of the app that append to X-Forwarded-For (0: use the socket
# address; X-Forwarded-For is then ignored, so a client cannot forge its address).
LOGIN_TRUSTED_PROXIES = env_int("LOGIN_TRUSTED_PROXIES", 0)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = LOGIN_LOCKOUT_MINUTES / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # no log of successful logins (personal data we do not need)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = not TESTING
if LOGIN_TRUSTED_PROXIES:
    AXES_IPWARE_PROXY_COUNT = LOGIN_TRUSTED_PROXIES
    AXES_IPWARE_PROXY_ORDER = "right-most"
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
# Two-factor (TOTP, django-otp): issuer shown in authenticator apps; seconds a half-done
# login (password right, code not yet entered) stays open.
OTP_TOTP_ISSUER = "Smallbatch"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # admins never see another user's TOTP key or QR code
LOGIN_CODE_STEP_SECONDS = 300
# Invitation links for new members: days they stay valid.
INVITATION_TTL_DAYS = env_int("INVITATION_TTL_DAYS", 7)

# --- Trust: headers (issue 9) --------------------------------------------------------------
# Content-Security-Policy (django-csp 4) on every response: scripts and styles only from our
# own static files (no inline code, no eval), images also as data: URIs (Pico's and Swagger
# UI's SVG icons), fetches only to this site, never framed, no plugins. The templates hold no
# inline script, event handler or style attribute (tests/security/headers/ checks every page).
from csp.constants import NONE, SELF  # noqa: E402 - kept inside this block on purpose

INSTALLED_APPS.append("csp")
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}
# Set explicitly (these are also Django's defaults) so the policy is visible in one place.
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Trust: faults (issue 9) ---------------------------------------------------------------
# Outages of PostgreSQL or Redis answer 503 with a plain message (pages) or the API error
# shape, never a 500 (network_app/outages.py); the cache degrades instead of failing, so API
# throttles fail open while Redis is down. Clients are asked to retry after this many seconds.
OUTAGE_RETRY_AFTER_SECONDS = env_int("OUTAGE_RETRY_AFTER_SECONDS", 30)
MIDDLEWARE.append("network_app.outages.OutageMiddleware")
if REDIS_URL:
    CACHES["default"]["BACKEND"] = "network_app.outages.ResilientRedisCache"
# Seconds a task message may stay unacknowledged before Redis hands it to another worker (its
# worker was killed). Longer than any task's time limit; short only in the fault tests.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # Look for such messages every min(10 s, timeout) (kombu's default is every 100 s).
    "unacked_restore_interval": max(1, min(10, CELERY_VISIBILITY_TIMEOUT)),
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 2,
    # Sending a task while Redis is down fails at once (one retry, no back-off) instead of
    # after kombu's default 6 s of retries: the request answers without stalling, and the
    # job's row waits for the sweepers (network_app/queue.py). The worker's own reconnection
    # follows broker_connection_retry, not these.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2}
# A path search claimed longer ago than this was lost with its worker and is claimed again
# (the search task's time limit is a little shorter).
PATH_SEARCH_STALE_SECONDS = env_int("PATH_SEARCH_STALE_SECONDS", 60)
# Sweepers (Celery beat, every SWEEP_INTERVAL_SECONDS): path searches still pending and
# webhook deliveries overdue by SWEEP_REQUEUE_AFTER_SECONDS are enqueued again (the queue was
# down, or a message was lost); both jobs are claimed once, so an extra message does nothing.
SWEEP_INTERVAL_SECONDS = env_float("SWEEP_INTERVAL_SECONDS", 30.0)
SWEEP_REQUEUE_AFTER_SECONDS = env_float("SWEEP_REQUEUE_AFTER_SECONDS", 60.0)
CELERY_BEAT_SCHEDULE["people.path_searches_requeue"] = {
    "task": "people.path_searches_requeue",
    "schedule": SWEEP_INTERVAL_SECONDS,
}
CELERY_BEAT_SCHEDULE["network_app.webhook_deliveries_requeue"] = {
    "task": "network_app.webhook_deliveries_requeue",
    "schedule": SWEEP_INTERVAL_SECONDS,
}
# ... and so are notification emails, import jobs, suggestion runs and metrics snapshots.
CELERY_BEAT_SCHEDULE["network_app.jobs_requeue"] = {
    "task": "network_app.jobs_requeue",
    "schedule": SWEEP_INTERVAL_SECONDS,
}
# Seconds to connect to a webhook receiver (WEBHOOK_TIMEOUT_SECONDS then bounds each read).
WEBHOOK_CONNECT_TIMEOUT_SECONDS = env_float("WEBHOOK_CONNECT_TIMEOUT_SECONDS", 3.0)

# --- Trust: load (issue 9) -----------------------------------------------------------------
# Seconds the directory, map and export filter options (neighbourhoods, organizations) are kept
# per visibility class; a person hiding clears them at once (0: read on every request).
FILTER_OPTIONS_CACHE_SECONDS = env_int("FILTER_OPTIONS_CACHE_SECONDS", 60)
# Seconds an organizer's map JSON is kept; a change to a person, a tie or the metrics makes a
# new one at once, so this only bounds memory (0: computed on every request).
MAP_CACHE_SECONDS = env_int("MAP_CACHE_SECONDS", 300)
# Seconds a list's total row count of at least 10,000 is kept (directory, API lists); any
# change to the data behind the page cache counts afresh, and the rows themselves are always
# read afresh (0: counted on every request).
LARGE_COUNT_CACHE_SECONDS = env_int("LARGE_COUNT_CACHE_SECONDS", 60)
# Seconds a directory page, a profile or an API list of people or ties is kept per viewer
# (network_app/page_cache.py). Database triggers give every change to the data behind them a
# new version, so an entry is never served after a change: this only bounds memory. Admins'
# reads are never cached (0: off).
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300)
REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"] = (
    "network_app.pagination.CachedCountPageNumberPagination"
)

# --- Trust: fuzzing (issue 9) ------------------------------------------------------------------
# A NUL character in any page's query string is refused with 400 before a view passes it to
# PostgreSQL (the API has its own JSON 400 in ApiGuardMiddleware).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.common.CommonMiddleware") + 1,
    "network_app.input_guards.NulQueryStringMiddleware",
)
# Failed logins are recorded under the username cut to the longest a user can have (a posted
# name of any length or with NUL must not break the lockout's table).
AXES_USERNAME_CALLABLE = "network_app.input_guards.login_attempt_username"
