"""Guards against input no view should have to handle (issue 9, fuzzing).

NUL in query strings: refused on every page before a view sees it.

PostgreSQL cannot store or compare text holding NUL (``\\x00``): a filter such as
``?neighbourhood=%00`` would reach the database and fail as a 500. Forms already refuse NUL
with a field error (Django's CharField does), and the API answers its own JSON 400
(``ApiGuardMiddleware``); this covers every other page's query string with a plain 400."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

API_PREFIX = "/api/"


def query_has_nul(request: HttpRequest) -> bool:
    return any(
        "\x00" in name or any("\x00" in v for v in values) for name, values in request.GET.lists()
    )


class NulQueryStringMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX) and query_has_nul(request):
            return HttpResponseBadRequest(
                "This address holds a NUL character (%00), which no page accepts: remove it "
                "and try again.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


def login_attempt_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username django-axes records for a failed login (``AXES_USERNAME_CALLABLE``).

    Django's login form checks the username's length only in the browser, so a posted name of
    100,000 characters reaches ``authenticate`` and axes' varchar(255) column (a 500 on
    PostgreSQL). No account has a longer name than the user model allows, nor a NUL, so the
    attempt is recorded under the name cut to that length."""
    source = credentials if credentials else getattr(request, "data", request.POST)
    value = source.get("username") if source is not None else None
    if value is None:
        return None
    field = get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD)
    limit = getattr(field, "max_length", None) or 150
    return str(value).replace("\x00", "")[:limit]
