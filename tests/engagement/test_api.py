"""POST /api/v1/events through the real stack: per-event results, replays, and every refusal."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from delivery.services import channel_client_create
from engagement.models import Event
from review import roles
from review.services import content_withdraw
from tests import factories
from tests.engagement.conftest import approval_of, backdated, event

URL = "/api/v1/events"


def post(api, body, **extra):
    raw = body if isinstance(body, bytes | str) else json.dumps(body)
    return api.post(URL, data=raw, content_type=extra.pop("content_type", "application/json"), **extra)


def test_the_url_is_the_documented_one():
    assert reverse("engagement_api:events") == URL


def gb_email(product):
    gb = factories.MarketFactory(code="GB-en", name="United Kingdom")
    reference = factories.reference(product=product, market=gb)
    claim = factories.claim(product=product, market=gb, reference_obj=reference)
    email = factories.email(
        product=product, market=gb, modules=[claim, factories.safety(product=product, market=gb)]
    )
    factories.approve(email)
    return backdated(email)


def test_mixed_batch_stores_the_valid_events_and_says_why_each_other_was_not(
    api, us_email, cardiologist, product
):
    outside = gb_email(product)
    now = datetime.now(UTC)
    batch = [
        event(us_email, 1, type="sent", hcp_id=str(cardiologist.pseudonym)),  # stored
        event(us_email, 2, type="slide_viewed", channel="edetail"),  # no slide / dwell, wrong channel
        event(us_email, 3, content_id="email-999999"),  # unknown asset
        event(us_email, 4, revision_id=approval_of(us_email).revision_id + 1000),  # revision never approved
        event(us_email, 5, channel="web"),  # channel outside the client's scope
        event(us_email, 6, when=now + timedelta(hours=1)),  # in the future
        event(us_email, 7, when=now - timedelta(days=400)),  # absurdly old
        event(us_email, 8, type="teleported"),  # bad type
        event(us_email, 1, type="opened"),  # event_id repeated in the batch
        event(us_email, 9, type="clicked", attributes={"url": "https://example.com/x"}),  # stored
        event(outside, 10),  # approved, but for a market outside the client's scope
        "not an object",
    ]
    response = post(api, {"events": batch})
    assert response.status_code == 200, response.content
    body = response.json()
    statuses = [r["status"] for r in body["results"]]
    assert statuses == [
        "stored",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "duplicate",
        "stored",
        "rejected",
        "rejected",
    ]
    errors = [r["errors"] for r in body["results"]]
    assert set(errors[1]) == {"slide", "dwell_ms"}
    assert errors[2] == {"content_id": "No approved content is called email-999999."}
    assert "never approved" in errors[3]["revision_id"]
    assert errors[4] == {"channel": "Channel web is outside your scope."}
    assert errors[5] == {"occurred_at": "This time is in the future."}
    assert "older than 90 days" in errors[6]["occurred_at"]
    assert "Unknown type" in errors[7]["type"]
    assert errors[8] == {"event_id": "Repeated in this batch."}
    assert "not approved for your scope" in errors[10]["content_id"]
    assert errors[11] == {"event": "Each event must be a JSON object."}
    assert (body["stored"], body["duplicates"], body["rejected"]) == (2, 1, 9)
    assert sorted(Event.objects.values_list("event_id", flat=True)) == ["evt-1", "evt-9"]
    assert Event.objects.get(event_id="evt-9").attributes == {"url": "https://example.com/x"}


def test_a_replayed_batch_stores_nothing_new_and_reports_duplicates(api, us_email):
    batch = {"events": [event(us_email, n) for n in range(1, 6)]}
    first = post(api, batch).json()
    assert first["stored"] == 5
    again = post(api, batch).json()
    assert (again["stored"], again["duplicates"]) == (0, 5)
    assert {r["errors"]["event_id"] for r in again["results"]} == {"Already received; not stored again."}
    assert Event.objects.count() == 5


def test_event_ids_are_per_client(api, client, us_email, us_channel):
    other, token = channel_client_create(
        name="Other platform", market_codes=["US-en"], channel_codes=["email"]
    )
    assert post(api, {"events": [event(us_email, 1)]}).json()["stored"] == 1
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert post(client, {"events": [event(us_email, 1)]}).json()["stored"] == 1
    assert Event.objects.filter(event_id="evt-1").count() == 2


def test_slide_views_carry_slide_and_dwell(api, taxonomy, product, market, email_parts):
    claim, _isi = email_parts
    deck = factories.edetail(product=product, market=market, slides=[[claim]])
    factories.approve(deck)
    backdated(deck)
    body = post(
        api, {"events": [event(deck, 1, type="slide_viewed", channel="edetail", slide=1, dwell_ms=4200)]}
    )
    assert body.json()["stored"] == 1, body.json()
    stored = Event.objects.get()
    assert (stored.slide, stored.dwell_ms, stored.channel, stored.content_id) == (
        1,
        4200,
        "edetail",
        f"edetail-{deck.pk}",
    )


def test_sends_after_a_withdrawal_are_refused_but_opens_of_earlier_sends_are_kept(api, us_email):
    withdraw_time = datetime.now(UTC)
    content_withdraw(obj=us_email, user=factories.reviewer(roles.REGULATORY), reason="Label change")
    before = withdraw_time - timedelta(hours=1)
    after = datetime.now(UTC)
    batch = [
        event(us_email, 1, type="sent", when=after),  # sending withdrawn content
        event(us_email, 2, type="opened", when=after),  # an open of an earlier send
        event(us_email, 3, type="sent", when=before),  # sent while approved, reported late
    ]
    results = post(api, {"events": batch}).json()["results"]
    assert [r["status"] for r in results] == ["rejected", "stored", "stored"]
    assert "withdrawn or expired" in results[0]["errors"]["type"]


@pytest.mark.parametrize(
    "body, status, message",
    [
        (b"{not json", 400, "not valid JSON"),
        ({"events": "x"}, 400, "only key is a list"),
        ([{"event_id": "a"}], 400, "only key is a list"),
        ({"events": [], "extra": 1}, 400, "only key is a list"),
        ({"events": []}, 400, "empty"),
    ],
)
def test_malformed_bodies_get_a_400_and_store_nothing(api, us_email, body, status, message):
    response = post(api, body)
    assert response.status_code == status
    assert message in response.json()["detail"]
    assert not Event.objects.exists()


def test_more_than_1000_events_is_a_413_and_stores_nothing(api, us_email):
    batch = [event(us_email, n) for n in range(1, 1002)]
    response = post(api, {"events": batch})
    assert response.status_code == 413
    assert response.json()["detail"] == "At most 1000 events per batch; this one has 1001. Split it."
    assert not Event.objects.exists()


def test_an_oversized_body_is_a_413_and_stores_nothing(api, us_email, settings):
    settings.ENGAGEMENT_MAX_BATCH_BYTES = 2000
    batch = [event(us_email, n, attributes={"note": "x" * 500}) for n in range(1, 6)]
    response = post(api, {"events": batch})
    assert response.status_code == 413
    assert "larger than 2000 bytes" in response.json()["detail"]
    assert not Event.objects.exists()


def test_a_body_that_is_not_json_by_type_is_a_415(api, us_email):
    response = post(api, json.dumps({"events": [event(us_email)]}), content_type="text/plain")
    assert response.status_code == 415
    assert not Event.objects.exists()


def test_without_a_token_401_with_a_bad_token_401_with_a_session_403(client, us_email, admin_user):
    body = {"events": [event(us_email)]}
    assert post(client, body).status_code == 401
    client.defaults["HTTP_AUTHORIZATION"] = "Bearer not-a-token"
    assert post(client, body).status_code == 401
    del client.defaults["HTTP_AUTHORIZATION"]
    client.force_login(admin_user)
    response = post(client, body)
    assert response.status_code == 403
    assert "channel clients" in response.json()["detail"]
    assert not Event.objects.exists()


def test_over_the_rate_limit_is_a_429_with_retry_after(api, us_email, settings):
    settings.DELIVERY_RATE_LIMIT = "2/min"
    assert post(api, {"events": [event(us_email, 1)]}).status_code == 200
    assert post(api, {"events": [event(us_email, 2)]}).status_code == 200
    response = post(api, {"events": [event(us_email, 3)]})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert Event.objects.count() == 2


def test_the_schema_describes_the_events_endpoint(client):
    schema = client.get("/api/v1/schema", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/events"]["post"]
    assert operation["operationId"] == "events_create"
    assert {"200", "400", "401", "413", "429"} <= set(operation["responses"])
    assert {"channelToken": []} in operation["security"]
