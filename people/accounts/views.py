"""Account pages: the two-step login, invitations, two-factor settings.

Login: the password step is Django's LoginView (django-axes counts failures through the
authentication backend). A user with a confirmed TOTP device is not logged in by it: the
session only remembers who passed the password step, and the code step logs them in (a new
session key) once a valid code is entered. Wrong codes count as failed logins in django-axes.
"""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from people.accounts import services
from people.accounts.forms import (
    CodeForm,
    InvitationAcceptForm,
    InvitationCreateForm,
    PasswordConfirmForm,
)
from people.errors import DomainError
from people.models import Invitation

PENDING_LOGIN_KEY = "accounts_pending_login"


class SmallbatchLoginView(LoginView):
    """Password step; hands users with two-factor on to the code step."""

    template_name = "registration/login.html"

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if services.confirmed_device(user) is None:
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[PENDING_LOGIN_KEY] = {
            "user": user.pk,
            "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
            "at": time.time(),
            "next": self.get_success_url(),
        }
        return redirect("accounts:login_code")


def _pending_user(request: HttpRequest) -> tuple[Any, dict[str, Any]] | None:
    pending = request.session.get(PENDING_LOGIN_KEY)
    if not isinstance(pending, dict):
        return None
    if time.time() - float(pending.get("at", 0)) > settings.LOGIN_CODE_STEP_SECONDS:
        request.session.pop(PENDING_LOGIN_KEY, None)
        return None
    user_id = pending.get("user")
    if not isinstance(user_id, int):
        return None
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    return user, pending


@sensitive_post_parameters("code")
@never_cache
def login_code(request: HttpRequest) -> HttpResponseBase:
    """Second step: the code from the authenticator app.

    Serves two cases: a half-done login (password right, session not logged in yet), and a
    logged-in user whose session was not verified (the admin sends them here)."""
    found = _pending_user(request)
    logged_in_unverified = (
        found is None
        and request.user.is_authenticated
        and not request.user.is_verified()  # type: ignore[attr-defined]
        and services.confirmed_device(request.user) is not None
    )
    if found is None and not logged_in_unverified:
        messages.info(request, "Log in again, please: that login step has expired.")
        return redirect("login")
    user: Any = found[0] if found is not None else request.user
    next_url = str(found[1].get("next") or "") if found is not None else request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse(settings.LOGIN_REDIRECT_URL)
    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        return get_lockout_response(request, None, credentials)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            device = (
                TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            )
            code = form.cleaned_data["code"].strip().replace(" ", "")
            verified = device is not None and device.verify_token(code)
        if verified and device is not None:
            request.session.pop(PENDING_LOGIN_KEY, None)
            if found is not None:
                auth_login(request, user, backend=found[1].get("backend"))
            else:
                request.session.cycle_key()
            otp_login(request, device)
            return redirect(next_url)
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            return get_lockout_response(request, None, credentials)
        form.add_error("code", "That code is not right, or it was already used. Try the next one.")
    status = 400 if request.method == "POST" else 200
    return render(request, "people/accounts/login_code.html", {"form": form}, status=status)


# --- Invitations -----------------------------------------------------------------------------


def _require_inviter(request: HttpRequest) -> None:
    if not services.may_invite(request.user):
        raise PermissionDenied("Only organizers and admins can invite people.")


