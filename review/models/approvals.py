"""What was approved: the revision, its hash, its job code, and how long the approval lasts."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from wagtail.models import Revision, WorkflowState

DEFAULT_JOB_CODE_PATTERN = "{BRAND}-{MARKET}-{YYYY}-{SEQ:05}"


class ApprovalRecordQuerySet(models.QuerySet):
    def in_force(self, now=None):
        """Approvals in force: approved, not withdrawn, not superseded, not past expiry."""
        return self.filter(status=ApprovalRecord.APPROVED, expires_at__gt=now or timezone.now())

    # The name used before issue 8; same rule.
    current = in_force

    def not_ended(self):
        """Approvals no one has ended yet: in force, or superseded but still used by the assemblies
        that pin them. Withdrawal and the expiry job end these (expiry even once past their date)."""
        return self.filter(status__in=[ApprovalRecord.APPROVED, ApprovalRecord.SUPERSEDED])

    def usable_for_pinning(self, now=None):
        """Approvals whose revision an assembly may use: not ended and not past expiry.

        A revision superseded by a newer approval stays approved for the assemblies that pin it.
        """
        return self.not_ended().filter(expires_at__gt=now or timezone.now())

    def for_object(self, obj):
        return self.filter(base_content_type=obj.get_base_content_type(), object_id=str(obj.pk))

    def pinning(self, revision_ids):
        return self.filter(pinned_revisions__in=revision_ids).distinct()


class ApprovalRecord(models.Model):
    """The proof of one approval: exactly which revision, its content hash, signatures and job code."""

    APPROVED = "approved"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    STATUSES = [
        (APPROVED, "Approved"),
        (SUPERSEDED, "Superseded by a newer approval"),
        (WITHDRAWN, "Withdrawn"),
        (EXPIRED, "Expired"),
    ]

    revision = models.OneToOneField(Revision, on_delete=models.PROTECT, related_name="approval")
    base_content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64, db_index=True)
    object_title = models.CharField(max_length=255)
    workflow_state = models.OneToOneField(
        WorkflowState, on_delete=models.PROTECT, null=True, related_name="approval"
    )
    content_hash = models.CharField(max_length=64)
    job_code = models.CharField(max_length=80, unique=True)
    approved_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    pinned_revisions = models.ManyToManyField(
        Revision,
        related_name="pinned_by_approvals",
        blank=True,
        help_text="For assemblies: the module revisions this approval covers.",
    )
    status = models.CharField(max_length=20, choices=STATUSES, default=APPROVED, db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_reason = models.TextField(blank=True)
    cascaded_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cascaded",
        help_text="The module approval whose withdrawal or expiry ended this one.",
    )
    expiry_warning_sent_at = models.DateTimeField(null=True, blank=True)

    objects = ApprovalRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-approved_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["base_content_type", "object_id"],
                condition=models.Q(status="approved"),
                name="one_approval_in_force_per_object",
            )
        ]

    def __str__(self):
        return f"{self.job_code} ({self.object_title})"

    @property
    def in_force(self) -> bool:
        return self.is_in_force()

    @property
    def end_reason_sentence(self) -> str:
        """The end reason as one sentence: reasons typed with or without a full stop read the same."""
        reason = self.end_reason.strip()
        return reason if not reason or reason[-1] in ".!?" else f"{reason}."

    def is_in_force(self, now=None) -> bool:
        """The row-level twin of `ApprovalRecord.objects.in_force()`, for records already loaded."""
        return self.status == self.APPROVED and self.expires_at > (now or timezone.now())


class JobCodePattern(models.Model):
    """How job codes look for a product and market; the most specific match wins."""

    product = models.ForeignKey("modules.Product", on_delete=models.CASCADE, null=True, blank=True)
    market = models.ForeignKey("modules.Market", on_delete=models.CASCADE, null=True, blank=True)
    pattern = models.CharField(
        max_length=80,
        default=DEFAULT_JOB_CODE_PATTERN,
        help_text="Placeholders: {BRAND} {MARKET} {LANG} {YYYY} {YY} {SEQ:05} (zero-padded sequence).",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "market"], name="one_pattern_per_scope"),
        ]

    def __str__(self):
        scope = " / ".join(str(part) for part in (self.product, self.market) if part) or "Default"
        return f"{scope}: {self.pattern}"

    def clean(self):
        from review.jobcodes import JobCodePatternError, validate_pattern

        try:
            validate_pattern(self.pattern)
        except JobCodePatternError as error:
            raise ValidationError({"pattern": str(error)}) from error


class JobCodeSequence(models.Model):
    """The last number used for one job-code prefix; locked row by row when a code is assigned."""

    prefix = models.CharField(max_length=80, unique=True)
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.prefix}: {self.last_value}"
