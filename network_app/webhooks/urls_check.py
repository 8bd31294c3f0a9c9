"""Which webhook URLs are allowed: http(s) only, no credentials, and (unless
``settings.WEBHOOK_ALLOW_PRIVATE_URLS``) only hosts whose every address is public, so a webhook
cannot be aimed at Smallbatch's own network (server-side request forgery)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

from people.errors import DomainError


class UnsafeUrl(DomainError):
    code = "unsafe_url"


def webhook_url_check(url: str) -> None:
    """Raise :class:`UnsafeUrl` (field ``url``) unless Smallbatch may send to ``url``."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl("This is not a valid URL.", field="url") from exc
    if parts.scheme not in ("http", "https"):
        raise UnsafeUrl("Only http and https URLs are allowed.", field="url")
    if not parts.hostname:
        raise UnsafeUrl("The URL needs a host name.", field="url")
    if parts.username or parts.password:
        raise UnsafeUrl("Put no credentials in the URL: verify our signature instead.", field="url")
    if settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        return
    try:
        infos = socket.getaddrinfo(
            parts.hostname,
            port or (443 if parts.scheme == "https" else 80),
            proto=socket.IPPROTO_TCP,
        )
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeUrl("This host name does not resolve.", field="url") from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global or address.is_multicast:
            raise UnsafeUrl(
                "Private, loopback and link-local addresses are not allowed.", field="url"
            )
