"""Network snapshots: the health of the whole network at a moment, kept to show trends.

A snapshot is computed by a Celery job over the network organizers may see (nobody hidden, no
disputed tie). Each snapshot row is kept forever (a few hundred bytes); the per-person rows
(``PersonMetric``) of older snapshots are pruned after ``settings.DASHBOARD_KEEP_PERSON_METRICS``
snapshots, because at 100,000 people a nightly job would otherwise add 36 million rows a year.
"""

from __future__ import annotations

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
