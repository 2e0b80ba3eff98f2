"""HCPs, the reps they are assigned to, email consent, and the approved emails reps send them."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class HCPQuerySet(models.QuerySet):
    def assigned_to(self, rep):
        """The rep's territory: only HCPs assigned to them."""
        return self.filter(assignments__rep=rep)

    def consenting(self):
        return self.filter(consent=HCP.CONSENT_GIVEN)


class HCP(models.Model):
    """A healthcare professional a rep may visit and, with consent, email."""

    CONSENT_GIVEN = "given"
    CONSENT_WITHDRAWN = "withdrawn"
    CONSENT_CHOICES = [(CONSENT_GIVEN, "Given"), (CONSENT_WITHDRAWN, "Withdrawn")]

    name = models.CharField(max_length=200)
    specialty = models.ForeignKey("modules.Specialty", on_delete=models.PROTECT, related_name="+")
    market = models.ForeignKey("modules.Market", on_delete=models.PROTECT, related_name="+")
    email = models.EmailField(unique=True, help_text="Stored lower-case; one HCP per address.")
    pseudonym = models.UUIDField(
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text="Stable pseudonymous id used in engagement events instead of the name or address.",
    )
    consent = models.CharField(
        "email consent", max_length=12, choices=CONSENT_CHOICES, default=CONSENT_WITHDRAWN
    )
    consent_date = models.DateTimeField(
        null=True, blank=True, help_text="When consent was given or withdrawn."
    )
    consent_source = models.CharField(max_length=200, blank=True, help_text="E.g. CRM import, signed form.")
    external_id = models.CharField(
        max_length=100, blank=True, help_text="The HCP's id in the CRM (used to match re-imports)."
    )

    objects = HCPQuerySet.as_manager()

    class Meta:
        verbose_name = "HCP"
        verbose_name_plural = "HCPs"
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="unique_hcp_external_id"
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.specialty}, {self.market})"

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def has_consent(self) -> bool:
        return self.consent == self.CONSENT_GIVEN


class TerritoryAssignment(models.Model):
    """One HCP in one rep's territory."""

    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="territory")
    hcp = models.ForeignKey(HCP, on_delete=models.CASCADE, related_name="assignments")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "territory assignment"
        constraints = [models.UniqueConstraint(fields=["rep", "hcp"], name="unique_territory_assignment")]

    def __str__(self):
        return f"{self.hcp.name} → {self.rep.get_username()}"


class EmailSend(models.Model):
    """One approved email a rep asked to send to one HCP; also the outbox row the delivery task reads."""

    PENDING = "pending"
    SENT = "sent"
    REFUSED = "refused"
    FAILED = "failed"
    STATUSES = [(PENDING, "Sending"), (SENT, "Sent"), (REFUSED, "Refused at send time"), (FAILED, "Failed")]

    send_token = models.UUIDField(unique=True, help_text="From the send form: a double submit sends once.")
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="email_sends")
    hcp = models.ForeignKey(HCP, on_delete=models.PROTECT, related_name="email_sends")
    approval = models.ForeignKey("review.ApprovalRecord", on_delete=models.PROTECT, related_name="+")
    revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.PROTECT, related_name="+")
    to_address = models.EmailField()
    subject = models.CharField(max_length=200)
    message_id = models.CharField(max_length=255, unique=True)
    link_targets = models.JSONField(
        default=list, help_text="The URLs of the approved revision; click redirects go only to these."
    )
    status = models.CharField(max_length=10, choices=STATUSES, default=PENDING, db_index=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.subject} → {self.hcp.name} ({self.get_status_display()})"


class EngagementEvent(models.Model):
    """What happened to a sent email, shaped for the engagement app to ingest (no names or addresses)."""

    SENT = "sent"
    OPENED = "opened"
    CLICKED = "clicked"
    UNSUBSCRIBED = "unsubscribed"
    TYPES = [(SENT, "Sent"), (OPENED, "Opened"), (CLICKED, "Clicked"), (UNSUBSCRIBED, "Unsubscribed")]

    type = models.CharField(max_length=14, choices=TYPES)
    hcp_pseudonym = models.UUIDField(db_index=True)
    approval = models.ForeignKey("review.ApprovalRecord", on_delete=models.PROTECT, related_name="+")
    revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.PROTECT, related_name="+")
    send = models.ForeignKey(EmailSend, on_delete=models.PROTECT, related_name="events")
    occurred_at = models.DateTimeField(db_index=True)
    url = models.URLField(max_length=500, blank=True, help_text="For clicks: where the link went.")

    class Meta:
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["type", "occurred_at"])]

    def __str__(self):
        return f"{self.type} {self.occurred_at:%Y-%m-%d %H:%M} ({self.send_id})"
