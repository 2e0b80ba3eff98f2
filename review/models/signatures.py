"""E-signatures: who signed which revision, meaning what, over which exact content."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from wagtail.models import Revision, TaskState


class Signature(models.Model):
    """An approval or a request for changes, re-authenticated with the signer's password."""

    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    DECISIONS = [(APPROVED, "Approved"), (CHANGES_REQUESTED, "Changes requested")]

    task_state = models.ForeignKey(TaskState, on_delete=models.PROTECT, related_name="signatures")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="signatures")
    discipline = models.ForeignKey("auth.Group", on_delete=models.PROTECT, related_name="+")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signatures")
    signer_name = models.CharField(max_length=255, help_text="Full name at the time of signing.")
    signed_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(max_length=20, choices=DECISIONS)
    meaning = models.CharField(max_length=200)
    comment = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the canonical content signed.")

    class Meta:
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["task_state", "discipline"],
                condition=models.Q(decision="approved"),
                name="one_approval_per_discipline_per_task_state",
            )
        ]

    def __str__(self):
        return f"{self.signer_name}, {self.signed_at:%Y-%m-%d %H:%M} UTC: {self.meaning}"


class SigningFailureQuerySet(models.QuerySet):
    def recent_for(self, user, *, window: timedelta):
        return self.filter(user=user, failed_at__gte=timezone.now() - window)


class SigningFailure(models.Model):
    """A wrong password at signing; enough of them lock e-signing for a while."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    failed_at = models.DateTimeField(default=timezone.now, db_index=True)
    revision = models.ForeignKey(Revision, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = SigningFailureQuerySet.as_manager()

    class Meta:
        ordering = ["-failed_at"]

    def __str__(self):
        return f"Failed signature by {self.user} at {self.failed_at:%Y-%m-%d %H:%M}"
