"""Next-best-content scoring, pure Python over engagement tuples: no ORM, no Elasticsearch.

Three steps, each used both by the product (the background task and `suggest`) and by the offline
evaluation (`manage.py recommendations_eval`), so what the evaluation measures is this code:

1. `hcp_histories`: each HCP's engaged items, weighted by the kind of engagement and slide dwell.
2. `co_engagement` (Amazon's item-to-item model): for every pair of items one HCP engaged with, the
   pair gains the product of their weights; the score is that sum over HCPs divided by the norms of
   X and Y (cosine), kept for the top K neighbours of each item, within each specialty and across
   all of them. `specialty_popularity`: distinct HCPs per item. (Counting only X-before-Y pairs was
   tried: on the synthetic data it halved the evidence and lost to plain popularity.)
3. `rank`: blends what the HCP engaged with (their neighbours), their specialty's popularity, "new
   approval for this HCP's product" and "not yet sent to this HCP" into scored candidates, each with
   the reason that contributed most. Approval is not decided here: callers filter the candidates
   through the read-time approval check (engagement/suggestions.py).
"""

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

# How much each kind of engagement says about interest; sends, deliveries and unsubscribes say
# nothing about taste (an unsubscribe is consent, handled by the portal, not a dislike of one piece).
ENGAGEMENT_WEIGHTS = {"opened": 1.0, "clicked": 2.0, "slide_viewed": 1.0, "shared": 3.0, "rsvp": 3.0}
DWELL_UNIT_MS = 30_000  # every 30 s on a slide counts like one more view…
MAX_DWELL_BONUS = 2.0  # …up to two, so a slide left open overnight does not dominate
# Like Amazon's bound on a customer's history: the most recent 50 distinct items of an HCP, so one
# HCP adds at most 1,225 pairs however long their history.
MAX_ITEMS_PER_HCP = 50
TOP_K = 20
# Suggestions start from the HCP's 20 most recent items (their neighbours: at most 800 stored rows
# read per request); what they engaged with longer ago still keeps it out of the list.
SEED_ITEMS = 20
MIN_HCPS = 2  # a pair seen with one HCP only is an anecdote, not co-engagement
POPULAR_PER_SPECIALTY = 50
ALL_SPECIALTIES = ""  # the specialty key of neighbours and popularity across every specialty
NEW_APPROVAL_DAYS = 30  # an approval this recent, for a product the HCP has seen, counts as new

# The blend: co-engagement leads; popularity and new approvals fill in for HCPs with little history.
W_CO = 1.0
W_CO_ALL = 0.7  # neighbours across all specialties count less than the HCP's own specialty's
W_POPULAR = 1.0
W_NEW = 0.2
W_NOT_SENT = 0.05

CO_ENGAGED = "co_engaged"
NEW_APPROVAL = "new_approval"
POPULAR = "popular"


@dataclass(frozen=True, slots=True)
class Engagement:
    """One event as the recommender sees it: who, which content item, what, when."""

    hcp: str
    item: str
    type: str
    occurred_at: datetime
    dwell_ms: int = 0
    product: str = ""


def engagement_weight(type: str, dwell_ms: int = 0) -> float:
    """Interest shown by one event; 0 for events that are not engagement (sent, delivered…)."""
    weight = ENGAGEMENT_WEIGHTS.get(type, 0.0)
    if weight and type == "slide_viewed" and dwell_ms > 0:
        weight += min(dwell_ms / DWELL_UNIT_MS, MAX_DWELL_BONUS)
    return weight


@dataclass
class HcpHistory:
    """What one HCP engaged with (item → summed weight, first time), what they were sent, and the
    products of both ("this HCP's products")."""

    weights: dict[str, float] = field(default_factory=dict)
    first: dict[str, datetime] = field(default_factory=dict)
    sent: set[str] = field(default_factory=set)
    products: set[str] = field(default_factory=set)

    def add(self, event: Engagement) -> None:
        if event.product:
            self.products.add(event.product)
        if event.type == "sent":
            self.sent.add(event.item)
            return
        weight = engagement_weight(event.type, event.dwell_ms)
        if not weight:
            return
        self.weights[event.item] = self.weights.get(event.item, 0.0) + weight
        if event.item not in self.first or event.occurred_at < self.first[event.item]:
            self.first[event.item] = event.occurred_at

    def in_order(self, limit: int = MAX_ITEMS_PER_HCP) -> list[str]:
        """Engaged items by first engagement, the most recent `limit` of them."""
        ordered = sorted(self.first, key=lambda item: (self.first[item], item))
        return ordered[-limit:]


