"""Issuing, finding and revoking API keys."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from network_app.apikeys import SCOPES
from network_app.models import ApiKey
from people.errors import DomainError, NotAllowed, refuse_nul
from people.models import AuditEvent
from people.roles import viewer_for
from people.services import audit_record

TOKEN_PREFIX = "sb_"  # noqa: S105 - the visible start of every token, not a secret
# last_used_at is written at most this often per key (one UPDATE per request would contend).
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def hash_token(token: str) -> str:
    """SHA-256 (hex) of a token: what is stored and compared."""
    return hashlib.sha256(token.encode()).hexdigest()


def may_issue_keys(user: Any) -> bool:
    """Organizers (for their network) and admins may issue keys."""
    viewer = viewer_for(user)
    return viewer.is_authenticated and (viewer.is_organizer or viewer.is_staff)


@transaction.atomic
def api_key_create(
    *,
    by: Any,
    name: str,
    scopes: list[str],
    expires_at: dt.datetime | None = None,
    channel: str = AuditEvent.Channel.WEB,
) -> tuple[ApiKey, str]:
    """Issue a key acting as ``by``. Returns ``(key, token)``: the token is never stored and
    cannot be shown again."""
    if not may_issue_keys(by):
        raise NotAllowed("Only organizers and admins can create API keys.")
    name = (name or "").strip()
    refuse_nul(name=name)
    if not name:
        raise DomainError("Give the key a name (the partner tool it is for).", field="name")
    if len(name) > 100:
        raise DomainError("Keep the name under 100 characters.", field="name")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise DomainError(f"Unknown scopes: {', '.join(unknown)}.", field="scopes")
    if not scopes:
        raise DomainError("Choose at least one scope.", field="scopes")
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainError("The expiry must be in the future.", field="expires_at")
    prefix = secrets.token_hex(4)
    while ApiKey.objects.filter(prefix=prefix).exists():  # 1 in 4 billion, but cheap to check
        prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        name=name,
        user=by,
        prefix=prefix,
        hashed_token=hash_token(token),
        scopes=sorted(set(scopes), key=list(SCOPES).index),
        expires_at=expires_at,
    )
    audit_record(
        actor=by,
        action="api_key.create",
        obj=key,
        after={"name": key.name, "scopes": key.scopes, "prefix": key.prefix},
        channel=channel,
    )
    return key, token


def api_key_list_for(*, user: Any) -> Any:
    """The keys a user may manage: their own; admins see every key."""
    viewer = viewer_for(user)
    qs = ApiKey.objects.select_related("user", "revoked_by")
    if viewer.is_staff:
        return qs.order_by("-created_at", "-id")
    return qs.filter(user=user).order_by("-created_at", "-id")


def api_key_get_for(*, user: Any, public_id: Any) -> ApiKey | None:
    try:
        return api_key_list_for(user=user).filter(public_id=public_id).first()
    except (ValueError, TypeError):
        return None


@transaction.atomic
def api_key_revoke(*, by: Any, key: ApiKey, channel: str = AuditEvent.Channel.WEB) -> ApiKey:
    """Revoke a key at once (its webhooks stop with it). The issuer and admins may."""
    viewer = viewer_for(by)
    if not (viewer.is_staff or (viewer.is_authenticated and key.user_id == by.pk)):
        raise NotAllowed("Only the organizer who created this key, or an admin, can revoke it.")
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.revoked_by = by
        key.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=by,
            action="api_key.revoke",
            obj=key,
            after={"name": key.name, "prefix": key.prefix},
            channel=channel,
        )
    return key


def api_key_authenticate(token: str) -> ApiKey | None:
    """The active key for a presented token, or None. Compares hashes in constant time and
    notes the last use (at most once a minute per key)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    prefix = token[len(TOKEN_PREFIX) :].split("_", 1)[0]
    key = ApiKey.objects.select_related("user").filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.hashed_token, hash_token(token)):
        return None
    if not key.is_active or not key.user.is_active:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
        key.last_used_at = now
    return key
