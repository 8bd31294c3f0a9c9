"""Forms of the suggestion pages: filters, refresh, convene, dismiss, outcome, answers."""

from __future__ import annotations

from django import forms

from causes.forms import CauseChoiceField
from causes.models import Cause, GroupMember, GroupSuggestion, WeavingSuggestion
from causes.selectors import cause_choices


class GroupFilterForm(forms.Form):
    cause = CauseChoiceField(queryset=Cause.objects.none(), required=False, empty_label="Any")
    neighbourhood = forms.CharField(max_length=80, required=False)
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Suggested and convened"), *GroupSuggestion.Status.choices],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["cause"].queryset = cause_choices()  # type: ignore[attr-defined]


class WeavingFilterForm(forms.Form):
    cause = CauseChoiceField(queryset=Cause.objects.none(), required=False, empty_label="Any")
    neighbourhood = forms.CharField(max_length=80, required=False)
    kind = forms.ChoiceField(
        required=False, choices=[("", "Both kinds"), *WeavingSuggestion.Kind.choices]
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["cause"].queryset = cause_choices()  # type: ignore[attr-defined]


class RefreshForm(forms.Form):
    cause = CauseChoiceField(
        queryset=Cause.objects.none(), required=False, empty_label="Every cause"
    )
    neighbourhood = forms.CharField(max_length=80, required=False)
    weaving = forms.BooleanField(required=False, label="Also weaving suggestions")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["cause"].queryset = cause_choices()  # type: ignore[attr-defined]


class ConveneForm(forms.Form):
    message = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional: a note to the members, e.g. a first meeting idea.",
    )


class DismissForm(forms.Form):
    reason = forms.CharField(
        max_length=300, help_text="Why this group would not work (it will not be proposed again)."
    )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(choices=[c for c in GroupSuggestion.Outcome.choices if c[0]])
    note = forms.CharField(max_length=500, required=False)


class RespondForm(forms.Form):
    response = forms.ChoiceField(
        choices=[
            (GroupMember.Response.ACCEPTED, "I'm in"),
            (GroupMember.Response.OPTED_OUT, "Not for me"),
        ]
    )


class WeavingDismissForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False)
