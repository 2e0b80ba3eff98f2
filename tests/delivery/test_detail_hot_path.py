"""The detail request's hot path: one query, and caches that never outlive a change.

The token with its client and the item's in-force approval are read on every request, in one
statement; the client's scope is cached under its scope version and the item's JSON per approval.
Each test warms those caches first, then changes something and checks the very next request.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from delivery import selectors
from delivery.models import ChannelClient, ChannelToken, PublishedItem, token_digest
from delivery.services import channel_token_revoke, channel_token_rotate
from modules.models import Audience, Channel, Market
from review import roles
from review.models import ApprovalRecord
from review.services import content_withdraw
from tests import factories


def detail_url(obj) -> str:
    return f"/api/v1/content/{obj._meta.model_name}-{obj.pk}"


@pytest.fixture
def warm(api, us_email):
    """The US client has pulled the email twice: its scope and the item's JSON are cached."""
    for _ in range(2):
        assert api.get(detail_url(us_email)).status_code == 200
    return api


def test_a_detail_request_costs_one_query_however_big_the_item(
    warm, us_email, product, market, reference_obj
):
    # The token with its client and "is this approval in force" (promise 1, asked every time).
    with CaptureQueriesContext(connection) as queries:
        response = warm.get(detail_url(us_email))
    assert response.status_code == 200
    assert len(queries) == 1, [q["sql"][:120] for q in queries]
    sql = queries[0]["sql"]
    assert "delivery_channeltoken" in sql and "review_approvalrecord" in sql
    # A bigger item (more modules) costs the same once its JSON is stored.
    claims = [factories.claim(product=product, market=market, reference_obj=reference_obj) for _ in range(4)]
    bigger = factories.email(
        product=product, market=market, modules=[*claims, factories.safety(product=product, market=market)]
    )
    factories.approve(bigger)
    assert warm.get(detail_url(bigger)).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert warm.get(detail_url(bigger)).status_code == 200
    assert len(queries) == 1, [q["sql"][:120] for q in queries]


def test_withdrawal_and_expiry_take_effect_on_the_next_request(warm, us_email, product, market):
    content_withdraw(obj=us_email, user=factories.reviewer(roles.REGULATORY), reason="Label change")
    assert warm.get(detail_url(us_email)).status_code == 404
    other = factories.email(
        product=product, market=market, modules=[factories.safety(product=product, market=market)]
    )
    factories.approve(other)
    assert warm.get(detail_url(other)).status_code == 200
    ApprovalRecord.objects.in_force().for_object(other).update(expires_at=timezone.now())
    assert warm.get(detail_url(other)).status_code == 404


def test_the_prepared_statement_answers_like_the_orm(warm, us_client, us_email):
    """Outside query capture the read runs as a prepared statement; it must see what the ORM sees."""
    channel, raw = us_client
    assert not connection.queries_logged  # so the prepared statement runs, not Django's cursor
    token, found = selectors.usable_token(
        digest=token_digest(raw), now=timezone.now(), item_id=f"email-{us_email.pk}"
    )
    assert token.pk == channel.tokens.get().pk and token.client.name == channel.name
    assert token.client.scope_version == ChannelClient.objects.get(pk=channel.pk).scope_version
    approval = ApprovalRecord.objects.in_force().for_object(us_email).get()
    assert found == {f"email-{us_email.pk}": PublishedItem.objects.get(approval=approval).pk}
    assert selectors.usable_token(digest=token_digest(raw), now=timezone.now(), item_id="email-0")[1] == {
        "email-0": None
    }
    assert selectors.usable_token(digest=token_digest("not a token"), now=timezone.now()) == (None, {})
    channel_token_revoke(token=channel.tokens.get())
    assert selectors.usable_token(digest=token_digest(raw), now=timezone.now())[0] is None


def test_stored_detail_is_the_payload_and_hashes_like_before(warm, us_email):
    first, again = warm.get(detail_url(us_email)), warm.get(detail_url(us_email))
    assert first.content == again.content
    assert first["Content-Type"] == "application/json"
    assert first["Cache-Control"] == "private, no-store"
    body = json.loads(first.content)
    assert body["id"] == f"email-{us_email.pk}" and body["canonical_content"]


def test_revoke_takes_effect_on_the_next_request(warm, us_client, us_email):
    channel, _raw = us_client
    channel_token_revoke(token=channel.tokens.get())
    response = warm.get(detail_url(us_email))
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


def test_rotation_and_expiry_take_effect_on_the_next_request(warm, client, us_client, us_email, settings):
    channel, _raw = us_client
    new, new_raw = channel_token_rotate(token=channel.tokens.get())
    assert client.get(detail_url(us_email), HTTP_AUTHORIZATION=f"Bearer {new_raw}").status_code == 200
    assert warm.get(detail_url(us_email)).status_code == 200  # the old one, within its grace period
    ChannelToken.objects.filter(pk=channel.tokens.exclude(pk=new.pk).get().pk).update(
        expires_at=timezone.now()
    )
    assert warm.get(detail_url(us_email)).status_code == 401
    assert client.get(detail_url(us_email), HTTP_AUTHORIZATION=f"Bearer {new_raw}").status_code == 200


