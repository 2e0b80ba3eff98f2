"""A synthetic engagement world with known taste structure, for the offline evaluation (in memory only).

Each specialty prefers a few topics and products; each HCP takes their specialty's taste, adds a
personal topic and noise, and over the period engages (opens, clicks, views slides with a dwell that
grows with interest) with items drawn in proportion to exp(appeal): a Zipf-like base popularity
plus the HCP's taste for the item's topic and product. Most items are approved before the period,
the rest during it (new approvals). Reps send items too; a send is not engagement.
A recommender that learns taste should beat plain popularity here; one that does not, will not.
"""

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .recommend import Engagement

START = datetime(2026, 1, 5, tzinfo=UTC)
TOPIC_TASTE = 2.0  # appeal added by a preferred topic (exp(2) ≈ 7× as likely)
PRODUCT_TASTE = 1.0
PERSONAL_TASTE = 1.5
TASTE_NOISE = 0.5
POPULARITY_SPREAD = 1.0
NEW_ITEM_SHARE = 0.2
SEND_SHARE = 0.4


@dataclass(frozen=True)
class SyntheticSizes:
    hcps: int = 400
    items: int = 300
    specialties: int = 6
    products: int = 8
    topics: int = 12
    days: int = 60
    events_per_hcp: int = 24  # engagements per HCP over the period, on average


@dataclass(frozen=True)
class SyntheticItem:
    item: str
    product: str
    topic: str
    approved_at: datetime


@dataclass
class SyntheticWorld:
    sizes: SyntheticSizes
    seed: int
    start: datetime
    end: datetime
    items: dict[str, SyntheticItem]
    specialty_of: dict[str, str]
    events: list[Engagement]

    def products_of(self, items) -> set[str]:
        return {self.items[item].product for item in items if item in self.items}


def synthetic_world(sizes: SyntheticSizes, *, seed: int) -> SyntheticWorld:
    rng = random.Random(seed)
    start, end = START, START + timedelta(days=sizes.days)
    specialties = [f"specialty-{n}" for n in range(sizes.specialties)]
    products = [f"product-{n}" for n in range(sizes.products)]
    topics = [f"topic-{n}" for n in range(sizes.topics)]
    liked_topics = {s: set(rng.sample(topics, min(3, len(topics)))) for s in specialties}
    liked_products = {s: set(rng.sample(products, min(2, len(products)))) for s in specialties}
    items = {}
    for n in range(sizes.items):
        approved_at = start - timedelta(days=rng.uniform(1, 365))
        if rng.random() < NEW_ITEM_SHARE:
            approved_at = start + timedelta(days=rng.uniform(0, sizes.days))
        items[f"item-{n}"] = SyntheticItem(f"item-{n}", rng.choice(products), rng.choice(topics), approved_at)
    base = {
        item: -POPULARITY_SPREAD * math.log(rank + 1)
        for rank, item in enumerate(rng.sample(list(items), len(items)))
    }
    specialty_of, events = {}, []
    for h in range(sizes.hcps):
        hcp = f"hcp-{h}"
        specialty = specialty_of[hcp] = rng.choice(specialties)
        personal = rng.choice(topics)
        topic_taste = {
            t: TOPIC_TASTE * (t in liked_topics[specialty])
            + PERSONAL_TASTE * (t == personal)
            + rng.gauss(0, TASTE_NOISE)
            for t in topics
        }
        appeal = {
            item: base[item]
            + topic_taste[meta.topic]
            + PRODUCT_TASTE * (meta.product in liked_products[specialty])
            for item, meta in items.items()
        }
        likelihood = {item: math.exp(value) for item, value in appeal.items()}
        count = max(1, round(rng.expovariate(1 / sizes.events_per_hcp)))
        times = sorted(start + timedelta(seconds=rng.uniform(0, sizes.days * 86400)) for _ in range(count))
        for at in times:
            events.extend(_engagement(rng, hcp, at, items, appeal, likelihood))
    events.sort(key=lambda e: (e.occurred_at, e.hcp, e.item, e.type))
    return SyntheticWorld(sizes, seed, start, end, items, specialty_of, events)


def _engagement(rng, hcp, at, items, appeal, likelihood) -> list[Engagement]:
    available = [item for item, meta in items.items() if meta.approved_at <= at]
    if not available:
        return []
    weights = [likelihood[item] for item in available]
    item = rng.choices(available, weights)[0]
    events = []
    if rng.random() < SEND_SHARE:
        events.append(Engagement(hcp, item, "sent", at - timedelta(hours=1)))
    events.append(Engagement(hcp, item, "opened", at))
    interest = appeal[item]
    if rng.random() < 0.5:
        events.append(Engagement(hcp, item, "clicked", at + timedelta(minutes=1)))
    if rng.random() < 0.5:
        dwell = int(max(1000, rng.gauss(20_000 + 10_000 * interest, 5_000)))
        events.append(Engagement(hcp, item, "slide_viewed", at + timedelta(minutes=2), dwell_ms=dwell))
    return events