def hcp_histories(events: Iterable[Engagement]) -> dict[str, HcpHistory]:
    histories: dict[str, HcpHistory] = defaultdict(HcpHistory)
    for event in events:
        histories[event.hcp].add(event)
    return dict(histories)


@dataclass(frozen=True, slots=True)
class Neighbour:
    """Y as a neighbour of X: cosine score, and how many HCPs engaged with both."""

    item: str
    score: float
    hcps: int


def co_engagement(
    histories: Mapping[str, HcpHistory],
    specialty_of: Mapping[str, str],
    *,
    top_k: int = TOP_K,
    min_hcps: int = MIN_HCPS,
) -> dict[tuple[str, str], list[Neighbour]]:
    """(specialty, X) → X's top-K co-engaged items, for each specialty and for ALL_SPECIALTIES."""
    return dict(iter_co_engagement(histories, specialty_of, top_k=top_k, min_hcps=min_hcps))


def iter_co_engagement(
    histories: Mapping[str, HcpHistory],
    specialty_of: Mapping[str, str],
    *,
    top_k: int = TOP_K,
    min_hcps: int = MIN_HCPS,
) -> Iterator[tuple[tuple[str, str], list[Neighbour]]]:
    """The same, one item at a time, as in Amazon's item-to-item patent: for each item X, for each
    HCP who engaged with X, for each other item Y of that HCP, X·Y gains. Memory holds the HCPs'
    recent items and one item's counters, never every pair at once (millions at 1M events)."""
    recent = {hcp: history.in_order() for hcp, history in histories.items()}
    engaged_by: dict[str, list[str]] = defaultdict(list)
    norm: dict[tuple[str, str], float] = defaultdict(float)
    for hcp, items in recent.items():
        weights, groups = histories[hcp].weights, _groups(specialty_of, hcp)
        for item in items:
            engaged_by[item].append(hcp)
            for group in groups:
                norm[group, item] += weights[item] ** 2
    # An item fewer than `min_hcps` HCPs engaged with can be in no pair with enough support.
    eligible = {
        hcp: [item for item in items if len(engaged_by[item]) >= min_hcps] for hcp, items in recent.items()
    }
    for item, hcps in engaged_by.items():
        if len(hcps) < min_hcps:
            continue
        dots: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        supports: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for hcp in hcps:
            weights = histories[hcp].weights
            weight = weights[item]
            others = eligible[hcp]
            for group in _groups(specialty_of, hcp):
                dot, support = dots[group], supports[group]
                for other in others:
                    dot[other] += weight * weights[other]
                    support[other] += 1
        for group, dot in dots.items():
            support = supports[group]
            neighbours = [
                Neighbour(other, product / math.sqrt(norm[group, item] * norm[group, other]), support[other])
                for other, product in dot.items()
                if other != item and support[other] >= min_hcps
            ]
            if neighbours:
                yield (group, item), _top(neighbours, top_k)


def _groups(specialty_of: Mapping[str, str], hcp: str) -> tuple[str, ...]:
    specialty = specialty_of.get(hcp) or ALL_SPECIALTIES
    return (ALL_SPECIALTIES,) if specialty == ALL_SPECIALTIES else (ALL_SPECIALTIES, specialty)


def _top(neighbours: list[Neighbour], k: int) -> list[Neighbour]:
    return sorted(neighbours, key=lambda n: (-n.score, -n.hcps, n.item))[:k]


