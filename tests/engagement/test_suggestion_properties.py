"""Property: whatever happens — approvals, withdrawals, lapses, the expiry job, events, refreshes of the
table, index drains or none, stale or hostile table rows — no suggestion is ever withdrawn, expired,
outside the HCP's market or outside the rep's scope.

Real services against real PostgreSQL and Elasticsearch; each example runs in a transaction rolled
back at its end, on an emptied index. Sizes come from the Hypothesis profile (tests/conftest.py):
the small `ci` profile by default, `HYPOTHESIS_PROFILE=long` for a long run.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from engagement.models import CoEngagement, SpecialtyPopularity
from engagement.recommendations import recommendations_refresh
from engagement.services import record_events
from engagement.suggestions import suggest
from reps.errors import ContentUnavailable
from reps.selectors import approved_item
from review import roles
from review.models import ApprovalRecord
from review.services import approvals_expire, content_withdraw
from tests import factories
from tests.engagement.conftest import approval_of, event
from tests.reps.conftest import make_hcp, make_rep
from tests.search.conftest import sync

pytestmark = pytest.mark.elasticsearch

# (market fixture name, channels) of the items an example may approve: the first is in the rep's
# scope and the HCP's market; the others are outside one or the other.
KINDS = [("market", ("email", "edetail")), ("other_market", ("email",)), ("market", ("web",))]
PEERS = ["peer-a", "peer-b", "peer-c"]  # pseudonymous HCPs the portal does not know (count for all)

item_index = st.integers(min_value=0, max_value=7)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("approve"), st.integers(0, len(KINDS) - 1)),
        st.tuples(st.just("withdraw"), item_index),
        st.tuples(st.just("lapse"), item_index),
        st.just(("expire_job",)),
        st.tuples(
            st.just("event"),
            st.integers(0, len(PEERS)),
            item_index,
            st.sampled_from(["opened", "clicked", "sent"]),
        ),
        st.just(("refresh",)),
        st.just(("drain",)),
        st.tuples(st.just("stale_row"), item_index, item_index),
    ),
    min_size=1,
    max_size=14,
)


def empty(index) -> None:
    es = index.es
    hits = es.search(index=index.alias, size=1000, source=False)["hits"]["hits"]
    if hits:
        es.bulk(operations=[{"delete": {"_index": h["_index"], "_id": h["_id"]}} for h in hits], refresh=True)


class Example:
    def __init__(self, *, index, client, product, markets):
        self.index, self.client, self.product, self.markets = index, client, product, markets
        self.rep = make_rep("prop-rep", markets=("US-en",))
        self.hcp = make_hcp(self.rep, name="Dr Prop", email="prop@clinic.example")
        self.items = []
        self.events = 0
        self.regulatory = factories.reviewer(roles.REGULATORY)

    def key(self, obj) -> str:
        return f"textblock-{obj.pk}"

    def pick(self, n):
        return self.items[n % len(self.items)] if self.items else None

    def apply(self, op) -> None:
        name, *args = op
        if name == "approve":
            market, channels = KINDS[args[0]]
            title = f"Item {len(self.items)}"
            obj = factories.text_block(
                product=self.product, market=self.markets[market], title=title, channels=channels
            )
            self.items.append(obj)
        elif name in ("withdraw", "lapse") and (obj := self.pick(args[0])) is not None:
            approval = approval_of(obj)
            if not approval.is_in_force():
                return
            if name == "withdraw":
                content_withdraw(obj=obj, user=self.regulatory, reason="property test")
            else:
                earlier = timezone.now() - timedelta(seconds=1)
                ApprovalRecord.objects.filter(pk=approval.pk).update(expires_at=earlier)
        elif name == "expire_job":
            approvals_expire()
        elif name == "event" and (obj := self.pick(args[1])) is not None:
            self.events += 1
            who = str(self.hcp.pseudonym) if args[0] == len(PEERS) else PEERS[args[0]]
            body = event(obj, type=args[2], hcp_id=who, when=timezone.now(), event_id=f"e-{self.events}")
            record_events(client=self.client, events=[body])  # invalid ones (ended, out of scope) are refused
        elif name == "refresh":
            recommendations_refresh()
        elif name == "drain":
            sync(self.index)
        elif name == "stale_row" and self.items:
            source, target = self.key(self.pick(args[0])), self.key(self.pick(args[1]))
            for specialty in ("", "cardiology"):
                CoEngagement.objects.get_or_create(
                    specialty=specialty, item=source, neighbour=target, defaults={"score": 5.0, "hcps": 9}
                )
            SpecialtyPopularity.objects.get_or_create(
                specialty="cardiology", item=target, defaults={"hcps": 9}
            )

    def check(self) -> None:
        for suggestion in suggest(self.hcp, self.rep, 20):
            approval = ApprovalRecord.objects.get(pk=suggestion.approval_id)
            assert approval.is_in_force(), f"{approval.job_code} suggested while {approval.status}"
            try:
                item = approved_item(user=self.rep, approval_id=approval.pk)  # the portal's own check
            except ContentUnavailable as refused:
                pytest.fail(f"suggested, but the portal refuses it: {refused}")
            assert "US-en" in item.markets, f"{approval.job_code} is not for the HCP's market"


@given(ops=operations)
def test_no_suggestion_is_ever_withdrawn_expired_or_out_of_scope(
    ops, search_index, us_channel, product, market, other_market
):
    client, _ = us_channel
    with transaction.atomic():
        empty(search_index)
        example = Example(
            index=search_index,
            client=client,
            product=product,
            markets={"market": market, "other_market": other_market},
        )
        for op in [("approve", 0), ("approve", 0), *ops]:
            example.apply(op)
            example.check()
        transaction.set_rollback(True)
