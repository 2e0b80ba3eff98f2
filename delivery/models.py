"""Who receives approved content and what they were given: channel clients and tokens, the scope and
change feed of published approvals, the render manifest, webhooks and the compliance pull log."""

import hashlib
import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone

from review.models import ApprovalRecord


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ChannelClient(models.Model):
    """A delivery channel (email platform, CLM app, website, print vendor) limited to a scope."""

    name = models.CharField(max_length=120, unique=True)
    markets = models.ManyToManyField("modules.Market", related_name="+")
    channels = models.ManyToManyField("modules.Channel", related_name="+")
    audiences = models.ManyToManyField(
        "modules.Audience", related_name="+", blank=True, help_text="Leave empty for every audience."
    )
    active = models.BooleanField(default=True, help_text="Inactive clients are refused with 401.")
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped in the same transaction as any change to the scope (delivery/scope_cache.py), so a scope
    # cached under the old number is never read again: authentication reads this with the token.
    scope_version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "channel client"

    def __str__(self):
        return self.name


class ChannelTokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Tokens that authenticate now: not revoked, not past expiry, of an active client."""
        now = now or timezone.now()
        return self.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now), revoked_at__isnull=True, client__active=True
        )


class ChannelToken(models.Model):
    """One bearer token of a client; only its SHA-256 is stored, the token itself is shown once."""

    client = models.ForeignKey(ChannelClient, on_delete=models.CASCADE, related_name="tokens")
    label = models.CharField(max_length=80, default="default")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: valid until revoked.")
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ChannelTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.client} · {self.label}"

    @staticmethod
    def new_raw() -> str:
        return secrets.token_urlsafe(32)

    @property
    def state(self) -> str:
        now = timezone.now()
        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= now:
            return "expired"
        if self.expires_at:
            return f"valid until {self.expires_at:%Y-%m-%d %H:%M} UTC"
        return "valid"


class PublishedItemQuerySet(models.QuerySet):
    def in_force(self, now=None):
        """Only items whose approval is in force: the one definition lives in review."""
        return self.filter(approval__in=ApprovalRecord.objects.current(now).order_by().values("pk"))

    def in_scope(self, scope):
        """Items sharing a market and a channel (and an audience, when the scope names any) with the scope."""
        if scope.markets is None:
            return self
        queryset = self.filter(
            models.Exists(
                PublishedItem.markets.through.objects.filter(
                    publisheditem_id=models.OuterRef("pk"), market__code__in=scope.markets
                )
            ),
            models.Exists(
                PublishedItem.channels.through.objects.filter(
                    publisheditem_id=models.OuterRef("pk"), channel__code__in=scope.channels
                )
            ),
        )
        if scope.audiences:
            queryset = queryset.filter(
                models.Exists(
                    PublishedItem.audiences.through.objects.filter(
                        publisheditem_id=models.OuterRef("pk"), audience__code__in=scope.audiences
                    )
                )
            )
        return queryset


class PublishedItem(models.Model):
    """One approval as channels see it: the item's public id, type and scope, kept for filtering."""

    approval = models.OneToOneField(
        ApprovalRecord, on_delete=models.PROTECT, primary_key=True, related_name="published_item"
    )
    item_id = models.CharField(max_length=80, db_index=True, help_text="<type>-<object id>, e.g. email-12.")
    type = models.CharField(max_length=40, db_index=True)
    approved_at = models.DateTimeField(db_index=True)
    products = models.ManyToManyField("modules.Product", related_name="+")
    markets = models.ManyToManyField("modules.Market", related_name="+")
    channels = models.ManyToManyField("modules.Channel", related_name="+")
    audiences = models.ManyToManyField("modules.Audience", related_name="+")

    objects = PublishedItemQuerySet.as_manager()

    def __str__(self):
        return f"{self.item_id} (approval {self.approval_id})"