def test_deactivating_the_client_in_the_admin_refuses_the_next_request(
    warm, us_client, us_email, admin_client
):
    channel, _raw = us_client
    form = {
        "name": channel.name,
        "markets": [m.pk for m in channel.markets.all()],
        "channels": [c.pk for c in channel.channels.all()],
        "audiences": [],
    }  # "active" unticked
    response = admin_client.post(f"/admin/delivery_channelclient/edit/{channel.pk}/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not ChannelClient.objects.get(pk=channel.pk).active
    assert warm.get(detail_url(us_email)).status_code == 401


def test_a_scope_change_in_the_admin_applies_to_the_next_request(
    warm, us_client, us_email, gb_market, admin_client
):
    channel, _raw = us_client
    form = {
        "name": channel.name,
        "markets": [gb_market.pk],  # US-en taken away
        "channels": [c.pk for c in channel.channels.all()],
        "audiences": [],
        "active": "on",
    }
    assert admin_client.post(f"/admin/delivery_channelclient/edit/{channel.pk}/", form).status_code == 302
    assert warm.get(detail_url(us_email)).status_code == 404
    assert warm.get("/api/v1/content").json()["results"] == []
    # And given back through the ORM (a script, the shell): the next request sees it again.
    channel.markets.add(Market.objects.get(code="US-en"))
    assert warm.get(detail_url(us_email)).status_code == 200


@pytest.mark.parametrize("relation", ["channels", "audiences"])
def test_narrowing_channels_or_audiences_applies_to_the_next_request(warm, us_client, us_email, relation):
    channel, _raw = us_client
    if relation == "channels":
        channel.channels.set(Channel.objects.filter(code="web"))
    else:
        channel.audiences.set(Audience.objects.filter(code="patient"))  # the email is not for patients
    assert warm.get(detail_url(us_email)).status_code == 404
    assert warm.get("/api/v1/content").json()["results"] == []


def test_renaming_a_market_code_reaches_cached_scopes(warm, us_email, market):
    assert warm.get("/api/v1/content", {"market": "US-en"}).json()["results"]
    market.code = "US-EN2"
    market.save()
    listed = warm.get("/api/v1/content", {"market": "US-EN2"})
    assert listed.status_code == 200, listed.content
    assert f"email-{us_email.pk}" in [item["id"] for item in listed.json()["results"]]
    assert warm.get(detail_url(us_email)).status_code == 200


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/json, text/plain;q=0.5"])
def test_json_is_served_to_whoever_accepts_it(warm, us_email, accept):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = warm.get(detail_url(us_email), **headers)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"


def test_an_accept_header_without_json_is_refused_with_406(warm, us_email):
    response = warm.get(detail_url(us_email), HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    assert "Accept" in response.json()["detail"]


def test_a_parameter_on_one_item_is_named_in_a_400(warm, us_email):
    response = warm.get(detail_url(us_email), {"fields": "title"})
    assert response.status_code == 400 and "fields" in response.json()


def test_a_pull_read_fresh_is_answered_without_drf_and_exactly_as_the_view_answers_it(
    warm, us_client, us_email, monkeypatch
):
    """With nothing remembered (the test settings keep the read cache off, as an entry that came of
    age is), the pull is still answered before DRF: one statement, the view's status, body and headers."""
    from django.test import RequestFactory

    from delivery.api.remembered import remembered_detail
    from delivery.api.views import JSON_CACHE_CONTROL, ContentDetailView

    _channel, raw = us_client
    item_id = f"email-{us_email.pk}"
    request = RequestFactory().get(detail_url(us_email), HTTP_AUTHORIZATION=f"Bearer {raw}")
    with CaptureQueriesContext(connection) as queries:
        fast = remembered_detail(request, item_id, cache_control=JSON_CACHE_CONTROL)
    assert fast is not None and len(queries) == 1
    drf = ContentDetailView.as_view()(request, item_id=item_id)
    assert (fast.status_code, fast.content) == (drf.status_code, drf.content)
    assert dict(fast.items()) == dict(drf.items())
    # Through the whole stack, DRF's dispatch is not reached.
    dispatched = []
    monkeypatch.setattr(ContentDetailView, "initial", lambda *args, **kwargs: dispatched.append(args))
    assert warm.get(detail_url(us_email)).status_code == 200 and dispatched == []
    # A refusal is still the view's own: withdrawn → the view's 404.
    content_withdraw(obj=us_email, user=factories.reviewer(roles.REGULATORY), reason="Label change")
    assert remembered_detail(request, item_id, cache_control=JSON_CACHE_CONTROL) is None
    assert warm.get(detail_url(us_email)).status_code == 404


def test_a_pull_of_a_withdrawn_item_counts_once_against_the_rate_limit(warm, us_email, settings):
    """The fast path reads the item before the throttle, so a 404 is counted by the view alone."""
    from django.core.cache import caches

    content_withdraw(obj=us_email, user=factories.reviewer(roles.REGULATORY), reason="Label change")
    settings.DELIVERY_RATE_LIMIT = "3/min"
    caches["throttle"].clear()
    assert [warm.get(detail_url(us_email)).status_code for _ in range(4)] == [404, 404, 404, 429]
