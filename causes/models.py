"""Causes (a two-level taxonomy) and people's interests in them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from people.models import Person

RESERVED_CAUSE_SLUGS = ["groups", "weaving", "runs"]


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
            # These words are pages under /causes/ (groups, weaving, suggestion runs).
            models.CheckConstraint(
                condition=~Q(slug__in=RESERVED_CAUSE_SLUGS),
                name="cause_slug_not_reserved",
                violation_error_message="This slug is taken by a page: choose another one.",
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


# ---------------------------------------------------------------------------------------------
# Small-batch group suggestions and weaving suggestions (issue 5)


class SuggestionRun(models.Model):
    """One computation of group and/or weaving suggestions, kept for comparison.

    A run is claimed by its task with a conditional update from ``pending`` (or a stale
    ``running``), so a redelivered message does nothing twice. ``graph_version`` is the
    change-log position the run's graph reflected (``people.paths.graph_version``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        ORGANIZER = "organizer", "An organizer asked"
        SCHEDULE = "schedule", "Nightly schedule"
        API = "api", "API"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cause = models.ForeignKey(
        Cause,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="suggestion_runs",
        help_text="Empty: every top-level cause.",
    )
    neighbourhood = models.CharField(max_length=80, blank=True)
    city = models.CharField(max_length=80, blank=True)
    include_groups = models.BooleanField(default=True)
    include_weaving = models.BooleanField(default=False)
    trigger = models.CharField(max_length=12, choices=Trigger.choices, default=Trigger.ORGANIZER)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=120, blank=True)
    seed = models.PositiveIntegerField(default=0)
    parameters = models.JSONField(default=dict, blank=True)
    graph_version = models.BigIntegerField(null=True, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    compute_ms = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="suggestion_run_progress_range"
            ),
            models.CheckConstraint(
                condition=Q(include_groups=True) | Q(include_weaving=True),
                name="suggestion_run_computes_something",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-finished_at"], name="suggestion_run_done"),
        ]

    def __str__(self) -> str:
        scope = self.cause.name if self.cause_id and self.cause else "all causes"
        return f"Run {self.pk} ({scope}, {self.status})"

    def get_absolute_url(self) -> str:
        return reverse("causes:run_detail", kwargs={"public_id": self.public_id})

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class GroupSuggestion(models.Model):
    """A suggested small-batch group: members, score with its parts, and why.

    ``explanation`` is plain language naming members and the facts behind the score, written
    when computed; who may read it is decided by ``causes.suggestions`` (members of the group
    and organizers who may see every member), and a group with a member who has since hidden or
    opted out is no longer shown.
    """

    class Status(models.TextChoices):
        SUGGESTED = "suggested", "Suggested"
        CONVENED = "convened", "Convened"
        DISMISSED = "dismissed", "Dismissed"

    class Outcome(models.TextChoices):
        NONE = "", "Not recorded"
        MET = "met", "Met"
        PROJECT = "project", "Started a project"
        FIZZLED = "fizzled", "Fizzled"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    run = models.ForeignKey(SuggestionRun, on_delete=models.CASCADE, related_name="groups")
    cause = models.ForeignKey(Cause, on_delete=models.CASCADE, related_name="group_suggestions")
    neighbourhood = models.CharField(
        max_length=80, blank=True, help_text="Where most members are, when most share one."
    )
    city = models.CharField(max_length=80, blank=True)
    rank = models.PositiveIntegerField(default=0)
    score = models.FloatField()
    parts = models.JSONField(default=dict)
    explanation = models.JSONField(default=list, help_text="Plain-language sentences.")
    member_key = models.CharField(max_length=200, help_text="Sorted person ids, for comparison.")
    is_current = models.BooleanField(
        default=True, help_text="Not replaced by a newer run of the same cause and scope."
    )
    members: models.ManyToManyField[Person, GroupMember] = models.ManyToManyField(
        Person, through="GroupMember", related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUGGESTED)
    convened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    convened_at = models.DateTimeField(null=True, blank=True)
    convene_message = models.TextField(max_length=2000, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismiss_reason = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True, default="")
    outcome_note = models.CharField(max_length=500, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rank", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "cause", "member_key"], name="group_suggestion_once_per_run"
            ),
            models.CheckConstraint(
                condition=~Q(status="dismissed") | ~Q(dismiss_reason=""),
                name="group_suggestion_dismissed_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["cause", "status"], name="group_suggestion_cause"),
            models.Index(fields=["cause", "is_current"], name="group_suggestion_current"),
            models.Index(fields=["run", "rank"], name="group_suggestion_run_rank"),
        ]

    def __str__(self) -> str:
        return f"Group {self.pk} for {self.cause} ({self.score:.2f})"

    def get_absolute_url(self) -> str:
        return reverse("causes:group_detail", kwargs={"public_id": self.public_id})

    @property
    def percent(self) -> int:
        return round(self.score * 100)


