"""Reviewer annotations on a revision, and medical verification of a claim's citations."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from wagtail.models import Revision


class AnnotationQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Annotation.OPEN)

    def blocking(self):
        return self.open().filter(kind=Annotation.MUST_FIX)

    def for_object_up_to(self, revision: Revision):
        """Annotations on this revision and on earlier revisions of the same object."""
        return self.filter(
            revision__base_content_type_id=revision.base_content_type_id,
            revision__object_id=revision.object_id,
            revision__created_at__lte=revision.created_at,
        )


class Annotation(models.Model):
    """A comment anchored to a field (and optionally a quoted range) of one revision."""

    MUST_FIX = "must_fix"
    SUGGESTION = "suggestion"
    REFERENCE_CHECK = "reference_check"
    KINDS = [(MUST_FIX, "Must fix"), (SUGGESTION, "Suggestion"), (REFERENCE_CHECK, "Reference check")]
    OPEN = "open"
    RESOLVED = "resolved"
    STATUSES = [(OPEN, "Open"), (RESOLVED, "Resolved")]

    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="annotations")
    field_path = models.CharField(max_length=200, help_text="e.g. statement, citations.0.anchor")
    quote = models.TextField(blank=True, help_text="The exact text the comment is about.")
    quote_start = models.PositiveIntegerField(null=True, blank=True)
    quote_end = models.PositiveIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=20, choices=KINDS, default=MUST_FIX)
    body = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=STATUSES, default=OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = AnnotationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.field_path}: {self.body[:60]}"


class AnnotationReply(models.Model):
    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Reply by {self.author} on {self.created_at:%Y-%m-%d}"


class CitationCheck(models.Model):
    """A medical reviewer's tick that one citation of a claim revision supports the claim."""

    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="citation_checks")
    position = models.PositiveSmallIntegerField(help_text="Index of the citation in the revision.")
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["revision", "position"], name="one_check_per_citation")
        ]

    def __str__(self):
        return f"Citation {self.position + 1} verified by {self.verified_by}"
