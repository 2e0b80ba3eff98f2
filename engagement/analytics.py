"""Report reads over the daily aggregate (never the raw events): per assembly, per module, review time saved.

Every function takes a `ReportFilter`, whose `products` already carries the caller's role limit
(engagement/access.py), so no report can show a product the caller may not see.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Max, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek

from delivery.models import PublishedItem
from delivery.scope import ASSEMBLY_TYPES
from engagement.models import DailyEngagement, Event
from review.models import ApprovalRecord
from review.selectors import ASSEMBLY_REVIEW, FULL_MLR

# The columns every breakdown shows, in order: (key, label, event type or None for the dwell sum).
METRICS = [
    ("sent", "Sends", Event.SENT),
    ("delivered", "Deliveries", Event.DELIVERED),
    ("opened", "Opens", Event.OPENED),
    ("clicked", "Clicks", Event.CLICKED),
    ("slide_views", "Slide views", Event.SLIDE_VIEWED),
    ("dwell_s", "Slide dwell (s)", None),
    ("shared", "Shares", Event.SHARED),
    ("rsvp", "RSVPs", Event.RSVP),
    ("unsubscribed", "Unsubscribes", Event.UNSUBSCRIBED),
]
ASSEMBLY_PREFIXES = tuple(f"{name}-" for name in sorted(ASSEMBLY_TYPES))


@dataclass(frozen=True)
class ReportFilter:
    products: frozenset[str] | None = None  # None: every product (the caller's role allows it)
    product: str = ""
    market: str = ""
    channel: str = ""
    specialty: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def as_query(self) -> dict:
        values = {
            "product": self.product,
            "market": self.market,
            "channel": self.channel,
            "specialty": self.specialty,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }
        return {key: value for key, value in values.items() if value}


def daily(report: ReportFilter) -> QuerySet:
    rows = DailyEngagement.objects.all()
    if report.products is not None:
        rows = rows.filter(product__in=report.products)
    for name in ("product", "market", "channel", "specialty"):
        if getattr(report, name):
            rows = rows.filter(**{name: getattr(report, name)})
    if report.date_from:
        rows = rows.filter(day__gte=report.date_from)
    if report.date_to:
        rows = rows.filter(day__lte=report.date_to)
    return rows


def _metric_sums() -> dict:
    sums = {}
    for key, _label, type_ in METRICS:
        if type_ is None:
            sums[key] = Sum("dwell_ms", filter=Q(type=Event.SLIDE_VIEWED), default=0)
        else:
            sums[key] = Sum("events", filter=Q(type=type_), default=0)
    return sums


def _finish(row: dict) -> dict:
    row["dwell_s"] = round((row.get("dwell_s") or 0) / 1000)
    return row


def grouped(rows: QuerySet, *keys: str) -> list[dict]:
    """The metrics summed per value of `keys`, ordered by them."""
    return [_finish(row) for row in rows.values(*keys).annotate(**_metric_sums()).order_by(*keys)]


def totals(rows: QuerySet) -> dict:
    return _finish(rows.aggregate(**_metric_sums()))


def _assembly_rows(report: ReportFilter) -> QuerySet:
    query = Q()
    for prefix in ASSEMBLY_PREFIXES:
        query |= Q(content_id__startswith=prefix)
    return daily(report).filter(query)


def assemblies_summary(report: ReportFilter) -> list[dict]:
    """One row per assembly with events: title, product, markets, and every metric."""
    rows = (
        _assembly_rows(report)
        .values("content_id")
        .annotate(title=Max("approval__object_title"), product=Max("product"), **_metric_sums())
        .order_by("-sent", "content_id")
    )
    return [_finish(row) for row in rows]


@dataclass
class Breakdown:
    """One assembly's (or module's) report: totals and the metrics by week, market, channel, specialty."""

    title: str
    totals: dict
    by_week: list[dict]
    by_market: list[dict]
    by_channel: list[dict]
    by_specialty: list[dict]
    by_slide: list[dict] = field(default_factory=list)


def assembly_breakdown(report: ReportFilter, content_id: str) -> Breakdown | None:
    rows = daily(report).filter(content_id=content_id)
    title = rows.aggregate(title=Max("approval__object_title"))["title"]
    if title is None:
        return None
    by_slide = [
        {"slide": row["slide"], "views": row["views"], "dwell_s": round(row["dwell"] / 1000)}
        for row in rows.filter(type=Event.SLIDE_VIEWED)
        .values("slide")
        .annotate(views=Sum("events"), dwell=Sum("dwell_ms"))
        .order_by("slide")
    ]
    return Breakdown(
        title=title,
        totals=totals(rows),
        by_week=grouped(rows.annotate(week=TruncWeek("day")), "week"),
        by_market=grouped(rows, "market"),
        by_channel=grouped(rows, "channel"),
        by_specialty=grouped(rows, "specialty"),
        by_slide=by_slide,
    )


# The CSV export's columns, in order: the aggregate's fields as breakdown_rows reads them.
BREAKDOWN_COLUMNS = (
    "content_id",
    "day",
    "product",
    "market",
    "channel",
    "specialty",
    "type",
    "slide",
    "events",
    "dwell_ms",
)


def breakdown_rows(report: ReportFilter, content_ids) -> QuerySet:
    """The aggregate rows behind a report, for its CSV: one per day × market × channel × specialty × type."""
    return (
        daily(report)
        .filter(content_id__in=list(content_ids))
        .order_by("content_id", "day", "market", "channel", "specialty", "type", "slide")
        .values_list(*BREAKDOWN_COLUMNS)
    )


# --- modules: reuse across assemblies, and the review time reuse saved -------------------------


@dataclass
class ModuleReuse:
    module_id: str  # <type>-<object id>, as the content API names it
    title: str
    assembly_approvals: list[int]
    assemblies: set[str] = field(default_factory=set)
    markets: set[str] = field(default_factory=set)
    assembly_reviews: int = 0  # approvals that went through Assembly review instead of full MLR
    totals: dict = field(default_factory=dict)


def _pins() -> dict[str, list]:
    """Module id → [(assembly approval, module title)] for each assembly approval pinning a revision of it."""
    through = ApprovalRecord.pinned_revisions.through
    rows = through.objects.values_list(
        "approvalrecord_id",
        "revision__content_type__model",
        "revision__object_id",
        "revision__object_str",
    )
    pins = defaultdict(list)
    for approval_id, model, object_id, title in rows:
        pins[f"{model}-{object_id}"].append((approval_id, title))
    return pins


def _review_durations() -> dict[str, list[float]]:
    """Days from submission to approval of each assembly approval, per workflow name."""
    durations = defaultdict(list)
    rows = ApprovalRecord.objects.filter(
        content_type__model__in=ASSEMBLY_TYPES, workflow_state__isnull=False
    ).values_list("workflow_state__workflow__name", "workflow_state__created_at", "approved_at")
    for name, started, approved in rows:
        durations[name].append(max((approved - started).total_seconds(), 0) / 86400)
    return durations


@dataclass
class TimeSaved:
    full_mlr_median_days: float | None
    assembly_median_days: float | None
    full_mlr_reviews: int
    assembly_reviews_measured: int

    @property
    def per_review_days(self) -> float | None:
        if self.full_mlr_median_days is None or self.assembly_median_days is None:
            return None
        return max(self.full_mlr_median_days - self.assembly_median_days, 0.0)

    def days_for(self, assembly_reviews: int) -> float | None:
        per = self.per_review_days
        return None if per is None else round(per * assembly_reviews, 1)


def time_saved_estimate() -> TimeSaved:
    """Median submission-to-approval time of assembly approvals by full MLR and by Assembly review."""
    durations = _review_durations()
    full, light = durations.get(FULL_MLR, []), durations.get(ASSEMBLY_REVIEW, [])
    return TimeSaved(
        full_mlr_median_days=round(statistics.median(full), 2) if full else None,
        assembly_median_days=round(statistics.median(light), 2) if light else None,
        full_mlr_reviews=len(full),
        assembly_reviews_measured=len(light),
    )


def modules_reuse(report: ReportFilter) -> list[ModuleReuse]:
    """Every module pinned by an approved assembly the caller may see, with its reuse and performance."""
    pins = _pins()
    approval_ids = {approval_id for entries in pins.values() for approval_id, _ in entries}
    items = PublishedItem.objects.filter(approval_id__in=approval_ids).prefetch_related("markets", "products")
    scope = {}
    for item in items:
        products = {p.code for p in item.products.all()}
        if report.products is not None and not products & report.products:
            continue
        if report.product and report.product not in products:
            continue
        scope[item.approval_id] = (item.item_id, {m.code for m in item.markets.all()})
    workflows = dict(
        ApprovalRecord.objects.filter(pk__in=scope).values_list("pk", "workflow_state__workflow__name")
    )
    sums = {
        row["approval_id"]: row
        for row in daily(report)
        .filter(approval_id__in=list(scope))
        .values("approval_id")
        .annotate(**_metric_sums())
    }
    modules = []
    for module_id, entries in sorted(pins.items()):
        visible = [(approval_id, title) for approval_id, title in entries if approval_id in scope]
        if not visible:
            continue
        reuse = ModuleReuse(
            module_id=module_id, title=visible[0][1], assembly_approvals=[a for a, _ in visible]
        )
        total = {key: 0 for key, _label, _type in METRICS}
        for approval_id, _title in visible:
            assembly_id, markets = scope[approval_id]
            reuse.assemblies.add(assembly_id)
            reuse.markets |= markets
            reuse.assembly_reviews += workflows.get(approval_id) == ASSEMBLY_REVIEW
            for key in total:
                total[key] += (sums.get(approval_id) or {}).get(key) or 0
        reuse.totals = _finish(total)
        modules.append(reuse)
    return modules


def module_contexts(report: ReportFilter, reuse: ModuleReuse) -> list[dict]:
    """The module's performance in each assembly context (assembly × market × channel)."""
    rows = (
        daily(report)
        .filter(approval_id__in=reuse.assembly_approvals)
        .values("content_id", "market", "channel")
        .annotate(title=Max("approval__object_title"), **_metric_sums())
        .order_by("content_id", "market", "channel")
    )
    return [_finish(row) for row in rows]
