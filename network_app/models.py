"""Network snapshots: the health of the whole network at a moment, kept to show trends.

A snapshot is computed by a Celery job over the network organizers may see (nobody hidden, no
disputed tie). Each snapshot row is kept forever (a few hundred bytes); the per-person rows
(``PersonMetric``) of older snapshots are pruned after ``settings.DASHBOARD_KEEP_PERSON_METRICS``
snapshots, because at 100,000 people a nightly job would otherwise add 36 million rows a year.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from people.models import Person


class NetworkSnapshot(models.Model):
    """One run of the metrics job and the network-level numbers it found."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        MANUAL = "manual", "On demand"
        NIGHTLY = "nightly", "Nightly"
        COMMAND = "command", "Command or benchmark"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    compute_seconds = models.FloatField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    people = models.PositiveIntegerField(default=0)
    ties = models.PositiveIntegerField(default=0)
    density = models.FloatField(default=0.0)
    components = models.PositiveIntegerField(default=0)
    largest_component = models.PositiveIntegerField(default=0)
    average_clustering = models.FloatField(default=0.0)
    average_path_length = models.FloatField(null=True, blank=True)
    isolated = models.PositiveIntegerField(default=0)
    peripheral = models.PositiveIntegerField(default=0)
    communities = models.PositiveIntegerField(default=0)
    bridges = models.PositiveIntegerField(default=0)
    sampled = models.BooleanField(default=False)
    pivots = models.PositiveIntegerField(default=0)
    # Person ids (never names: names are read through the selectors when shown):
    # {"cut_points": [[person_id, cut_off], ...], "community_links": [{"a", "b", "size_a",
    # "size_b", "ties": [[id, id], ...]}], "seconds": {...}}
    findings = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status__in=["pending", "running"]),
                name="snapshot_one_in_flight",
                violation_error_message="A snapshot is already being computed.",
            ),
        ]
        indexes = [models.Index(fields=["status", "-finished_at"], name="snapshot_status_done")]

    def __str__(self) -> str:
        return f"snapshot {self.pk} ({self.status}, {self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class PersonMetric(models.Model):
    """A person's numbers in one snapshot, and their position on the precomputed map."""

    snapshot = models.ForeignKey(
        NetworkSnapshot, on_delete=models.CASCADE, related_name="person_metrics"
    )
    # Deleting a person deletes their metrics (a member may delete everything held about them).
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    degree = models.PositiveIntegerField(default=0)
    weighted_degree = models.FloatField(default=0.0)
    betweenness = models.FloatField(default=0.0)
    closeness = models.FloatField(default=0.0)
    eigenvector = models.FloatField(default=0.0)
    community = models.IntegerField(default=-1)
    x = models.FloatField(default=0.0)
    y = models.FloatField(default=0.0)

    class Meta:
        ordering = ["snapshot", "person"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "person"], name="person_metric_unique"),
        ]
        indexes = [models.Index(fields=["person", "snapshot"], name="person_metric_person")]

    def __str__(self) -> str:
        return f"{self.person_id} in snapshot {self.snapshot_id}"


# =============================================================================================
# REST API for partner tools (issue 7): API keys, idempotent POSTs, webhooks and deliveries.
# =============================================================================================


class ApiKey(models.Model):
    """A partner tool's key. It acts as the organizer (or admin) who issued it, never more:
    ``scopes`` only narrow what that person may do.

    The token (``sb_<prefix>_<secret>``) is shown once; only ``prefix`` (for the lookup) and the
    SHA-256 of the whole token are stored. A random 256-bit secret needs no slow hash: nobody
    can guess it, so a fast hash costs an attacker nothing and the lookup stays one index hit.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    hashed_token = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        from django.utils import timezone

        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class IdempotencyRecord(models.Model):
    """The response to a POST sent with an ``Idempotency-Key``: the same key from the same user
    gets the same response again instead of a second record. ``status_code`` is 0 while the
    first request is still running."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.TextField(blank=True)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key}"


class Webhook(models.Model):
    """A partner's URL and the events it wants. Payloads are built for ``owner`` (their rights)
    narrowed by ``api_key``'s scopes when it was registered with a key. Disabled automatically
    after ``settings.WEBHOOK_MAX_CONSECUTIVE_FAILURES`` failed attempts in a row."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks"
    )
    api_key = models.ForeignKey(
        ApiKey, null=True, blank=True, on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=100, editable=False)
    is_active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["is_active"], name="webhook_active")]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one webhook: the delivery log. The payload is frozen
    when the event happens; each attempt updates the row."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENDING = "sending", "Sending"
        RETRYING = "retrying", "Failed, will retry"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["webhook", "-created_at"], name="delivery_webhook")]

    def __str__(self) -> str:
        return f"{self.event} to {self.webhook_id} ({self.status})"


class DataVersion(models.Model):
    """The version of the data that pages and API lists are cached under (network_app.page_cache).

    Written only by database triggers (migration 0004): every statement that inserts, updates
    or deletes people, ties, interests, causes, affiliations or organizations (whatever the
    client: the site, the admin, an import, a raw SQL statement) gives a slot a new random
    token in the same transaction. The version is all the tokens together, so it changes
    exactly when one of those tables does, and a state that a rollback discarded never comes
    back. On PostgreSQL each writing transaction takes a slot no other one holds (``SLOTS`` of
    them, chosen with SKIP LOCKED, so writers never wait for each other); SQLite has one
    writer at a time and one slot. Slot ``SLOTS`` holds the database's first token.
    """

    SLOTS = 256

    slot = models.PositiveSmallIntegerField(primary_key=True)
    token = models.CharField(max_length=32)

    class Meta:
        ordering = ["slot"]

    def __str__(self) -> str:
        return f"{self.slot}: {self.token}"
