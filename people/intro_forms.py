"""Forms of the introduction pages. They validate input; the writes go through
people.introductions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator

from people.forms import STRENGTH_CHOICES


class IntroductionRequestForm(forms.Form):
    message = forms.CharField(
        label="Why would you like to meet?",
        help_text="A short note for the people asked to introduce you; they see it before "
        "deciding.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = settings.INTRODUCTION_MESSAGE_MAX
        field = self.fields["message"]
        field.validators.append(MaxLengthValidator(limit))
        field.widget.attrs["maxlength"] = str(limit)
        field.help_text += f" At most {limit} characters."


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional, private)",
        help_text="Only you will see this. The person asking only learns that it was declined.",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


MET_CHOICES = [("yes", "Yes, we met"), ("no", "Not yet")]


class OutcomeForm(forms.Form):
    met = forms.ChoiceField(label="Did you meet?", choices=MET_CHOICES, widget=forms.RadioSelect)
    rating = forms.TypedChoiceField(
        label="How well do you know each other now?",
        choices=STRENGTH_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="A note for the person who introduced you (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("met") == "yes" and data.get("rating") is None:
            self.add_error("rating", "Rate how well you know each other now (1 to 5).")
        return data
