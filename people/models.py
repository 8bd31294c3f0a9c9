"""People, organizations, affiliations and ties.

Row rules are database constraints (a tie is stored once per unordered pair with
``person_a_id < person_b_id``; strengths are 1..5), so the ORM, forms, the admin and the API
all meet the same rules. Visibility rules live in ``people.selectors``, never here.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class Sector(models.TextChoices):
    NONPROFIT = "nonprofit", "Nonprofit"
    COOPERATIVE = "cooperative", "Co-operative"
    COMMUNITY_DEVELOPMENT = "community_development", "Community development"
    ORGANIZING = "organizing", "Community organizing"
    BUSINESS = "business", "Small business"
    FOOD = "food", "Food and hospitality"
    GOVERNMENT = "government", "Government and planning"
    EDUCATION = "education", "Education and research"
    HEALTH = "health", "Health and care"
    HOUSING = "housing", "Housing"
    ARTS = "arts", "Arts and culture"
    FAITH = "faith", "Faith community"
    PHILANTHROPY = "philanthropy", "Philanthropy and funding"
    TECHNOLOGY = "technology", "Technology"
    LABOUR = "labour", "Labour and trades"
    RESIDENT = "resident", "Resident / neighbour"


class Visibility(models.TextChoices):
    LISTED = "listed", "Listed for members"
    ORGANIZERS = "organizers", "Organizers only"
    HIDDEN = "hidden", "Hidden"


class ReviewStatus(models.TextChoices):
    NEW = "new", "New, not reviewed"
    APPROVED = "approved", "Reviewed"
    NEEDS_ATTENTION = "needs_attention", "Needs attention"


class Person(models.Model):
    """A member profile. Not every person has a login: organizers may record people who
    have not signed up. Email and phone are private to the person and admins."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    display_name = models.CharField(max_length=120)
    pronouns = models.CharField(max_length=40, blank=True)
    headline = models.CharField(max_length=160, blank=True)
    bio = models.TextField(max_length=4000, blank=True)
    city = models.CharField(max_length=80, blank=True)
    neighbourhood = models.CharField(max_length=80, blank=True)
    sector = models.CharField(max_length=32, choices=Sector.choices, blank=True)
    skills = models.JSONField(default=list, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)

    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.ORGANIZERS
    )
    open_to_introductions = models.BooleanField(default=True)
    open_to_groups = models.BooleanField(
        default=True, verbose_name="open to being suggested for small-batch groups"
    )
    do_not_contact = models.BooleanField(default=False)
    do_not_introduce = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="blocked_by",
        verbose_name="do not introduce me to",
    )
    monthly_intro_capacity = models.PositiveSmallIntegerField(
        default=5, verbose_name="introductions I can broker per month"
    )
    email_notifications = models.BooleanField(default=True)
    consent_given_at = models.DateTimeField(null=True, blank=True)
    review_status = models.CharField(
        max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.NEW
    )

    external_source = models.CharField(max_length=60, blank=True)
    external_id = models.CharField(max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~Q(external_id=""),
                name="person_unique_external_id",
            ),
            models.CheckConstraint(
                condition=Q(monthly_intro_capacity__lte=100),
                name="person_intro_capacity_range",
            ),
        ]
        indexes = [
            models.Index(fields=["visibility", "display_name"], name="person_vis_name"),
            # The directory's and the API's order for organizers, who see two visibilities
            # (at 100,000 people: the first page without sorting every row; issue 9, load).
            models.Index(fields=["display_name", "id"], name="person_name_id"),
            models.Index(fields=["neighbourhood"], name="person_neighbourhood"),
            models.Index(fields=["city"], name="person_city"),
            models.Index(fields=["sector"], name="person_sector"),
            models.Index(fields=["updated_at", "id"], name="person_updated"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("people:profile", kwargs={"public_id": self.public_id})

    def clean(self) -> None:
        # Skills are a list of words. The admin edits them as JSON, where an emptied box is
        # null (a 500 on save) and any other JSON value would break the profile page.
        super().clean()
        if self.skills is None:
            self.skills = []
        if not isinstance(self.skills, list) or not all(isinstance(s, str) for s in self.skills):
            raise ValidationError(
                {"skills": 'Give skills as a list of words, e.g. ["grant writing", "Spanish"].'}
            )

    @property
    def initials(self) -> str:
        parts = [p for p in self.display_name.split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or "?"

    @property
    def is_hidden(self) -> bool:
        return self.visibility == Visibility.HIDDEN

    @property
    def locality(self) -> str:
        return ", ".join(p for p in (self.neighbourhood, self.city) if p)


class OrganizationKind(models.TextChoices):
    NONPROFIT = "nonprofit", "Nonprofit"
    COOPERATIVE = "cooperative", "Co-operative"
    CDC = "cdc", "Community development corporation"
    BUSINESS = "business", "Business"
    GOVERNMENT = "government", "Government"
    EDUCATION = "education", "School or university"
    FUNDER = "funder", "Funder"
    FAITH = "faith", "Faith group"
    INFORMAL = "informal", "Informal group"


class Organization(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=160)
    kind = models.CharField(max_length=20, choices=OrganizationKind.choices)
    city = models.CharField(max_length=80, blank=True)
    neighbourhood = models.CharField(max_length=80, blank=True)
    website = models.URLField(blank=True)
    description = models.TextField(max_length=4000, blank=True)
    external_source = models.CharField(max_length=60, blank=True)
    external_id = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~Q(external_id=""),
                name="organization_unique_external_id",
            ),
        ]
        indexes = [models.Index(fields=["name"], name="organization_name")]

    def __str__(self) -> str:
        return self.name


class Affiliation(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="affiliations")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="affiliations"
    )
    role = models.CharField(max_length=120, blank=True)
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(start__isnull=True) | Q(end__gte=F("start")),
                name="affiliation_end_after_start",
                violation_error_message="An affiliation cannot end before it starts.",
            ),
            models.UniqueConstraint(
                fields=["person", "organization", "role"],
                name="affiliation_unique_role",
                violation_error_message="This person already has this role in this organization.",
            ),
        ]

    def __str__(self) -> str:
        role = f" ({self.role})" if self.role else ""
        return f"{self.person} at {self.organization}{role}"

    @property
    def is_current(self) -> bool:
        return self.end is None


