"""Organizer pages: create and revoke the API keys of partner tools. A new key is shown once
(kept in the session only until the page after the redirect shows it)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from network_app.apikeys import SCOPES
from network_app.apikeys.forms import ApiKeyCreateForm
from network_app.apikeys.services import (
    api_key_create,
    api_key_get_for,
    api_key_list_for,
    api_key_revoke,
    may_issue_keys,
)
from people.errors import DomainError

NEW_TOKEN_SESSION_KEY = "api_key_new_token"  # noqa: S105 - a session key name


def _require_issuer(request: HttpRequest) -> None:
    if not may_issue_keys(request.user):
        raise PermissionDenied("Only organizers and admins can manage API keys.")


@login_required
def api_keys(request: HttpRequest) -> HttpResponse:
    """List the caller's keys (admins: all keys) and create one."""
    _require_issuer(request)
    # An empty POST is still a submission: it gets the form's errors, not a blank 400.
    form = ApiKeyCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            key, token = api_key_create(
                by=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.expires_at(),
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            request.session[NEW_TOKEN_SESSION_KEY] = {"token": token, "name": key.name}
            return redirect("api_keys:list")
    new_key = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "network_app/api_keys.html",
        {
            "form": form,
            "keys": api_key_list_for(user=request.user),
            "new_key": new_key,
            "scopes": SCOPES,
        },
        status=status,
    )


@login_required
@require_POST
def api_key_revoke_view(request: HttpRequest, public_id: UUID) -> HttpResponse:
    _require_issuer(request)
    key = api_key_get_for(user=request.user, public_id=public_id)
    if key is None:
        raise Http404("No such key.")
    api_key_revoke(by=request.user, key=key)
    messages.success(request, f"The key '{key.name}' is revoked: it no longer works.")
    return redirect("api_keys:list")
