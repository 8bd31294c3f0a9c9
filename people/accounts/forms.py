"""Forms of the account pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm

from people.accounts.services import invitable_people
from people.models import Person


class InvitationCreateForm(forms.Form):
    email = forms.EmailField(label="Email address of the person you invite", max_length=254)
    person = forms.ModelChoiceField(
        queryset=Person.objects.none(),
        required=False,
        label="Link to a person already recorded (optional)",
        help_text="Only people without a login are listed. Leave empty for someone new.",
        to_field_name="public_id",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = invitable_people(user=user).order_by("display_name")


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
