"""A member's own data: download everything held about them (JSON or CSV), delete the account.

Mounted under ``/people/me/data/``. Only the logged-in member, about themself.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from network_app.exchange.personal import (
    account_delete,
    personal_data,
    personal_data_csv_zip,
    personal_data_json,
)

CONFIRM_WORD = "DELETE"


class DeleteAccountForm(forms.Form):
    confirm = forms.CharField(
        label=f"Type {CONFIRM_WORD} to confirm",
        max_length=20,
    )
    password = forms.CharField(label="Your password", widget=forms.PasswordInput)

    def __init__(self, *args: object, user: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.user = user
        if not user.has_usable_password():  # type: ignore[attr-defined]
            del self.fields["password"]

    def clean_confirm(self) -> str:
        value = self.cleaned_data["confirm"].strip()
        if value.upper() != CONFIRM_WORD:
            raise forms.ValidationError(f"Type {CONFIRM_WORD} to confirm.")
        return value

    def clean_password(self) -> str:
        value = self.cleaned_data["password"]
        if not self.user.check_password(value):  # type: ignore[attr-defined]
            raise forms.ValidationError("This is not your password.")
        return value


@login_required
@require_GET
def me_data(request: HttpRequest) -> HttpResponse:
    """What Smallbatch holds about you: counts, the downloads, and account deletion."""
    data = personal_data(user=request.user)
    counts = {
        "interests": len(data.get("interests", [])),
        "affiliations": len(data.get("affiliations", [])),
        "ties": len(data.get("ties", [])),
        "introductions": len(data.get("introductions", [])),
        "group suggestions": len(data.get("suggestions", {}).get("groups", [])),
        "weaving suggestions": len(data.get("suggestions", {}).get("weaving", [])),
        "notifications": len(data.get("notification_settings", {}).get("inbox", [])),
    }
    return render(
        request,
        "people/me_data.html",
        {"counts": counts, "has_profile": data.get("profile") is not None},
    )


@login_required
@require_GET
def me_data_export(request: HttpRequest, fmt: str) -> HttpResponse:
    stamp = timezone.now().strftime("%Y%m%d")
    if fmt == "json":
        content, content_type, name = (
            personal_data_json(user=request.user),
            "application/json",
            f"my-smallbatch-data-{stamp}.json",
        )
    elif fmt == "csv":
        content, content_type, name = (
            personal_data_csv_zip(user=request.user),
            "application/zip",
            f"my-smallbatch-data-{stamp}.zip",
        )
    else:
        raise Http404("Choose json or csv.")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def me_data_delete(request: HttpRequest) -> HttpResponse:
    """Confirm with the word and the password; then everything goes and the session ends."""
    # An empty POST is still a submission: it gets the form's errors, not a blank 400.
    form = DeleteAccountForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        account_delete(by=user)
        messages.success(request, "Your account and your data have been deleted. Goodbye.")
        return redirect("login")
    status = 400 if request.method == "POST" else 200
    return render(request, "people/me_data_delete.html", {"form": form}, status=status)
