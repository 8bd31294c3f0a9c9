"""Forms of the account pages."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm

from people.accounts.services import invitable_people
from people.models import Person


class InvitationCreateForm(forms.Form):
    """Whom to invite. ``person`` (a public id, hidden) links the invitation to a person
    already recorded; it comes from the "Invite to log in" link on that person's profile."""

    email = forms.EmailField(label="Email address of the person you invite", max_length=254)
    person = forms.CharField(required=False, max_length=36, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def person_for(self, value: str) -> Person | None:
        try:
            public_id = uuid.UUID(value)
        except ValueError:
            return None
        return invitable_people(user=self.user).filter(public_id=public_id).first()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        raw = data.get("person") or ""
        data["person"] = None
        if raw:
            person = self.person_for(raw)
            if person is None:
                raise forms.ValidationError(
                    "That person cannot be invited: they already have a login, or you cannot "
                    "see them."
                )
            data["person"] = person
        return data


class InvitationAcceptForm(UserCreationForm):
    """Choose a username and a password (Django's validators apply) and, for someone new,
    the name others will see."""

    display_name = forms.CharField(
        label="Your name as others will see it", max_length=120, required=False
    )

    def __init__(self, *args: Any, needs_name: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if needs_name:
            self.fields["display_name"].required = True
        else:
            del self.fields["display_name"]


class CodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code from your authenticator app",
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
