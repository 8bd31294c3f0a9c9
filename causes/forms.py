"""The 'my causes' formset: one form per interest, plus an empty one to add a cause."""

from __future__ import annotations

from typing import Any

from django import forms

from causes.models import Cause
from causes.selectors import cause_choices

PASSION_CHOICES = [
    (1, "1 - curious"),
    (2, "2 - interested"),
    (3, "3 - I care"),
    (4, "4 - I work on this"),
    (5, "5 - it is my life's work"),
]


class CauseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        cause: Cause = obj
        return f"{cause.parent.name} \u203a {cause.name}" if cause.parent else cause.name


class InterestForm(forms.Form):
    cause = CauseChoiceField(queryset=Cause.objects.none(), label="Cause")
    # The cause this row had when the page was shown, so a changed or removed row removes the
    # right interest even if another tab changed the list meanwhile.
    original_cause = forms.ModelChoiceField(
        queryset=Cause.objects.all(), required=False, widget=forms.HiddenInput
    )
    passion = forms.TypedChoiceField(
        choices=PASSION_CHOICES, coerce=int, initial=3, label="Passion"
    )
    offers = forms.CharField(max_length=300, required=False, label="What I can offer")
    needs = forms.CharField(max_length=300, required=False, label="What I need")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["cause"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = cause_choices()


class BaseInterestFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this cause"

    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[int] = set()
        for form in self.forms:
            if form.cleaned_data.get("DELETE"):
                continue
            cause = form.cleaned_data.get("cause")
            if cause is None:
                continue
            if cause.pk in seen:
                raise forms.ValidationError(f"You chose {cause.name} twice: keep one row.")
            seen.add(cause.pk)


InterestFormSet = forms.formset_factory(
    InterestForm,
    formset=BaseInterestFormSet,
    extra=1,
    can_delete=True,
    max_num=40,
    validate_max=True,
    absolute_max=60,
)
