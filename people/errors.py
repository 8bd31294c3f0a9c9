"""Domain errors raised by services and mapped to form errors, 400s and 403s."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the product refused the request. ``field`` names the input at fault."""

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The actor may not do this (maps to 403, or to 404 where existence must not leak)."""

    code = "not_allowed"


class TieError(DomainError):
    code = "invalid_tie"


def refuse_nul(**fields: object) -> None:
    """Refuse text holding NUL (``\\x00``), with the field at fault: PostgreSQL can store it
    neither in a column nor in JSON. Forms and the API refuse it first; services check too, as
    imports, commands and tasks call them directly."""
    for field, value in fields.items():
        values = value if isinstance(value, list | tuple) else [value]
        if any(isinstance(v, str) and "\x00" in v for v in values):
            raise DomainError("Remove the NUL character (\\x00): it cannot be stored.", field=field)
