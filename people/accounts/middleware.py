"""The Django admin asks for the second factor from anyone who has a confirmed device.

The login pages already make such a user enter a code; this guard also covers a session that
was logged in some other way (e.g. before the device was confirmed)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from people.accounts.services import confirmed_device

ADMIN_PREFIX = "/admin/"
ADMIN_OPEN = ("/admin/login/", "/admin/logout/")


class AdminSecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        user = getattr(request, "user", None)
        if (
            path.startswith(ADMIN_PREFIX)
            and not path.startswith(ADMIN_OPEN)
            and user is not None
            and user.is_authenticated
            and not user.is_verified()
            and confirmed_device(user) is not None
        ):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('accounts:login_code')}?{query}")
        return self.get_response(request)
