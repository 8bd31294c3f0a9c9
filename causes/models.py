"""Causes (a two-level taxonomy) and people's interests in them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from people.models import Person


class Cause(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(max_length=2000, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="Leave empty for a top-level cause. The taxonomy has two levels.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=F("id")),
                name="cause_not_own_parent",
                violation_error_message="A cause cannot be its own parent.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("causes:detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        # Two levels only. A check constraint cannot look at the parent's parent, so this
        # rule is also enforced by causes.services.cause_save for non-form writers.
        if self.parent_id is None:
            return
        if self.parent_id == self.pk:
            raise ValidationError({"parent": "A cause cannot be its own parent."})
        parent = self.parent
        if parent is not None and parent.parent_id is not None:
            raise ValidationError(
                {"parent": "Choose a top-level cause: the taxonomy has two levels."}
            )
        if self.pk and self.children.exists():
            raise ValidationError(
                {"parent": "This cause has sub-causes, so it must stay at the top level."}
            )


class Interest(models.Model):
    """A person's interest in a cause: passion 1..5, what they can offer, what they need."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="interests")
    cause = models.ForeignKey(Cause, on_delete=models.CASCADE, related_name="interests")
    passion = models.PositiveSmallIntegerField(default=3)
    offers = models.CharField(max_length=300, blank=True, verbose_name="what I can offer")
    needs = models.CharField(max_length=300, blank=True, verbose_name="what I need")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-passion", "cause__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "cause"],
                name="interest_unique_person_cause",
                violation_error_message="This person already has an interest in this cause.",
            ),
            models.CheckConstraint(
                condition=Q(passion__gte=1, passion__lte=5),
                name="interest_passion_range",
                violation_error_message="Passion must be between 1 and 5.",
            ),
        ]
        indexes = [models.Index(fields=["cause", "-passion"], name="interest_cause_passion")]

    def __str__(self) -> str:
        return f"{self.person} - {self.cause} ({self.passion}/5)"
