"""The pure scoring of next-best-content: weights, co-engagement, popularity and the blend's reasons."""

from datetime import UTC, datetime, timedelta

import pytest

from engagement.recommend import (
    ALL_SPECIALTIES,
    CO_ENGAGED,
    MAX_ITEMS_PER_HCP,
    NEW_APPROVAL,
    POPULAR,
    Engagement,
    HcpHistory,
    co_engagement,
    engagement_weight,
    hcp_histories,
    rank,
    rank_by_popularity,
    specialty_popularity,
)

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def opened(hcp, item, minutes=0, type="opened", dwell_ms=0):
    return Engagement(hcp, item, type, T0 + timedelta(minutes=minutes), dwell_ms)


def test_weights_count_engagement_only_and_cap_dwell():
    assert engagement_weight("sent") == 0 and engagement_weight("delivered") == 0
    assert engagement_weight("unsubscribed") == 0
    assert engagement_weight("opened") == 1 and engagement_weight("clicked") == 2
    assert engagement_weight("slide_viewed", 15_000) == pytest.approx(1.5)
    assert engagement_weight("slide_viewed", 10 * 3_600_000) == pytest.approx(3.0)  # left open overnight


def test_histories_keep_sends_apart_from_engagement():
    histories = hcp_histories(
        [opened("a", "email-1", type="sent"), opened("a", "email-2"), opened("a", "email-2", 5, "clicked")]
    )
    assert histories["a"].weights == {"email-2": 3.0}
    assert histories["a"].sent == {"email-1"}


def test_co_engagement_needs_two_hcps_and_is_kept_per_specialty_and_overall():
    events = [opened(h, "edetail-1", 0) for h in ("a", "b", "c")] + [
        opened("a", "email-2", 10),
        opened("b", "email-2", 10),
        opened("c", "email-3", 10),  # one HCP only: an anecdote
    ]
    specialty_of = {"a": "cardiology", "b": "cardiology", "c": "oncology"}
    table = co_engagement(hcp_histories(events), specialty_of)
    cardiology = table["cardiology", "edetail-1"]
    assert [(n.item, n.hcps) for n in cardiology] == [("email-2", 2)]
    assert cardiology[0].score == pytest.approx(2 / (2**0.5 * 2**0.5))
    assert [n.item for n in table[ALL_SPECIALTIES, "edetail-1"]] == ["email-2"]
    assert ("oncology", "edetail-1") not in table
    assert table["cardiology", "email-2"][0].item == "edetail-1"


def test_one_hcp_adds_pairs_for_their_most_recent_items_only():
    many = [opened(h, f"email-{n}", n) for h in ("a", "b") for n in range(MAX_ITEMS_PER_HCP + 5)]
    table = co_engagement(hcp_histories(many), {})
    assert (ALL_SPECIALTIES, "email-0") not in table  # older than the newest 50
    assert (ALL_SPECIALTIES, f"email-{MAX_ITEMS_PER_HCP + 4}") in table


def test_popularity_counts_distinct_hcps_per_specialty():
    events = [opened("a", "email-1"), opened("a", "email-1", 5, "clicked"), opened("b", "email-1")]
    events += [opened("c", "email-2")]
    popular = specialty_popularity(hcp_histories(events), {"a": "cardiology", "b": "cardiology"})
    assert popular["cardiology"] == [("email-1", 2)]
    assert popular[ALL_SPECIALTIES] == [("email-1", 2), ("email-2", 1)]


def _world():
    """Cardiologists who opened the e-detail went on to the email; oncologists to another piece."""
    events = []
    for n in range(3):
        events += [opened(f"card-{n}", "edetail-1", 0), opened(f"card-{n}", "email-2", 30)]
        events += [opened(f"onc-{n}", "edetail-1", 0), opened(f"onc-{n}", "claim-9", 30)]
    specialty_of = {
        **{f"card-{n}": "cardiology" for n in range(3)},
        **{f"onc-{n}": "oncology" for n in range(3)},
    }
    histories = hcp_histories(events)
    return co_engagement(histories, specialty_of), specialty_popularity(histories, specialty_of)


def test_an_hcp_who_opened_the_edetail_is_offered_what_their_specialty_opened_next_with_why():
    neighbours, popularity = _world()
    history = hcp_histories([opened("new", "edetail-1")])["new"]
    ranked = rank(
        history=history, specialty="cardiology", neighbours=neighbours, popular=popularity["cardiology"]
    )
    best = ranked[0]
    assert best.item == "email-2"
    assert best.reason.kind == CO_ENGAGED
    assert (best.reason.via, best.reason.specialty, best.reason.hcps) == ("edetail-1", "cardiology", 3)
    assert best.reason.not_sent
    assert "edetail-1" not in [c.item for c in ranked]  # never what they already engaged with


def test_new_approval_and_popularity_reasons_for_an_hcp_without_history():
    _, popularity = _world()
    ranked = rank(
        history=HcpHistory(sent={"email-2"}),
        specialty="cardiology",
        neighbours={},
        popular=popularity["cardiology"],
        new_approvals=["invitation-5"],
    )
    reasons = {c.item: c.reason for c in ranked}
    assert reasons["invitation-5"].kind == NEW_APPROVAL
    assert reasons["edetail-1"].kind == POPULAR and reasons["edetail-1"].not_sent
    assert reasons["email-2"].kind == POPULAR and not reasons["email-2"].not_sent  # sent, never opened
    # Equally popular: the one not yet sent comes first.
    assert [c.item for c in ranked].index("edetail-1") < [c.item for c in ranked].index("email-2")


def test_popularity_baseline_skips_what_the_hcp_engaged_with():
    history = hcp_histories([opened("x", "email-1")])["x"]
    assert rank_by_popularity(history=history, popular=[("email-1", 9), ("email-2", 5)], limit=5) == [
        "email-2"
    ]