def specialty_popularity(
    histories: Mapping[str, HcpHistory],
    specialty_of: Mapping[str, str],
    *,
    top_n: int = POPULAR_PER_SPECIALTY,
) -> dict[str, list[tuple[str, int]]]:
    """Specialty (and ALL_SPECIALTIES) → its most engaged items with their count of distinct HCPs."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for hcp, history in histories.items():
        for group in _groups(specialty_of, hcp):
            counts[group].update(history.weights.keys())
    return {
        group: sorted(counter.items(), key=lambda pair: (-pair[1], pair[0]))[:top_n]
        for group, counter in counts.items()
    }


@dataclass(frozen=True)
class Reason:
    """Why an item is suggested: the strongest contribution. `via` is the HCP's item that led to it
    (co-engagement); `specialty` is where the co-engagement or popularity was seen ("" = everyone)."""

    kind: str
    not_sent: bool
    via: str | None = None
    specialty: str | None = None
    hcps: int = 0


@dataclass(frozen=True)
class Candidate:
    item: str
    score: float
    reason: Reason


@dataclass
class _Tally:
    co: float = 0.0
    co_best: float = 0.0
    via: str | None = None
    via_specialty: str | None = None
    via_hcps: int = 0
    popular: float = 0.0
    new: bool = False


def rank(
    *,
    history: HcpHistory,
    specialty: str,
    neighbours: Mapping[tuple[str, str], Sequence[Neighbour]],
    popular: Sequence[tuple[str, int]],
    new_approvals: Iterable[str] = (),
    limit: int | None = None,
) -> list[Candidate]:
    """The HCP's candidates, best first; items the HCP already engaged with are never suggested.

    `neighbours` needs entries for the HCP's SEED_ITEMS most recent items (their specialty's and
    ALL_SPECIALTIES');
    `popular` is their specialty's popularity list; `new_approvals` are items approved recently for
    a product the HCP has engaged with or been sent.
    """
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    seeds = {item: history.weights[item] for item in history.in_order(SEED_ITEMS)}
    top_weight = max(seeds.values(), default=1.0)
    groups = [(specialty, 1.0)]
    if specialty != ALL_SPECIALTIES:
        groups.append((ALL_SPECIALTIES, W_CO_ALL))
    for engaged, weight in seeds.items():
        strength = weight / top_weight
        for group, factor in groups:
            for neighbour in neighbours.get((group, engaged), ()):
                contribution = factor * strength * neighbour.score
                tally = tallies[neighbour.item]
                tally.co += contribution
                if contribution > tally.co_best:
                    tally.co_best = contribution
                    tally.via, tally.via_specialty, tally.via_hcps = engaged, group, neighbour.hcps
    most = max((count for _, count in popular), default=1)
    for item, count in popular:
        tallies[item].popular = count / most
    for item in new_approvals:
        tallies[item].new = True
    top_co = max((tally.co for tally in tallies.values()), default=0.0) or 1.0
    candidates = [
        _candidate(item, tally, history, specialty, top_co)
        for item, tally in tallies.items()
        if item not in history.weights
    ]
    candidates.sort(key=lambda c: (-c.score, c.item))
    return candidates[:limit] if limit is not None else candidates


def _candidate(item: str, tally: _Tally, history: HcpHistory, specialty: str, top_co: float) -> Candidate:
    not_sent = item not in history.sent
    contributions = {
        CO_ENGAGED: W_CO * tally.co / top_co,
        NEW_APPROVAL: W_NEW if tally.new else 0.0,
        POPULAR: W_POPULAR * tally.popular,
    }
    score = sum(contributions.values()) + (W_NOT_SENT if not_sent else 0.0)
    kind = max(contributions, key=lambda name: contributions[name])
    if kind == CO_ENGAGED:
        reason = Reason(kind, not_sent, via=tally.via, specialty=tally.via_specialty, hcps=tally.via_hcps)
    else:
        reason = Reason(kind, not_sent, specialty=specialty if kind == POPULAR else None)
    return Candidate(item, score, reason)


def rank_by_popularity(*, history: HcpHistory, popular: Sequence[tuple[str, int]], limit: int) -> list[str]:
    """The baseline the evaluation compares against: the most popular items the HCP has not engaged with."""
    return [item for item, _ in popular if item not in history.weights][:limit]
