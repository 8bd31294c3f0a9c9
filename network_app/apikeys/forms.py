"""The form an organizer fills in to create a key."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from network_app.apikeys import SCOPE_CHOICES


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="The partner tool this key is for, e.g. 'Event check-in'."
    )
    scopes = forms.MultipleChoiceField(
        choices=SCOPE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="Give only what the tool needs; the key can never do more than you can.",
    )
    expires_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional: the key stops working at the start of this day (UTC).",
    )

    def clean_expires_on(self) -> dt.date | None:
        value: dt.date | None = self.cleaned_data.get("expires_on")
        if value is not None and value <= timezone.now().date():
            raise forms.ValidationError("Choose a day after today.")
        return value

    def expires_at(self) -> dt.datetime | None:
        value = self.cleaned_data.get("expires_on")
        if value is None:
            return None
        return dt.datetime.combine(value, dt.time.min, tzinfo=dt.UTC)
