"""Offline evaluation of next-best-content: train on all but the last month, replay the last month.

Runs the product's own scoring (engagement/recommend.py: histories, co-engagement, popularity, the
blend) in memory over a synthetic world; nothing is read from or written to the database.
The table is trained once on the events before the cut, as the periodic task would have left it;
the held-out month is then replayed a week at a time: at each week's start every HCP's history holds
all their events so far (the product reads it live), and a suggestion list of K items hits when the
HCP engages with one of them, for the first time, during that week. The popularity baseline lists
the most engaged items overall that the HCP has not engaged with.
"""

import time
from dataclasses import dataclass, field
from datetime import timedelta

from .recommend import (
    ALL_SPECIALTIES,
    NEW_APPROVAL_DAYS,
    HcpHistory,
    co_engagement,
    hcp_histories,
    rank,
    rank_by_popularity,
    specialty_popularity,
)
from .synthetic import SyntheticWorld

HOLDOUT_DAYS = 30
STEP_DAYS = 7


@dataclass
class Score:
    """Hit-rate@K over the replayed HCP-weeks and catalogue coverage of everything listed."""

    hits: int = 0
    lists: int = 0
    listed: set[str] = field(default_factory=set)

    def record(self, suggested: list[str], engaged: set[str]) -> None:
        self.lists += 1
        self.hits += bool(engaged.intersection(suggested))
        self.listed.update(suggested)

    @property
    def hit_rate(self) -> float:
        return self.hits / self.lists if self.lists else 0.0

    def coverage(self, catalogue: int) -> float:
        return len(self.listed) / catalogue if catalogue else 0.0


@dataclass
class EvaluationReport:
    k: int
    train_events: int
    holdout_events: int
    catalogue: int
    recommender: Score
    baseline: Score
    seconds: dict[str, float]


def evaluate(world: SyntheticWorld, *, k: int = 5) -> EvaluationReport:
    cut = world.end - timedelta(days=HOLDOUT_DAYS)
    train = [e for e in world.events if e.occurred_at < cut]
    held_out = [e for e in world.events if e.occurred_at >= cut]
    started = time.perf_counter()
    histories = hcp_histories(train)
    neighbours = co_engagement(histories, world.specialty_of)
    popularity = specialty_popularity(histories, world.specialty_of)
    trained = time.perf_counter()
    recommender, baseline = Score(), Score()
    step_start, position = cut, 0
    while step_start < world.end:
        step_end = min(step_start + timedelta(days=STEP_DAYS), world.end)
        week = []
        while position < len(held_out) and held_out[position].occurred_at < step_end:
            week.append(held_out[position])
            position += 1
        _replay_week(world, histories, week, neighbours, popularity, step_start, k, recommender, baseline)
        step_start = step_end
    catalogue = sum(1 for item in world.items.values() if item.approved_at < world.end)
    return EvaluationReport(
        k=k,
        train_events=len(train),
        holdout_events=len(held_out),
        catalogue=catalogue,
        recommender=recommender,
        baseline=baseline,
        seconds={"train": trained - started, "replay": time.perf_counter() - trained},
    )


def _replay_week(world, histories, week, neighbours, popularity, now, k, recommender, baseline) -> None:
    """Suggest for every HCP who engages with something new this week, then add the week to history."""
    firsts: dict[str, set[str]] = {}
    for event in week:
        history = histories.get(event.hcp)
        if event.type != "sent" and (history is None or event.item not in history.weights):
            firsts.setdefault(event.hcp, set()).add(event.item)
    in_force = {item for item, meta in world.items.items() if meta.approved_at <= now}
    for hcp, engaged in sorted(firsts.items()):
        history = histories.get(hcp) or HcpHistory()
        specialty = world.specialty_of.get(hcp, ALL_SPECIALTIES)
        candidates = rank(
            history=history,
            specialty=specialty,
            neighbours=neighbours,
            popular=popularity.get(specialty) or popularity.get(ALL_SPECIALTIES, []),
            new_approvals=_new_approvals(world, history, now),
        )
        # The stand-in for the read-time approval check: only items approved by now.
        suggested = [c.item for c in candidates if c.item in in_force][:k]
        recommender.record(suggested, engaged)
        popular = [(item, n) for item, n in popularity.get(ALL_SPECIALTIES, []) if item in in_force]
        baseline.record(rank_by_popularity(history=history, popular=popular, limit=k), engaged)
    for event in week:
        histories.setdefault(event.hcp, HcpHistory()).add(event)


def _new_approvals(world: SyntheticWorld, history: HcpHistory, now) -> list[str]:
    products = world.products_of(set(history.weights) | history.sent)
    since = now - timedelta(days=NEW_APPROVAL_DAYS)
    return [
        item
        for item, meta in world.items.items()
        if meta.product in products and since < meta.approved_at <= now
    ]
