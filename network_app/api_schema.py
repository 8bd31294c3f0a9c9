"""OpenAPI generation (drf-spectacular): every operation documents the scope an API key needs
(in its description and as ``x-required-scope``) and the error responses it may give, all in
the one error shape."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from network_app.apikeys import SCOPES
from network_app.apikeys.auth import _MISSING


class ApiError(serializers.Serializer):
    """Every error: a stable code, a message, and field errors (empty when not about fields)."""

    code = serializers.CharField(help_text="Stable, e.g. invalid, not_found, insufficient_scope.")
    message = serializers.CharField()
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField())
    )


ERROR_EXAMPLES = {
    "400": (
        "invalid",
        "Some fields are not valid.",
        {"strength": ["Ensure this value is less than or equal to 5."]},
    ),
    "401": ("invalid_api_key", "This API key is not valid: unknown, expired or revoked.", {}),
    "403": ("insufficient_scope", "This API key lacks the scope 'ties:write'.", {}),
    "404": ("not_found", "Not found.", {}),
    "409": ("conflict", "This external id belongs to a record you cannot change.", {}),
    "410": ("gone", "The uploaded file was removed 30 days after its import.", {}),
    "429": ("throttled", "Request was throttled. Expected available in 12 seconds.", {}),
}
ERROR_DESCRIPTIONS = {
    "400": "Invalid input: field errors in `errors`; an API key in the URL (`key_in_url`).",
    "401": "An API key was sent and it is unknown, expired or revoked.",
    "403": "Not logged in, not allowed for the caller, or the key lacks the scope.",
    "404": "Not found, not visible to the caller, or a page past the end of a list.",
    "409": "Conflict (an external id held by a record the caller cannot change, or an "
    "Idempotency-Key still in use).",
    "410": "Gone: kept no longer than needed (see the message).",
    "429": "Throttled: wait the number of seconds in the Retry-After header.",
}


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "network_app.apikeys.auth.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key: `Authorization: Bearer sb_...` (or `Api-Key sb_...`). "
            "Keys in the URL are refused with 400.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "network_app.apikeys.auth.SessionUnlessKeyAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "The site's session (browser), with the CSRF token on writes.",
        }


class ScopedAutoSchema(AutoSchema):
    def _scope(self) -> Any:
        declared = getattr(self.view, "required_scopes", None)
        if declared is None:
            return _MISSING
        if isinstance(declared, str):
            return declared
        method = self.method.lower()
        action = getattr(self.view, "action", None) or method
        for name in (f"{action}.{method}", action):
            if name in declared:
                return declared[name]
        return declared.get("*", _MISSING)

    def _scope_text(self) -> str:
        scope = self._scope()
        if scope is _MISSING:
            return "**API keys:** not available (session only)."
        if scope is None:
            return "**API keys:** any valid key."
        return f"**Required scope** for API keys: `{scope}` ({SCOPES.get(scope, '')})"

    def get_description(self) -> str:  # type: ignore[override]
        text = super().get_description() or ""
        return f"{text}\n\n{self._scope_text()}".strip()

    def get_extensions(self) -> dict[str, Any]:
        extensions = dict(super().get_extensions() or {})
        scope = self._scope()
        extensions["x-required-scope"] = None if scope is _MISSING else scope
        return extensions

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        # Any request may meet 400 (an API key in the URL), 401, 403 and 429.
        codes = ["400", "401", "403", "429"]
        # A detail path may not exist; a list may be asked for a page past its end.
        if "{" in self.path or self.method == "GET" or "409" in responses:
            codes.append("404")
        for optional in ("409", "410"):
            if optional in responses:
                codes.append(optional)
        for code in codes:
            existing = responses.get(code)
            if existing is not None and existing.get("content"):
                continue
            body = self._get_response_for_code(ApiError, code, direction=direction)
            body["description"] = (existing or {}).get("description") or ERROR_DESCRIPTIONS[code]
            error_code, message, errors = ERROR_EXAMPLES[code]
            for media in body.get("content", {}).values():
                media["examples"] = {
                    error_code: {
                        "value": {"code": error_code, "message": message, "errors": errors}
                    }
                }
            responses[code] = body
        return responses


__all__ = ["ApiError", "ApiKeyScheme", "OpenApiExample", "ScopedAutoSchema", "SessionScheme"]