class GroupMember(models.Model):
    """A person in a suggested group: what they bring (``role``) and their answer."""

    class Response(models.TextChoices):
        SUGGESTED = "suggested", "Suggested"
        INVITED = "invited", "Invited"
        ACCEPTED = "accepted", "Accepted"
        OPTED_OUT = "opted_out", "Not for me"

    group = models.ForeignKey(GroupSuggestion, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="group_memberships")
    role = models.CharField(max_length=200, blank=True, help_text="What they bring to the group.")
    passion = models.PositiveSmallIntegerField(default=3)
    response = models.CharField(max_length=10, choices=Response.choices, default=Response.SUGGESTED)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["group", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "person"], name="group_member_once"),
        ]
        indexes = [models.Index(fields=["person", "response"], name="group_member_person")]

    def __str__(self) -> str:
        return f"{self.person} in group {self.group_id} ({self.response})"


class SuggestionExclusion(models.Model):
    """A group that must never be proposed again: dismissed by an organizer, or a member said
    "not for me". A group is excluded when it contains ``person`` (when set) and at least
    ``overlap`` of ``member_ids`` (see ``network_app.graph.groups.Exclusion``)."""

    class Kind(models.TextChoices):
        DISMISSED = "dismissed", "Dismissed by an organizer"
        NOT_FOR_ME = "not_for_me", "A member said not for me"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    cause = models.ForeignKey(Cause, on_delete=models.CASCADE, related_name="+")
    member_ids = models.JSONField(default=list)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    overlap = models.PositiveSmallIntegerField(default=0)
    group = models.ForeignKey(
        GroupSuggestion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["cause"], name="suggestion_exclusion_cause")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.member_ids}"


class WeavingSuggestion(models.Model):
    """Two people who should meet, through a mutual contact when there is one.

    ``kind`` is ``triangle`` (not connected, a shared cause, a mutual contact) or
    ``periphery`` (``person`` has zero or one ties; ``other`` is well connected).
    """

    class Kind(models.TextChoices):
        TRIANGLE = "triangle", "Close a triangle"
        PERIPHERY = "periphery", "Bring in the periphery"

    class Status(models.TextChoices):
        SUGGESTED = "suggested", "Suggested"
        DISMISSED = "dismissed", "Dismissed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    run = models.ForeignKey(SuggestionRun, on_delete=models.CASCADE, related_name="weaving")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    broker = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    cause = models.ForeignKey(
        Cause, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rank = models.PositiveIntegerField(default=0)
    score = models.FloatField()
    parts = models.JSONField(default=dict)
    explanation = models.JSONField(default=list)
    mutual_contacts = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUGGESTED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rank", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(person=F("other")), name="weaving_suggestion_two_people"
            ),
            models.UniqueConstraint(
                fields=["run", "person", "other"], name="weaving_suggestion_once_per_run"
            ),
        ]
        indexes = [
            models.Index(fields=["run", "rank"], name="weaving_suggestion_run_rank"),
            models.Index(fields=["person"], name="weaving_suggestion_person"),
            models.Index(fields=["other"], name="weaving_suggestion_other"),
            models.Index(fields=["broker"], name="weaving_suggestion_broker"),
        ]

    def __str__(self) -> str:
        return f"{self.person} + {self.other} ({self.kind})"

    @property
    def percent(self) -> int:
        return round(self.score * 100)


class WeavingDismissal(models.Model):
    """A pair that must never be suggested again (stored low id first)."""

    person_low = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_high = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person_low", "person_high"], name="weaving_dismissal_once"
            ),
            models.CheckConstraint(
                condition=Q(person_low__lt=F("person_high")), name="weaving_dismissal_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_low_id} / {self.person_high_id}"
