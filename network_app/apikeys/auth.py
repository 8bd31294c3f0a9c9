"""DRF plumbing for API keys: the authentication class, the scope permission and the
throttles (fixed windows counted in the Django cache, so shared across processes with Redis).

Declaring scopes: every API view sets ``required_scopes``, a dict from the viewset action (or the
lower-case HTTP method for plain views; ``"<action>.<method>"`` for an action answering several
methods) to the scope a key needs, with ``"*"`` as the fallback.
A value of ``None`` lets any valid key through (``me``, the schema). A view that declares
nothing refuses every key: forgetting a declaration fails closed.
"""

from __future__ import annotations

import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework import exceptions
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from network_app.apikeys.services import api_key_authenticate
from network_app.models import ApiKey
from people.audit import mark_api_request

AUTH_KEYWORDS = ("bearer", "api-key")
_MISSING = object()


class InvalidApiKey(exceptions.APIException):
    """401: a key was presented and it is unknown, expired or revoked."""

    status_code = 401
    default_detail = "This API key is not valid: unknown, expired or revoked."
    default_code = "invalid_api_key"


class InsufficientScope(exceptions.PermissionDenied):
    default_code = "insufficient_scope"


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Bearer sb_...`` (or ``Api-Key sb_...``): the request acts as the key's
    issuer; ``request.auth`` is the :class:`ApiKey`."""

    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in AUTH_KEYWORDS:
            return None
        if len(header) != 2:
            raise InvalidApiKey("Send the key as 'Authorization: Bearer <key>'.")
        key = api_key_authenticate(header[1].decode(errors="replace"))
        if key is None:
            raise InvalidApiKey()
        mark_api_request(key.user, key)  # audit events name the key (people.audit)
        return key.user, key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


def _presents_key(request: Request) -> bool:
    header = get_authorization_header(request).split()
    return bool(header) and header[0].decode(errors="replace").lower() in AUTH_KEYWORDS


class SessionUnlessKeyAuthentication(SessionAuthentication):
    """The browser session, except when the request presents an API key: then the key alone
    decides (a partner tool sharing a browser's cookies must not gain the session's rights)."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        if _presents_key(request):
            return None
        result = super().authenticate(request)
        if result is not None:
            mark_api_request(result[0])  # audit events of this request: channel "api"
        return result


def required_scope(view: Any, request: Request) -> Any:
    """The scope ``view`` declares for this request: a scope name, None (any key), or the
    _MISSING marker (nothing declared: keys are refused)."""
    declared = getattr(view, "required_scopes", None)
    if declared is None:
        return _MISSING
    if isinstance(declared, str):
        return declared
    method = (request.method or "").lower()
    action = getattr(view, "action", None) or method
    for name in (f"{action}.{method}", action):  # "external.get" before "external"
        if name in declared:
            return declared[name]
    return declared.get("*", _MISSING)


class HasRequiredScope(BasePermission):
    """Session users pass (their rights are checked by the services); a key needs the scope
    its view declares for the action."""

    def has_permission(self, request: Request, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return True
        scope = required_scope(view, request)
        if scope is None:
            return True
        if scope is _MISSING:
            raise InsufficientScope("API keys cannot use this endpoint.")
        if not key.has_scope(scope):
            raise InsufficientScope(f"This API key lacks the scope '{scope}'.")
        return True


# ---------------------------------------------------------------------------------------------
# Throttles


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """'60/min' -> (60, 60). None or '' -> None (no limit)."""
    if not rate:
        return None
    count, period = rate.split("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[0].lower()]
    return int(count), seconds


class _WindowThrottle(BaseThrottle):
    """A fixed-window counter: ``incr`` is atomic in Redis, so every process shares it."""

    scope = ""

    def ident(self, request: Request, view: Any) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: Request, view: Any) -> bool:
        self.wait_seconds: float | None = None
        rate = parse_rate(settings.API_THROTTLE_RATES.get(self.scope))
        ident = self.ident(request, view)
        if rate is None or ident is None:
            return True
        limit, period = rate
        now = time.time()
        window = int(now // period)
        key = f"throttle:{self.scope}:{ident}:{window}"
        cache.add(key, 0, timeout=period + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=period + 1)
            count = 1
        if count > limit:
            self.wait_seconds = (window + 1) * period - now
            return False
        return True

    def wait(self) -> float | None:
        return math.ceil(self.wait_seconds) if self.wait_seconds is not None else None


def _user_ident(request: Request) -> str | None:
    user: Any = request.user
    if not getattr(user, "is_authenticated", False):
        return None
    # date_joined keeps a reused primary key (tests, restored backups) from inheriting counts.
    return f"{user.pk}.{user.date_joined.timestamp():.6f}"


class ApiKeyThrottle(_WindowThrottle):
    """Requests per key (``API_THROTTLE_KEY``)."""

    scope = "key"

    def ident(self, request: Request, view: Any) -> str | None:
        return request.auth.prefix if isinstance(request.auth, ApiKey) else None


class ApiUserThrottle(_WindowThrottle):
    """Requests per user, all their keys and their session together (``API_THROTTLE_USER``)."""

    scope = "user"

    def ident(self, request: Request, view: Any) -> str | None:
        return _user_ident(request)


class ExpensiveThrottle(_WindowThrottle):
    """The stricter limit on expensive actions (path searches, suggestion runs), per key or per
    session user (``API_THROTTLE_EXPENSIVE``). Views list them in ``expensive_actions``."""

    scope = "expensive"

    def ident(self, request: Request, view: Any) -> str | None:
        if getattr(view, "action", None) not in getattr(view, "expensive_actions", ()):
            return None
        if isinstance(request.auth, ApiKey):
            return f"key.{request.auth.prefix}"
        ident = _user_ident(request)
        return f"user.{ident}" if ident else None
