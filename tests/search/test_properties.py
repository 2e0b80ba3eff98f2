"""Property: whatever happens to content, search never returns anything not live, approved and unexpired."""

import sys
import time

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from modules.models import TextBlock
from review import roles
from review.errors import ReviewError
from review.models import ApprovalRecord
from review.services import approvals_expire, content_withdraw, review_submit
from search.drift import search_drift
from search.indexing import outbox_drain
from search.rebuild import search_index_rebuild
from tests import factories

pytestmark = pytest.mark.elasticsearch

ITEMS = 3
OPERATIONS = ["create", "edit", "submit", "approve", "withdraw", "lapse", "expire", "drain", "reindex"]
# Examples and their lengths come from the Hypothesis profile (tests/conftest.py): the `long` one runs
# 270 examples of 20-60 operations (about 10,800 operations, bench/RESULTS.md).
MIN_STEPS, MAX_STEPS = (20, 60) if settings.get_current_profile_name() == "long" else (1, 12)
steps = st.lists(
    st.tuples(st.sampled_from(OPERATIONS), st.integers(0, ITEMS - 1)), min_size=MIN_STEPS, max_size=MAX_STEPS
)


class Rollback(Exception):
    pass


def _apply(operation: str, slot: int, items: list, *, product, market) -> None:
    obj = items[slot] if slot < len(items) else None
    if operation == "create" or obj is None:
        items.append(
            factories.text_block(product=product, market=market, publish=False, title=f"Leaflet {slot}")
        )
        return
    obj = TextBlock.objects.get(pk=obj.pk)
    try:
        if operation == "edit":
            obj.body = f"<p>Edited at {timezone.now().isoformat()}</p>"
            obj.save_revision(user=None)
        elif operation == "submit" and obj.current_workflow_state is None:
            review_submit(obj=obj, user=None)
        elif operation == "approve":
            if obj.current_workflow_state is None:
                review_submit(obj=obj, user=None)
            factories.sign_all(obj)
        elif operation == "withdraw":
            content_withdraw(obj=obj, user=factories.reviewer(roles.REGULATORY), reason="Property test")
        elif operation == "lapse":
            # Time passes: the approval's date is reached before the expiry job has run.
            ApprovalRecord.objects.for_object(obj).filter(status=ApprovalRecord.APPROVED).update(
                expires_at=timezone.now()
            )
        elif operation == "expire":
            approvals_expire()
        elif operation == "drain":
            outbox_drain()
        elif operation == "reindex":
            search_index_rebuild()
    except ReviewError:
        pass  # the workflow refused the step (nothing to withdraw, already in review…): a legal outcome


def _assert_only_live_approved_content(admin_client, search_index) -> None:
    search_index.refresh()
    response = admin_client.get("/api/v1/search", {"page_size": 100})
    assert response.status_code == 200, response.content
    now = timezone.now()
    for result in response.json()["results"]:
        record = ApprovalRecord.objects.get(pk=result["id"])
        assert record.status == ApprovalRecord.APPROVED and record.expires_at > now, record
        assert record.revision_id == result["revision_id"]
        obj = TextBlock.objects.get(pk=record.object_id)
        assert obj.live and obj.live_revision_id == record.revision_id


def test_search_only_returns_live_approved_unexpired_content(
    search_index,
    search_api_unthrottled,
    admin_client,
    product,
    market,
    django_capture_on_commit_callbacks,
    capsys,
):
    operations = []

    @given(steps=steps)
    def run(steps):
        operations.append(len(steps))
        search_index.drop_all()
        search_index.setup()
        try:
            with transaction.atomic():
                items: list = []
                for operation, slot in steps:
                    # Half the time the outbox task runs on commit, half the time the index lags.
                    with django_capture_on_commit_callbacks(execute=slot % 2 == 0):
                        _apply(operation, slot, items, product=product, market=market)
                    _assert_only_live_approved_content(admin_client, search_index)
                # Once the daily expiry job has run and the outbox is drained, the index matches the
                # database (a lapsed approval stays in the index, filtered out at read time, until then).
                approvals_expire()
                outbox_drain()
                search_index.refresh()
                assert search_drift().clean
                raise Rollback
        except Rollback:
            pass
        if len(operations) % 10 == 0:  # progress of a long run (on the real stdout: capsys would hold it)
            print(
                f"search: {len(operations)} examples, {sum(operations)} operations",
                file=sys.__stdout__,
                flush=True,
            )

    run()
    with capsys.disabled():
        print(f"\nsearch property: {len(operations)} examples, {sum(operations)} operations")


def test_the_property_check_is_not_throttled_after_a_fast_stretch(
    search_index, search_api_unthrottled, admin_client
):
    """The long run failed with HTTP 429 when cheap operations made over 600 searches in a minute."""
    now = time.time()
    cache.set(f"throttle_search_user-{admin_client.session['_auth_user_id']}", [now] * 600, 60)
    _assert_only_live_approved_content(admin_client, search_index)
