"""Forms of the member pages. They validate input; the writes go through people.services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from people.models import Person, SideStatus, TieKind, Visibility

SKILLS_MAX = 30
SKILL_MAX_LENGTH = 60

STRENGTH_CHOICES = [
    (1, "1 - we have met"),
    (2, "2 - acquaintance"),
    (3, "3 - we work together now and then"),
    (4, "4 - I would call them for help"),
    (5, "5 - close: they would pick up at midnight"),
]
STRENGTH_OR_UNRATED_CHOICES = [("", "Not rated"), *STRENGTH_CHOICES]

VISIBILITY_HELP: dict[str, str] = {
    Visibility.LISTED: "Listed for members: other members find you in the directory and on "
    "cause pages.",
    Visibility.ORGANIZERS: "Organizers only: only organizers (network weavers) see your profile; "
    "members do not find you.",
    Visibility.HIDDEN: "Hidden: nobody but you sees your profile, and you never appear in "
    "suggestions or introduction paths. Organizers cannot override this.",
}

ALLOW_CHOICES = [
    ("", "Not answered: follow my general setting"),
    ("yes", "Yes, this tie may be used for introductions"),
    ("no", "No, never use this tie for introductions"),
]


def _allow_to_python(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def allow_to_choice(value: bool | None) -> str:
    """The form value of a side's 'allows introductions' flag."""
    return {True: "yes", False: "no"}.get(value, "") if value is not None else ""


class SkillsField(forms.CharField):
    """Skills typed as a comma-separated list, stored as a list of strings."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 1000)
        kwargs.setdefault("help_text", "Separate skills with commas, e.g. grant writing, Spanish.")
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return value

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value) or ""
        skills: list[str] = []
        for raw in text.split(","):
            skill = raw.strip()
            if skill and skill.lower() not in (s.lower() for s in skills):
                skills.append(skill)
        if len(skills) > SKILLS_MAX:
            raise forms.ValidationError(f"List at most {SKILLS_MAX} skills.")
        too_long = [s for s in skills if len(s) > SKILL_MAX_LENGTH]
        if too_long:
            raise forms.ValidationError(
                f"Keep each skill under {SKILL_MAX_LENGTH} characters ({too_long[0][:20]}...)."
            )
        return skills


PROFILE_FIELDS = [
    "display_name",
    "pronouns",
    "headline",
    "bio",
    "city",
    "neighbourhood",
    "sector",
    "skills",
    "email",
    "phone",
]


class ProfileForm(forms.ModelForm):
    """The public profile fields plus the private email and phone."""

    skills = SkillsField()

    class Meta:
        model = Person
        fields = PROFILE_FIELDS
        labels = {
            "display_name": "Name",
            "sector": "Background sector",
            "email": "Email (private)",
            "phone": "Phone (private)",
        }
        help_texts = {
            "headline": "One line about what you do, e.g. 'Tenant organizer in Old Mill'.",
            "email": "Only you and the admins see this.",
            "phone": "Only you and the admins see this.",
        }
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}


class PrivacyForm(forms.ModelForm):
    """Who may see me and how I may be approached."""

    do_not_introduce = forms.ModelMultipleChoiceField(
        queryset=Person.objects.none(),
        required=False,
        label="Do not introduce me to",
        help_text="These people are never offered a path to you, and you are never "
        "suggested to them.",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    monthly_intro_capacity = forms.IntegerField(
        min_value=0,
        max_value=100,
        label="Introductions I can broker per month",
        help_text="0 means: please do not ask me to introduce people.",
    )

    class Meta:
        model = Person
        fields = [
            "visibility",
            "open_to_introductions",
            "open_to_groups",
            "do_not_contact",
            "do_not_introduce",
            "monthly_intro_capacity",
            "email_notifications",
        ]
        labels = {
            "visibility": "Who can see my profile",
            "open_to_introductions": "Open to introductions",
            "open_to_groups": "Open to being suggested for small-batch groups",
            "do_not_contact": "Do not contact me",
            "email_notifications": "Email me about introductions and suggestions",
        }
        help_texts = {
            "open_to_introductions": "Others may ask to be introduced to you, and you may be "
            "asked to introduce people you know.",
            "open_to_groups": "Organizers may suggest you for a group of 3 to 6 people who "
            "share a cause.",
            "do_not_contact": "Organizers and partner tools must not contact you at all.",
        }
        widgets = {"visibility": forms.RadioSelect}

    def __init__(self, *args: Any, choices: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["do_not_introduce"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = choices
        visibility = self.fields["visibility"]
        assert isinstance(visibility, forms.ChoiceField)
        visibility.choices = [(value, VISIBILITY_HELP[value]) for value, _ in Visibility.choices]


class TieRecordForm(forms.Form):
    """'I know this person': my side of a new (or existing) tie."""

    strength = forms.TypedChoiceField(
        choices=STRENGTH_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        label="How well do you know them?",
    )
    kind = forms.ChoiceField(choices=TieKind.choices, label="How do you know them?")
    context = forms.CharField(
        max_length=240,
        required=False,
        label="Context",
        help_text="e.g. 'We sat on the food co-op board together'.",
    )
    since = forms.DateField(
        required=False,
        label="Since",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Roughly when you met (optional).",
    )
    allows_introductions = forms.BooleanField(
        required=False,
        initial=True,
        label="Allow this tie to be used for introductions",
    )
    visible_to_members = forms.BooleanField(
        required=False,
        initial=True,
        label="Other members may see that we know each other",
    )

    def clean_since(self) -> dt.date | None:
        since: dt.date | None = self.cleaned_data.get("since")
        if since is not None and since > timezone.localdate():
            raise forms.ValidationError("This date is in the future.")
        if since is not None and since.year < 1900:
            raise forms.ValidationError("Enter a date after 1900.")
        return since


class TieSideForm(forms.Form):
    """My side of a tie: rating, confirmation and consent."""

    strength = forms.TypedChoiceField(
        choices=STRENGTH_OR_UNRATED_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        label="My rating",
    )
    status = forms.ChoiceField(
        choices=[
            (SideStatus.CONFIRMED, "Confirmed: we know each other"),
            (SideStatus.DISPUTED, "Disputed: I do not know this person"),
            (SideStatus.UNANSWERED, "Not answered"),
        ],
        label="Is this right?",
    )
    allows_introductions = forms.TypedChoiceField(
        choices=ALLOW_CHOICES,
        coerce=_allow_to_python,
        empty_value=None,
        required=False,
        label="Use for introductions",
    )
    visible_to_members = forms.BooleanField(required=False, label="Other members may see this tie")


class PersonSearchForm(forms.Form):
    q = forms.CharField(max_length=100, required=False, label="Find someone you know")