class TieKind(models.TextChoices):
    COLLEAGUE = "colleague", "Colleague"
    FRIEND = "friend", "Friend"
    NEIGHBOUR = "neighbour", "Neighbour"
    COLLABORATOR = "collaborator", "Collaborator"
    BOARD = "board", "Serve on a board together"
    MENTOR = "mentor", "Mentor / mentee"
    MET_AT_EVENT = "met_at_event", "Met at an event"
    INTRODUCED = "introduced", "Introduced by Smallbatch"


class Provenance(models.TextChoices):
    SELF_REPORTED = "self_reported", "Self-reported"
    ORGANIZER = "organizer", "Recorded by an organizer"
    IMPORT = "import", "Imported"
    PARTNER = "partner", "Partner tool"
    INTRODUCTION = "introduction", "Smallbatch introduction"


class SideStatus(models.TextChoices):
    UNANSWERED = "unanswered", "Not answered yet"
    CONFIRMED = "confirmed", "Confirmed"
    DISPUTED = "disputed", "Disputed"


class TieQuerySet(models.QuerySet["Tie"]):
    def involving(self, person: Person | int) -> TieQuerySet:
        pk = person if isinstance(person, int) else person.pk
        return self.filter(Q(person_a_id=pk) | Q(person_b_id=pk))

    def between(self, one: Person | int, other: Person | int) -> TieQuerySet:
        a = one if isinstance(one, int) else one.pk
        b = other if isinstance(other, int) else other.pk
        low, high = (a, b) if a < b else (b, a)
        return self.filter(person_a_id=low, person_b_id=high)


