"""The engagement event store: every send, open, click and slide view reported by channels and the rep
portal, and the daily aggregate the analytics reports read.

`Event` is append-only and shaped for tens of millions of rows:
- one row per event; the scope (product, market, channel) and the HCP's specialty are copied in at
  ingest, so reports and suggestions never join back to the approval's revision or the HCP table;
- `event_id` is the sender's idempotency key, unique per channel client (rep-portal events have no
  client and use `reps-<reps.EngagementEvent id>`); a replay stores nothing new;
- on PostgreSQL a BRIN index on `occurred_at` (rows arrive roughly in time order, so it stays tiny;
  made by migration 0002, which SQLite skips), and btree
  indexes on (approval, occurred_at) for the per-assembly and per-module reports and on
  (hcp_id, occurred_at) for one HCP's history (next-best-content).

`DailyEngagement` holds counts per UTC day × approval × market × channel × specialty × type, kept by
the `engagement.tasks.rollup_engagement` task from `RollupBacklog` (the (approval, day) buckets that
received events since the last run), never computed on a page view.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q


class EventQuerySet(models.QuerySet):
    def for_hcp(self, hcp_id: str):
        return self.filter(hcp_id=hcp_id)

    def for_approvals(self, approval_ids):
        return self.filter(approval_id__in=approval_ids)

    def between(self, start=None, end=None):
        queryset = self
        if start is not None:
            queryset = queryset.filter(occurred_at__gte=start)
        if end is not None:
            queryset = queryset.filter(occurred_at__lt=end)
        return queryset


class Event(models.Model):
    """One engagement event with an approved revision, as reported by a channel or the rep portal.

    Fields (stable: other code and the next-best-content work read them by name):
    - `client`: the channel client that reported it (null for the rep portal); `source`: api/portal;
    - `event_id`: the sender's idempotency key (unique per client);
    - `type`: one of TYPES; `slide` and `dwell_ms` only for slide_viewed (both required there);
    - `content_id`: the content API's id (`email-12`), `content_type` + `object_id` the item itself,
      `approval` the approval record of `revision_id` (the revision the HCP saw);
    - `channel`, `market`, `product`: codes, copied from the approval's scope at ingest (`product`
      is the first code by name when a module has several);
    - `hcp_id`: the pseudonymous HCP id (the rep portal uses reps.HCP.pseudonym); `specialty`: the
      HCP's specialty code when the pseudonym is a known HCP, else blank;
    - `occurred_at` (when it happened, sender's clock) and `received_at` (when we stored it);
    - `attributes`: anything else the sender reported (click URL, device…), never used for scope.
    """

    SOURCE_API = "api"
    SOURCE_PORTAL = "portal"
    SOURCES = [(SOURCE_API, "Channel API"), (SOURCE_PORTAL, "Rep portal")]

    SENT = "sent"
    DELIVERED = "delivered"
    OPENED = "opened"
    CLICKED = "clicked"
    SLIDE_VIEWED = "slide_viewed"
    SHARED = "shared"
    RSVP = "rsvp"
    UNSUBSCRIBED = "unsubscribed"
    TYPES = [
        (SENT, "Sent"),
        (DELIVERED, "Delivered"),
        (OPENED, "Opened"),
        (CLICKED, "Clicked"),
        (SLIDE_VIEWED, "Slide viewed"),
        (SHARED, "Shared"),
        (RSVP, "RSVP"),
        (UNSUBSCRIBED, "Unsubscribed"),
    ]
    TYPE_CODES = frozenset(code for code, _ in TYPES)

    # Shaped for ingest speed (DESIGN.md: ≥ 20,000 events/s), each choice measured (bench/RESULTS.md):
    # - no single-column indexes on the foreign keys: the unique (client, event_id) and the
    #   (approval, occurred_at) indexes serve those lookups, and every index is paid on every row;
    # - no database-level foreign keys (db_constraint=False): a per-row check of three parents cost
    #   about 10 ms of a 1,000-event batch. Ingest writes only ids it has just read from the
    #   approvals, clients and content types in the same request; approval records are never
    #   deleted; and on_delete=PROTECT still refuses, in the ORM, to delete a client or approval
    #   that has events (tests/engagement/test_store.py).
    client = models.ForeignKey(
        "delivery.ChannelClient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    source = models.CharField(max_length=8, choices=SOURCES)
    event_id = models.CharField(max_length=100)
    type = models.CharField(max_length=14, choices=TYPES)
    content_id = models.CharField(max_length=80)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    object_id = models.CharField(max_length=64)
    approval = models.ForeignKey(
        "review.ApprovalRecord",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    revision_id = models.BigIntegerField()
    channel = models.CharField(max_length=40)
    market = models.CharField(max_length=40)
    product = models.CharField(max_length=40, blank=True)
    hcp_id = models.CharField(max_length=64)
    specialty = models.CharField(max_length=40, blank=True)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    slide = models.PositiveSmallIntegerField(null=True, blank=True)
    dwell_ms = models.PositiveIntegerField(null=True, blank=True)
    attributes = models.JSONField(default=dict, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "event_id"],
                condition=Q(client__isnull=False),
                name="engagement_event_id_per_client",
            ),
            models.UniqueConstraint(
                fields=["event_id"], condition=Q(client__isnull=True), name="engagement_event_id_portal"
            ),
        ]
        indexes = [
            models.Index(fields=["approval", "occurred_at"], name="engagement_event_approval"),
            models.Index(fields=["hcp_id", "occurred_at"], name="engagement_event_hcp"),
        ]

    def __str__(self):
        return f"{self.type} {self.content_id} {self.occurred_at:%Y-%m-%d %H:%M}"


class DailyEngagement(models.Model):
    """Events per UTC day × approval × market × channel × specialty × type (× slide for slide views),
    with the dwell sum."""

    day = models.DateField()
    approval = models.ForeignKey("review.ApprovalRecord", on_delete=models.PROTECT, related_name="+")
    content_id = models.CharField(max_length=80)
    product = models.CharField(max_length=40, blank=True)
    market = models.CharField(max_length=40)
    channel = models.CharField(max_length=40)
    specialty = models.CharField(max_length=40, blank=True)
    type = models.CharField(max_length=14, choices=Event.TYPES)
    slide = models.PositiveSmallIntegerField(default=0, help_text="slide_viewed: the slide; 0 otherwise.")
    events = models.PositiveIntegerField()
    dwell_ms = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "daily engagement"
        verbose_name_plural = "daily engagement"
        constraints = [
            models.UniqueConstraint(
                fields=["approval", "day", "market", "channel", "specialty", "type", "slide"],
                name="engagement_daily_bucket_slide",
            )
        ]
        indexes = [models.Index(fields=["day"], name="engagement_daily_day")]

    def __str__(self):
        return f"{self.day} {self.content_id} {self.type}: {self.events}"


class RollupBacklog(models.Model):
    """An (approval, day) bucket that received events since the aggregate was last rebuilt for it.

    Ingest upserts these rows in its own transaction (the upsert locks the row, so a rollup taking it
    waits for that transaction to commit and then sees its events); the rollup deletes the rows it
    takes and rebuilds exactly those buckets from the events.
    """

    approval = models.ForeignKey("review.ApprovalRecord", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    touched_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["approval", "day"], name="engagement_backlog_bucket")]

    def __str__(self):
        return f"{self.approval_id} {self.day}"


class MarketerProducts(models.Model):
    """The products a marketer (an author) sees in the engagement reports; none means no report data.

    Reviewers, coordinators and superusers see every product; reps and channels see no reports.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="analytics_products"
    )
    products = models.ManyToManyField("modules.Product", related_name="+", blank=True)

    class Meta:
        verbose_name = "marketer's products"
        verbose_name_plural = "marketers' products"

    def __str__(self):
        return f"{self.user} ({', '.join(p.code for p in self.products.all())})"


# Next-best-content's tables live in their own module (one concept per file); imported here so Django
# registers them with this app.
from engagement.recommendation_models import (  # noqa: E402
    CoEngagement,
    RecommendationRun,
    SpecialtyPopularity,
)

__all__ = [
    "CoEngagement",
    "DailyEngagement",
    "Event",
    "MarketerProducts",
    "RecommendationRun",
    "RollupBacklog",
    "SpecialtyPopularity",
]
