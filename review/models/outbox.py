"""Publish, withdraw and expire events, written in the same transaction as the change itself."""

from django.db import models
from django.utils import timezone


class OutboxEventQuerySet(models.QuerySet):
    def due(self, now=None):
        """Undelivered events whose next attempt time has come."""
        return self.filter(delivered_at__isnull=True, next_attempt_at__lte=now or timezone.now())

    def undelivered(self):
        return self.filter(delivered_at__isnull=True)


class OutboxEvent(models.Model):
    """One change the search index and channels must follow; delivered by a background task."""

    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    KINDS = [(PUBLISHED, "Published"), (WITHDRAWN, "Withdrawn"), (EXPIRED, "Expired")]

    kind = models.CharField(max_length=20, choices=KINDS)
    approval = models.ForeignKey("review.ApprovalRecord", on_delete=models.PROTECT, related_name="events")
    object_type = models.CharField(max_length=100, help_text="app_label.model of the specific type.")
    object_id = models.CharField(max_length=64)
    revision_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.TextField(blank=True)

    objects = OutboxEventQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.kind} {self.object_type}:{self.object_id} r{self.revision_id}"
