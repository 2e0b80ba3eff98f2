"""The change feed: published/superseded/withdrawn/expired in commit order, scoped, resumable, no gaps."""

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from delivery.models import FeedEvent, PublishedItem
from review import roles
from review.models import ApprovalRecord
from review.services import approvals_expire, content_withdraw
from tests import factories


def item_id(obj) -> str:
    return f"{obj._meta.model_name}-{obj.pk}"


def all_events(api, cursor=None, limit=100):
    events = []
    while True:
        page = api.get("/api/v1/changes", {"limit": limit, **({"cursor": cursor} if cursor else {})}).json()
        events += page["events"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return events, cursor


def test_feed_has_publish_supersede_withdraw_expire_in_order_with_tombstones(
    api, taxonomy, product, market, gb_market, reference_obj
):
    claim = factories.claim(product=product, market=market, reference_obj=reference_obj)
    gb_claim = factories.claim(
        product=product, market=gb_market, reference_obj=reference_obj, statement="GB."
    )
    events, cursor = all_events(api)
    assert [(e["kind"], e["item_id"]) for e in events] == [
        ("published", item_id(reference_obj)),
        ("published", item_id(claim)),
    ]
    assert item_id(gb_claim) not in {e["item_id"] for e in events}
    # A new approved revision: the old one is superseded (a tombstone for it), the new one published.
    old_revision = claim.live_revision_id
    claim.statement = "Reduces events by 31%."
    claim.save_revision()
    factories.approve(claim)
    new, cursor = all_events(api, cursor)
    assert [(e["kind"], e["revision_id"], e["tombstone"]) for e in new] == [
        ("superseded", old_revision, True),
        ("published", claim.live_revision_id, False),
    ]
    content_withdraw(obj=claim, user=factories.reviewer(roles.REGULATORY), reason="Label change")
    withdrawn, cursor = all_events(api, cursor)
    assert [(e["kind"], e["item_id"], e["tombstone"]) for e in withdrawn] == [
        ("withdrawn", item_id(claim), True)
    ]
    ApprovalRecord.objects.filter(
        pk=ApprovalRecord.objects.current().for_object(reference_obj).get().pk
    ).update(expires_at=timezone.now())
    approvals_expire()
    expired, cursor = all_events(api, cursor)
    assert ("expired", item_id(reference_obj)) in [(e["kind"], e["item_id"]) for e in expired]
    assert all(e["job_code"] and e["occurred_at"] for e in events + new + withdrawn + expired)
    assert all_events(api, cursor)[0] == []


def test_paging_one_by_one_neither_loses_nor_repeats(api, product, market, reference_obj):
    for n in range(5):
        factories.claim(product=product, market=market, reference_obj=reference_obj, statement=f"Claim {n}.")
    one_by_one, _ = all_events(api, limit=1)
    at_once, _ = all_events(api, limit=500)
    assert [e["id"] for e in one_by_one] == [e["id"] for e in at_once]
    assert len({e["id"] for e in at_once}) == len(at_once) == 6


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "nope"}, "cursor"),
        ({"limit": "0"}, "limit"),
        ({"limit": "9999"}, "limit"),
        ({"since": "1"}, "since"),
    ],
)
def test_bad_feed_parameters_are_400_naming_them(api, params, field):
    response = api.get("/api/v1/changes", params)
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.django_db(transaction=True)
def test_an_event_committing_late_is_never_skipped(client, taxonomy, product, market):
    """Two concurrent transactions: the one that wrote first (lower pk) commits last.

    Serving by pk would hand out SECOND, move the cursor past FIRST's pk, and lose FIRST when it
    commits. The feed numbers events as they become visible, so FIRST comes after SECOND.
    """
    from delivery.services import channel_client_create

    reference = factories.reference(product=product, market=market)
    _channel, token = channel_client_create(name="Feed", market_codes=["US-en"], channel_codes=["email"])
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    _, cursor = all_events(client)
    item = PublishedItem.objects.get(item_id=item_id(reference))
    first_written, release_first = threading.Event(), threading.Event()

    def first():
        with transaction.atomic():
            FeedEvent.objects.create(kind="withdrawn", item=item, revision_id=1, job_code="FIRST")
            first_written.set()
            release_first.wait(20)
        connection.close()

    def second():
        with transaction.atomic():
            FeedEvent.objects.create(kind="expired", item=item, revision_id=2, job_code="SECOND")
        connection.close()

    slow = threading.Thread(target=first)
    slow.start()
    assert first_written.wait(20)
    quick = threading.Thread(target=second)
    quick.start()
    quick.join(20)
    # SECOND has committed, FIRST is still open (and has the lower pk).
    served_first, cursor_while_open = all_events(client, cursor)
    assert [e["job_code"] for e in served_first] == ["SECOND"]
    release_first.set()
    slow.join(20)
    assert FeedEvent.objects.get(job_code="FIRST").pk < FeedEvent.objects.get(job_code="SECOND").pk
    served_later, end = all_events(client, cursor_while_open)
    assert [e["job_code"] for e in served_later] == ["FIRST"]  # not lost behind the cursor
    assert all_events(client, end)[0] == []
    everything, _ = all_events(client, cursor)
    assert [e["job_code"] for e in everything] == ["SECOND", "FIRST"]  # commit order, each once