@login_required
def invitations(request: HttpRequest) -> HttpResponse:
    """List invitations and send a new one (organizers and admins)."""
    _require_inviter(request)
    form = InvitationCreateForm(
        request.POST or None,
        user=request.user,
        initial={"person": request.GET.get("person", "")[:36]},
    )
    linked = form.person_for(str(form["person"].value() or ""))
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = services.invitation_create(
                by=request.user,
                email=form.cleaned_data["email"],
                person=form.cleaned_data["person"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("accounts:invitations")
    return render(
        request,
        "people/accounts/invitations.html",
        {
            "form": form,
            "linked": linked,
            "invitations": services.invitation_list_for(user=request.user),
            "ttl_days": settings.INVITATION_TTL_DAYS,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, public_id: UUID) -> HttpResponse:
    _require_inviter(request)
    invitation = Invitation.objects.filter(public_id=public_id).first()
    if invitation is None:
        raise Http404
    try:
        services.invitation_revoke(by=request.user, invitation=invitation)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"The invitation for {invitation.email} is revoked.")
    return redirect("accounts:invitations")


@sensitive_post_parameters("password1", "password2")
@never_cache
def invite_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invitee's page: choose a username and a password; then they are logged in."""
    try:
        invitation = services.invitation_for_token(token)
    except services.InvitationUnusable as unusable:
        return render(
            request,
            "people/accounts/invitation_unusable.html",
            {"reason": unusable.reason},
            status=410 if unusable.reason != "unknown" else 404,
        )
    if request.user.is_authenticated:
        return render(request, "people/accounts/invitation_logged_in.html", status=409)
    needs_name = invitation.person is None
    form = InvitationAcceptForm(
        request.POST or None,
        needs_name=needs_name,
        instance=get_user_model()(email=invitation.email),
    )
    if request.method == "POST" and form.is_valid():
        try:
            user, _person = services.invitation_accept(
                token=token,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                display_name=form.cleaned_data.get("display_name", ""),
            )
        except services.InvitationUnusable as unusable:
            return render(
                request,
                "people/accounts/invitation_unusable.html",
                {"reason": unusable.reason},
                status=410,
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome to Smallbatch! This is your profile.")
            return redirect("people:me")
    return render(
        request,
        "people/accounts/invitation_accept.html",
        {"form": form, "invitation": invitation, "needs_name": needs_name},
        status=400 if request.method == "POST" else 200,
    )


# --- Two-factor settings ---------------------------------------------------------------------


def _require_two_factor_user(request: HttpRequest) -> None:
    if not services.may_use_two_factor(request.user):
        raise PermissionDenied("Two-factor login is for organizers and admins.")


@sensitive_post_parameters("code")
@login_required
@never_cache
def two_factor(request: HttpRequest) -> HttpResponse:
    """Enable two-factor: scan the QR code (or type the key), then confirm with one code."""
    _require_two_factor_user(request)
    device = services.confirmed_device(request.user)
    if device is not None:
        return render(
            request,
            "people/accounts/two_factor.html",
            {"enabled": True, "form": CodeForm()},
        )
    pending = services.pending_device(user=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.two_factor_enable(
            user=request.user, device=pending, code=form.cleaned_data["code"]
        ):
            otp_login(request, pending)
            messages.success(request, "Two-factor login is on. Keep your authenticator app.")
            return redirect("accounts:two_factor")
        form.add_error(
            "code", "That code is not right. Check the clock of your phone and try the next one."
        )
    return render(
        request,
        "people/accounts/two_factor.html",
        {
            "enabled": False,
            "form": form,
            "qr_svg": services.device_qr_svg(pending),
            "secret": services.device_secret(pending),
        },
        status=400 if request.method == "POST" else 200,
    )


@sensitive_post_parameters("code")
@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    _require_two_factor_user(request)
    form = CodeForm(request.POST)
    if form.is_valid() and services.two_factor_disable(
        user=request.user, code=form.cleaned_data["code"]
    ):
        messages.success(request, "Two-factor login is off.")
        return redirect("accounts:two_factor")
    form.add_error("code", "That code is not right, so two-factor login stays on.")
    return render(
        request,
        "people/accounts/two_factor.html",
        {"enabled": True, "form": form},
        status=400,
    )


# --- Other sessions --------------------------------------------------------------------------


@sensitive_post_parameters("password")
@login_required
@never_cache
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    """Log out of every other browser (e.g. a phone that was lost), staying in on this one."""
    credentials = {"username": request.user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        return get_lockout_response(request, None, credentials)
    form = PasswordConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.sessions_end_others(request=request, password=form.cleaned_data["password"]):
            messages.success(request, "You are logged out everywhere else.")
            return redirect("people:me")
        if getattr(request, "axes_locked_out", False):
            return get_lockout_response(request, None, credentials)
        form.add_error("password", "That is not your password.")
    return render(
        request,
        "people/accounts/sessions_end_others.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )
