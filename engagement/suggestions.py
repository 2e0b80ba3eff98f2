"""Next-best-content for a rep and a chosen HCP: read the stored tables, blend, then check every
suggestion with the read-time approval check search uses.

`suggest` reads the HCP's own events live, the neighbours of what they engaged with and their
specialty's popularity from the tables the background task keeps (engagement/recommendations.py),
and recent approvals for the products they have seen; `recommend.rank` blends them. The candidates
then go through `search.selectors.approved_items`, the search page's own filters (approved, in force,
unexpired, the rep's markets and channels, the HCP's market) and its database check, so a stale
table, a lagging index or a withdrawal a second ago never puts withdrawn, expired or out-of-scope
content in front of a rep.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from modules.models import Product
from reps.errors import ContentUnavailable
from reps.models import HCP
from reps.selectors import hcp_for, rep_access
from search.access import SearchAccess
from search.selectors import RecentRequest, SearchHit, approved_items

from .models import Event
from .recommend import (
    ALL_SPECIALTIES,
    CO_ENGAGED,
    NEW_APPROVAL,
    NEW_APPROVAL_DAYS,
    SEED_ITEMS,
    HcpHistory,
    Neighbour,
    Reason,
    rank,
)
from .recommendation_models import CoEngagement, SpecialtyPopularity
from .recommendations import engagements

MAX_LIMIT = 20
CHECK_WINDOW = 50  # candidates checked per request: more than enough for a stale table's losses
RECENT_APPROVALS = 20


@dataclass(frozen=True)
class Suggestion:
    """One approved item to show next, exactly as search would show it, with why."""

    item: str
    hit: SearchHit
    reason: SafeString
    score: float

    @property
    def approval_id(self) -> int:
        return self.hit.approval_id


def item_key(item: str) -> tuple[str, str] | None:
    """A content id as the content API gives it ("email-42") → (type, object id)."""
    type_, _, object_id = item.partition("-")
    return (type_, object_id) if type_ and object_id else None


def item_of(hit: SearchHit) -> str:
    return f"{hit.type}-{hit.object_id}"


def hcp_history(hcp: HCP, *, now) -> HcpHistory:
    """What this HCP engaged with and was sent (channels' events and the portal's own sends alike)."""
    pseudonym = hcp.pseudonym
    spellings = {str(pseudonym), str(pseudonym).upper(), pseudonym.hex, pseudonym.hex.upper()}
    history = HcpHistory()
    since = now - timedelta(days=settings.RECOMMENDATIONS_WINDOW_DAYS)
    events = Event.objects.filter(hcp_id__in=spellings, occurred_at__gte=since, occurred_at__lte=now)
    for engagement in engagements(events, stream=False):
        history.add(engagement)
    return history


def _neighbours(specialty: str, items) -> dict[tuple[str, str], list[Neighbour]]:
    rows = CoEngagement.objects.filter(specialty__in={specialty, ALL_SPECIALTIES}, item__in=list(items))
    found: dict[tuple[str, str], list[Neighbour]] = {}
    for group, item, neighbour, score, hcps in rows.values_list(
        "specialty", "item", "neighbour", "score", "hcps"
    ).order_by():
        found.setdefault((group, item), []).append(Neighbour(neighbour, score, hcps))
    return found


def _popular(specialty: str) -> tuple[str, list[tuple[str, int]]]:
    """The specialty's popularity list, or everyone's when the specialty has none yet."""
    for group in (specialty, ALL_SPECIALTIES):
        rows = SpecialtyPopularity.objects.filter(specialty=group).order_by("-hcps", "item")
        popular = list(rows.values_list("item", "hcps"))
        if popular:
            return group, popular
    return ALL_SPECIALTIES, []


def _keys(items) -> list[tuple[str, str]]:
    return [key for key in map(item_key, items) if key is not None]


def suggest(
    hcp: HCP, rep, limit: int = 5, *, now=None, access: SearchAccess | None = None
) -> list[Suggestion]:
    """Up to `limit` approved items for this rep to use next with this HCP, best first.

    `access`: the rep's access when the caller has it already (it is the rep's own, see rep_access).
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}; got {limit}.")
    access = access or rep_access(rep)
    if hcp_for(rep, hcp.pk) is None:
        raise ContentUnavailable("This HCP is not in your territory.")
    now = now or timezone.now()
    market, specialty = hcp.market.code, hcp.specialty.code
    history = hcp_history(hcp, now=now)
    popular_group, popular = _popular(specialty)
    neighbours = _neighbours(specialty, history.in_order(SEED_ITEMS))
    pool = rank(
        history=history, specialty=specialty, neighbours=neighbours, popular=popular, limit=CHECK_WINDOW
    )
    vias = sorted({c.reason.via for c in pool if c.reason.via})
    # One round trip checks the pool and the HCP's items the reasons name, and finds recent approvals
    # for their products (already checked the same way).
    since = now - timedelta(days=NEW_APPROVAL_DAYS)
    found = approved_items(
        items=_keys([c.item for c in pool] + vias),
        access=access,
        market=market,
        recent=RecentRequest(since=since, products=frozenset(history.products), size=RECENT_APPROVALS),
        now=now,
    )
    approved = {item_of(hit): hit for hit in found.items + found.recent}
    candidates = rank(
        history=history,
        specialty=specialty,
        neighbours=neighbours,
        popular=popular,
        new_approvals=[item_of(hit) for hit in found.recent],
    )
    # A new approval only raises an item's score, so every candidate that can make the list is in the
    # checked pool or among the recent approvals; anything else is left out, never shown unchecked.
    chosen = [c for c in candidates if c.item in approved][:limit]
    names = _Names(hcp=hcp, popular_group=popular_group, approved=approved, products=history.products)
    return [
        Suggestion(c.item, approved[c.item], names.reason(c.reason, approved[c.item]), c.score)
        for c in chosen
    ]


@dataclass
class _Names:
    """Turns a Reason into the rep's one line, with titles and names (titles from search, already escaped)."""

    hcp: HCP
    popular_group: str
    approved: dict[str, SearchHit]
    products: set[str]
    _brands: dict[str, str] | None = None

    def brands(self, codes) -> str:
        if self._brands is None:  # one query, and only when a reason names a product
            self._brands = dict(
                Product.objects.filter(code__in=self.products).values_list("code", "brand_name")
            )
        return ", ".join(self._brands[code] for code in sorted(codes) if code in self._brands)

    def who(self, group: str | None) -> str:
        return f"HCPs in {self.hcp.specialty.name}" if group else "HCPs"

    def reason(self, reason: Reason, hit: SearchHit) -> SafeString:
        title = mark_safe(hit.title)  # noqa: S308 - search escapes titles (search/selectors.py `_hit`)
        if reason.kind == CO_ENGAGED:
            via = self.approved.get(reason.via or "")
            if via is None:  # what they engaged with is no longer approved: do not name it
                return format_html("{} with a similar history opened {}", self.who(reason.specialty), title)
            return format_html(
                "{} who viewed {} also opened {}", self.who(reason.specialty), mark_safe(via.title), title
            )
        if reason.kind == NEW_APPROVAL:
            brands = self.brands(self.products.intersection(hit.products))
            return format_html("New approval for this HCP's product{}", f" ({brands})" if brands else "")
        popular = f"popular with {self.who(self.popular_group)}"
        if reason.not_sent:
            return format_html("Not yet sent to this HCP; {}", popular)
        return format_html("{}", popular[0].upper() + popular[1:])