class FeedEvent(models.Model):
    """One change a channel must follow; `position` gives commit order once sequenced (delivery/feed.py)."""

    PUBLISHED = "published"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    KINDS = [
        (PUBLISHED, "Published"),
        (SUPERSEDED, "Superseded"),
        (WITHDRAWN, "Withdrawn"),
        (EXPIRED, "Expired"),
    ]
    TOMBSTONES = frozenset({WITHDRAWN, EXPIRED, SUPERSEDED})

    kind = models.CharField(max_length=20, choices=KINDS)
    item = models.ForeignKey(PublishedItem, on_delete=models.PROTECT, related_name="events")
    revision_id = models.BigIntegerField()
    job_code = models.CharField(max_length=80)
    occurred_at = models.DateTimeField(default=timezone.now)
    position = models.BigIntegerField(null=True, unique=True, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["id"], condition=Q(position__isnull=True), name="delivery_feed_unsequenced")
        ]

    def __str__(self):
        return f"{self.kind} {self.item_id} r{self.revision_id}"

    @property
    def tombstone(self) -> bool:
        return self.kind in self.TOMBSTONES


class RenderManifestEntry(models.Model):
    """The SHA-256 of one render of an approved revision, recorded once; every later serve must match."""

    approval = models.ForeignKey(ApprovalRecord, on_delete=models.PROTECT, related_name="render_manifest")
    format = models.CharField(max_length=20)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["approval", "format"], name="one_render_per_format")]
        ordering = ["approval", "format"]
        verbose_name_plural = "render manifest entries"

    def __str__(self):
        return f"{self.approval.job_code} {self.format} {self.sha256[:12]}"


class PullSubject(models.Model):
    """What pulls have in common: the client and token, the approval, revision and item, the render.

    Written once per distinct subject, so a pull record is a time and one reference: one integrity
    check per record where three foreign keys on every record cost PostgreSQL about 16 µs each
    (bench/RESULTS.md, 2026-12-08).
    """

    client = models.ForeignKey(ChannelClient, on_delete=models.PROTECT, related_name="pull_subjects")
    token = models.ForeignKey(ChannelToken, on_delete=models.SET_NULL, null=True, related_name="+")
    approval = models.ForeignKey(ApprovalRecord, on_delete=models.PROTECT, related_name="+")
    revision_id = models.BigIntegerField()
    item_id = models.CharField(max_length=80)
    render = models.CharField(max_length=20, blank=True, help_text="Empty for the JSON detail.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "token", "approval", "revision_id", "item_id", "render"],
                name="one_pull_subject",
            )
        ]

    def __str__(self):
        return f"{self.client} pulled {self.item_id} r{self.revision_id} {self.render or 'json'}"


class Pull(models.Model):
    """Compliance record of one content response: which client got which approval, revision and
    render (its subject), and when."""

    subject = models.ForeignKey(PullSubject, on_delete=models.PROTECT, related_name="pulls")
    pulled_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-pulled_at", "-pk"]

    def __str__(self):
        return f"{self.subject} at {self.pulled_at:%Y-%m-%d %H:%M:%S}"


class WebhookSubscription(models.Model):
    """Where a client wants change events POSTed, signed with its secret."""

    client = models.ForeignKey(ChannelClient, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text="Event kinds to send.")
    secret = models.CharField(max_length=80, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client__name", "url"]

    def __str__(self):
        return f"{self.client} → {self.url}"

    @staticmethod
    def new_secret() -> str:
        return "whsec_" + secrets.token_urlsafe(32)


class WebhookDeliveryQuerySet(models.QuerySet):
    def due(self, now=None):
        return self.filter(status=WebhookDelivery.PENDING, next_attempt_at__lte=now or timezone.now())


class WebhookDelivery(models.Model):
    """One event for one subscription: retried with exponential backoff until delivered or given up."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    STATUSES = [(PENDING, "Pending"), (DELIVERED, "Delivered"), (FAILED, "Failed (gave up)")]

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(FeedEvent, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=80, db_index=True, help_text="Same for every attempt.")
    status = models.CharField(max_length=20, choices=STATUSES, default=PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="one_delivery_per_event")
        ]
        verbose_name_plural = "webhook deliveries"

    def __str__(self):
        return f"{self.event} → {self.subscription.url} ({self.status})"


class WebhookCursor(models.Model):
    """How far the webhook fan-out has read the change feed (one row)."""

    position = models.CharField(max_length=80, blank=True)

    def __str__(self):
        return f"webhook cursor at {self.position or 'the start'}"