class Tie(models.Model):
    """Two people who know each other, stored once per unordered pair.

    Each person controls their own side: a strength rating (1..5, or unrated), a status
    (unanswered, confirmed, disputed), whether the tie may be used for introductions (``None``
    means "not answered": it then follows the person's general openness), and whether other
    members may see the tie.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="ties_as_a")
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="ties_as_b")
    kind = models.CharField(max_length=20, choices=TieKind.choices, default=TieKind.COLLEAGUE)
    context = models.CharField(max_length=240, blank=True)
    since = models.DateField(null=True, blank=True)
    last_interaction = models.DateField(null=True, blank=True)
    provenance = models.CharField(
        max_length=20, choices=Provenance.choices, default=Provenance.SELF_REPORTED
    )

    a_strength = models.PositiveSmallIntegerField(null=True, blank=True)
    a_status = models.CharField(
        max_length=12, choices=SideStatus.choices, default=SideStatus.UNANSWERED
    )
    a_allows_introductions = models.BooleanField(null=True, blank=True)
    a_visible_to_members = models.BooleanField(default=False)

    b_strength = models.PositiveSmallIntegerField(null=True, blank=True)
    b_status = models.CharField(
        max_length=12, choices=SideStatus.choices, default=SideStatus.UNANSWERED
    )
    b_allows_introductions = models.BooleanField(null=True, blank=True)
    b_visible_to_members = models.BooleanField(default=False)

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    external_source = models.CharField(max_length=60, blank=True)
    external_id = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TieQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person_a__lt=F("person_b")),
                name="tie_ordered_pair",
                violation_error_message=(
                    "A tie joins two different people and is stored once per pair "
                    "(the lower person id first)."
                ),
            ),
            models.UniqueConstraint(
                fields=["person_a", "person_b"],
                name="tie_unique_pair",
                violation_error_message="These two people already have a tie.",
            ),
            models.CheckConstraint(
                condition=Q(a_strength__isnull=True) | Q(a_strength__gte=1, a_strength__lte=5),
                name="tie_a_strength_range",
                violation_error_message="Strength must be between 1 and 5.",
            ),
            models.CheckConstraint(
                condition=Q(b_strength__isnull=True) | Q(b_strength__gte=1, b_strength__lte=5),
                name="tie_b_strength_range",
                violation_error_message="Strength must be between 1 and 5.",
            ),
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~Q(external_id=""),
                name="tie_unique_external_id",
            ),
        ]
        indexes = [
            models.Index(fields=["person_b", "person_a"], name="tie_b_a"),
            models.Index(fields=["updated_at", "id"], name="tie_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.person_a} - {self.person_b}"

    # Side helpers: ``side_of(person)`` returns "a" or "b"; the rest read and write that side.
    def side_of(self, person: Person | int) -> str:
        pk = person if isinstance(person, int) else person.pk
        if pk == self.person_a_id:
            return "a"
        if pk == self.person_b_id:
            return "b"
        raise ValueError("This person is not part of the tie.")

    def other(self, person: Person | int) -> Person:
        return self.person_b if self.side_of(person) == "a" else self.person_a

    def strength_of(self, side: str) -> int | None:
        return self.a_strength if side == "a" else self.b_strength

    def status_of(self, side: str) -> str:
        return self.a_status if side == "a" else self.b_status

    def allows_introductions_of(self, side: str) -> bool | None:
        return self.a_allows_introductions if side == "a" else self.b_allows_introductions

    def visible_to_members_of(self, side: str) -> bool:
        return self.a_visible_to_members if side == "a" else self.b_visible_to_members

    @property
    def effective_strength(self) -> int | None:
        """The lower of the rated sides (None when neither side has rated)."""
        rated = [s for s in (self.a_strength, self.b_strength) if s is not None]
        return min(rated) if rated else None

    @property
    def is_disputed(self) -> bool:
        return SideStatus.DISPUTED in (self.a_status, self.b_status)

    @property
    def is_confirmed(self) -> bool:
        return self.a_status == SideStatus.CONFIRMED and self.b_status == SideStatus.CONFIRMED


def ordered_pair(one: int, other: int) -> tuple[int, int]:
    """The (person_a_id, person_b_id) under which the tie between two people is stored."""
    return (one, other) if one < other else (other, one)


class AuditEvent(models.Model):
    """An append-only record of a change made by an organizer, admin, import or partner."""

    class Channel(models.TextChoices):
        WEB = "web", "Web pages"
        ADMIN = "admin", "Django admin"
        API = "api", "API"
        IMPORT = "import", "Import"
        COMMAND = "command", "Management command"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}"


def user_label(user: User | None) -> str:
    return user.get_username() if user is not None else "system"


class GraphChange(models.Model):
    """Append-only log of changes that affect paths, written in the same transaction as the
    change. Each worker's resident graph replays the rows after the last one it has seen; a row
    only names what changed (the current state is re-read), so replaying a row twice is harmless.
    """

    class Kind(models.TextChoices):
        TIE = "tie", "Tie"
        PERSON = "person", "Person"
        REBUILD = "rebuild", "Rebuild everything"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Plain integers, not foreign keys: the row must outlive a deleted person or tie.
    person_id = models.BigIntegerField(null=True, blank=True)
    other_id = models.BigIntegerField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.person_id} {self.other_id or ''}".strip()


class PathSearch(models.Model):
    """ "How can A reach B": a background job and its result.

    ``result`` holds the raw paths (person ids, strengths, likelihoods); names, masks and
    explanations are rendered when the search is read, for the viewer and with current privacy.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="path_searches"
    )
    source = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    k = models.PositiveSmallIntegerField(default=3)
    max_hops = models.PositiveSmallIntegerField(default=4)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error = models.CharField(max_length=300, blank=True)
    graph_version = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    compute_ms = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(k__gte=1, k__lte=5), name="path_search_k_range"),
            models.CheckConstraint(
                condition=Q(max_hops__gte=1, max_hops__lte=4), name="path_search_hops_range"
            ),
        ]
        indexes = [
            models.Index(
                fields=["requester", "source", "target", "-created_at"], name="path_search_reuse"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} -> {self.target} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("people:path_search", kwargs={"public_id": self.public_id})

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


# =============================================================================================
# Introductions (issue 4): a double opt-in workflow along a path, its history, the in-app
# inbox and the email delivery log.
# =============================================================================================


class IntroductionState(models.TextChoices):
    REQUESTED = "requested", "Requested"
    ACCEPTED_BY_BROKER = "accepted_by_broker", "Accepted by the broker"
    ACCEPTED_BY_TARGET = "accepted_by_target", "Accepted by the target"
    MADE = "made", "Made"
    DECLINED_BY_BROKER = "declined_by_broker", "Declined by the broker"
    DECLINED_BY_TARGET = "declined_by_target", "Declined by the target"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXPIRED = "expired", "Expired"


OPEN_INTRODUCTION_STATES = (
    IntroductionState.REQUESTED,
    IntroductionState.ACCEPTED_BY_BROKER,
    IntroductionState.ACCEPTED_BY_TARGET,
)


class Introduction(models.Model):
    """A member's request to be introduced to a target along a path.

    ``path`` holds the person ids from the requester to the target; ``broker`` is the first
    intermediary. ``holder_index`` is the position on the path of ``current_holder``, the person
    who must act now (None once the introduction is closed). Which people in the chain have been
    reached (and so may see it) is kept in :class:`IntroductionHop`, so it is queryable.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requester = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="introductions_requested"
    )
    target = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="introductions_as_target"
    )
    broker = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="introductions_brokered"
    )
    path = models.JSONField(default=list)
    current_holder = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    holder_index = models.PositiveSmallIntegerField(default=1)
    message = models.TextField(max_length=1000)
    state = models.CharField(
        max_length=20, choices=IntroductionState.choices, default=IntroductionState.REQUESTED
    )
    path_search = models.ForeignKey(
        PathSearch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    # Outcomes, each side its own (only after the introduction was made).
    requester_met = models.BooleanField(null=True, blank=True)
    requester_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    requester_note = models.CharField(max_length=500, blank=True)
    target_met = models.BooleanField(null=True, blank=True)
    target_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    target_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(requester=F("target")), name="introduction_not_to_self"
            ),
            models.CheckConstraint(
                condition=Q(requester_rating__isnull=True)
                | Q(requester_rating__gte=1, requester_rating__lte=5),
                name="introduction_requester_rating_range",
            ),
            models.CheckConstraint(
                condition=Q(target_rating__isnull=True)
                | Q(target_rating__gte=1, target_rating__lte=5),
                name="introduction_target_rating_range",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "expires_at"], name="introduction_state_expiry"),
            models.Index(fields=["broker", "created_at"], name="introduction_broker_month"),
            models.Index(fields=["requester", "state"], name="introduction_requester_state"),
        ]

    def __str__(self) -> str:
        return f"{self.requester} -> {self.target} ({self.state})"

    def get_absolute_url(self) -> str:
        return reverse("people:introduction", kwargs={"public_id": self.public_id})

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_INTRODUCTION_STATES


class IntroductionHop(models.Model):
    """One person on an introduction's path, and whether the request has reached them yet
    (people further along do not see it until it reaches them)."""

    class Role(models.TextChoices):
        REQUESTER = "requester", "Requester"
        INTERMEDIARY = "intermediary", "Intermediary"
        TARGET = "target", "Target"

    introduction = models.ForeignKey(Introduction, on_delete=models.CASCADE, related_name="hops")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="introduction_hops")
    position = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=12, choices=Role.choices)
    reached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["introduction", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["introduction", "position"], name="introduction_hop_position"
            ),
            models.UniqueConstraint(
                fields=["introduction", "person"], name="introduction_hop_person"
            ),
        ]
        indexes = [models.Index(fields=["person", "reached_at"], name="intro_hop_person_reached")]

    def __str__(self) -> str:
        return f"{self.introduction_id}#{self.position} {self.person}"


class IntroductionEvent(models.Model):
    """The history of an introduction: one row per transition (and reminder or outcome)."""

    class Kind(models.TextChoices):
        REQUESTED = "requested", "Asked for an introduction"
        ACCEPTED_BY_BROKER = "accepted_by_broker", "Agreed to ask the next person"
        FORWARDED = "forwarded", "Passed the request along the path"
        ACCEPTED_BY_TARGET = "accepted_by_target", "Agreed to be introduced"
        MADE = "made", "Made the introduction"
        DECLINED_BY_BROKER = "declined_by_broker", "Declined"
        DECLINED_BY_TARGET = "declined_by_target", "Declined"
        WITHDRAWN = "withdrawn", "Withdrew the request"
        EXPIRED = "expired", "Expired without an answer"
        REMINDED = "reminded", "Reminder sent"
        OUTCOME = "outcome", "Recorded how it went"

    introduction = models.ForeignKey(Introduction, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Whom the request went to next (accept, forward), if anyone.
    next_holder = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A decline's optional reason: private to the person who declined (and staff).
    private_note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["introduction", "kind"], name="introduction_event_kind")]

    def __str__(self) -> str:
        return f"{self.introduction_id} {self.kind}"


class Notification(models.Model):
    """One line in a person's in-app inbox, and the log of its email.

    The email is claimed with a conditional update from ``pending`` to ``sending`` before it is
    sent, so a redelivered task never sends it twice; ``sent`` keeps the rendered subject and
    body as the record of what went out.
    """

    class Kind(models.TextChoices):
        NEW_REQUEST = "new_request", "New request"
        DECISION = "decision", "Decision"
        MADE = "made", "Introduction made"
        REMINDER = "reminder", "Reminder"
        EXPIRED = "expired", "Expired"
        THANKS = "thanks", "Outcome"
        GROUP = "group", "Small-batch group"

    class EmailStatus(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Not sent (email off or no address)"
        FAILED = "failed", "Failed"

    recipient = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notifications")
    introduction = models.ForeignKey(
        Introduction, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(
        IntroductionEvent,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=2000, blank=True)
    url = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    email_status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_subject = models.CharField(max_length=200, blank=True)
    email_body = models.TextField(blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One notice per person per event: a repeated transition cannot notify twice.
            models.UniqueConstraint(
                fields=["recipient", "event"],
                condition=Q(event__isnull=False),
                name="notification_once_per_event",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.title}"


# =============================================================================================
# Import jobs (issue 8): an uploaded file, its dry-run report, the organizer's choices and the
# outcome. Large files are read and imported by a Celery job; the page polls the progress.
# =============================================================================================


class ImportJob(models.Model):
    """One uploaded file on its way in: dry run, decisions, import."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the dry run"
        PLANNING = "planning", "Checking the file"
        PLANNED = "planned", "Checked: waiting for your decision"
        QUEUED = "queued", "Waiting to import"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", "Import nothing unless every row is valid"
        VALID_ONLY = "valid_only", "Import the valid rows, reject the others"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    filename = models.CharField(max_length=255)
    # The file itself, so any worker can read it (web and workers share only the database).
    content = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    format = models.CharField(max_length=12, blank=True)
    kind = models.CharField(max_length=20, blank=True, help_text="Empty: told by the file.")
    source = models.CharField(max_length=60, help_text="Label kept with imported external ids.")
    binning = models.CharField(max_length=10, default="quantile")
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    decisions = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    planned_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="import_job_progress"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("exchange:import_job", kwargs={"public_id": self.public_id})

    @property
    def is_busy(self) -> bool:
        return self.status in (
            self.Status.PENDING,
            self.Status.PLANNING,
            self.Status.QUEUED,
            self.Status.IMPORTING,
        )


class Invitation(models.Model):
    """An invitation link for a new member (issue 9).

    Only the SHA-256 hash of the random token is stored; the link itself is shown in the email
    and never again. A link works once, until ``expires_at``, unless the organizer revokes it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField()
    # An existing person without a login who gets this login on acceptance (optional).
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Invitation for {self.email} ({self.status})"

    @property
    def status(self) -> str:
        from django.utils import timezone

        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)
