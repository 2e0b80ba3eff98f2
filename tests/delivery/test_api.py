"""The read API: scope, read-time approval checks, canonical content, filters, cursors and hostile input."""

import hashlib
import json

import pytest
from django.utils import timezone

from delivery.models import ChannelToken
from delivery.services import channel_client_create, channel_token_revoke, channel_token_rotate
from review import roles
from review.models import ApprovalRecord
from review.services import approvals_expire, content_withdraw
from tests import factories


def item_id(obj) -> str:
    return f"{obj._meta.model_name}-{obj.pk}"


def withdraw(obj):
    return content_withdraw(obj=obj, user=factories.reviewer(roles.REGULATORY), reason="Label change")


def test_us_client_sees_us_content_only(api, taxonomy, product, market, gb_market, us_email, reference_obj):
    gb_claim = factories.claim(
        product=product, market=gb_market, reference_obj=reference_obj, statement="GB only claim."
    )
    response = api.get("/api/v1/content")
    assert response.status_code == 200
    ids = [item["id"] for item in response.json()["results"]]
    assert item_id(us_email) in ids
    assert item_id(gb_claim) not in ids
    assert all("US-en" in item["markets"] for item in response.json()["results"])
    missing = api.get("/api/v1/content/claim-999999")
    out_of_scope = api.get(f"/api/v1/content/{item_id(gb_claim)}")
    assert out_of_scope.status_code == missing.status_code == 404
    assert out_of_scope.json() == missing.json()
    assert response["Cache-Control"] == "private, no-store"


def test_detail_carries_fields_and_the_canonical_content_that_hashes_to_the_approval(api, us_email):
    response = api.get(f"/api/v1/content/{item_id(us_email)}")
    assert response.status_code == 200
    body = response.json()
    approval = ApprovalRecord.objects.current().for_object(us_email).get()
    assert body["content_hash"] == approval.content_hash
    assert body["job_code"] == approval.job_code and body["revision_id"] == approval.revision_id
    assert body["fields"]["subject"] == "New data"
    claim = body["fields"]["modules"][0]["fields"]
    assert claim["statement"] == "Reduces events by 30%." and claim["citations"][0]["anchor"] == "7"
    assert "severe hepatic" in body["fields"]["safety_information"][0]["fields"]["body_text"]
    assert set(body["links"]["renders"]) == {"html", "txt", "pdf"}
    # A client recomputes the hash from what it was served.
    canonical = json.dumps(
        body["canonical_content"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert hashlib.sha256(canonical.encode()).hexdigest() == approval.content_hash
    exact = api.get(body["links"]["canonical"])
    assert hashlib.sha256(exact.content).hexdigest() == approval.content_hash == exact["X-Content-Hash"]


def test_withdrawn_and_expired_items_are_404_like_missing_ones(api, product, market, us_email, reference_obj):
    other = factories.claim(
        product=product, market=market, reference_obj=reference_obj, statement="Second claim."
    )
    assert api.get(f"/api/v1/content/{item_id(us_email)}").status_code == 200
    withdraw(us_email)
    gone = api.get(f"/api/v1/content/{item_id(us_email)}")
    assert gone.status_code == 404
    assert gone.json() == api.get("/api/v1/content/email-999999").json()
    assert item_id(us_email) not in [i["id"] for i in api.get("/api/v1/content").json()["results"]]
    approval = ApprovalRecord.objects.current().for_object(other).get()
    # Past its expiry but not yet expired by the daily job: the read-time check still hides it.
    ApprovalRecord.objects.filter(pk=approval.pk).update(
        expires_at=timezone.now() - timezone.timedelta(seconds=1)
    )
    assert api.get(f"/api/v1/content/{item_id(other)}").status_code == 404
    approvals_expire()
    assert api.get(f"/api/v1/content/{item_id(other)}").status_code == 404


def test_filters_and_cursor_pagination_walk_every_item_once(api, product, market, reference_obj, us_email):
    for n in range(4):
        factories.claim(product=product, market=market, reference_obj=reference_obj, statement=f"Claim {n}.")
    seen, cursor = [], None
    while True:
        params = {"type": "claim", "page_size": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/v1/content", params).json()
        seen += [item["id"] for item in page["results"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 5  # four claims plus the email's claim
    assert all(i.startswith("claim-") for i in seen)
    emails = api.get("/api/v1/content", {"type": "email", "market": "US-en", "channel": "email"}).json()[
        "results"
    ]
    assert [e["id"] for e in emails] == [item_id(us_email)]
    future = (timezone.now() + timezone.timedelta(days=1)).isoformat()
    assert api.get("/api/v1/content", {"updated_since": future}).json()["results"] == []


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"colour": "red"}, 400, "colour"),
        ({"type": "brochure"}, 400, "type"),
        ({"market": "XX-xx"}, 400, "market"),
        ({"market": "GB-en"}, 403, "market"),
        ({"cursor": "garbage"}, 400, "cursor"),
        ({"cursor": "eyJhIjoxfQ"}, 400, "cursor"),
        ({"page_size": "0"}, 400, "page_size"),
        ({"page_size": "100000"}, 400, "page_size"),
        ({"updated_since": "yesterday"}, 400, "updated_since"),
        ({"product": "x" * 41}, 400, "product"),
    ],
)
def test_hostile_parameters_get_a_4xx_naming_the_field(api, gb_market, params, status, field):
    response = api.get("/api/v1/content", params)
    assert response.status_code == status, response.content
    assert field in response.json()


def test_tokens_bearer_token_revoked_rotated_expired_and_inactive(client, us_client, market, us_email):
    channel, raw = us_client
    ok = client.get("/api/v1/content", HTTP_AUTHORIZATION=f"Bearer {raw}")
    legacy = client.get("/api/v1/content", HTTP_AUTHORIZATION=f"Token {raw}")
    assert ok.status_code == legacy.status_code == 200
    for header in ("Bearer nonsense", "Bearer", f"Basic {raw}", "Bearer " + "x" * 5000):
        assert client.get("/api/v1/content", HTTP_AUTHORIZATION=header).status_code == 401, header
    token = channel.tokens.get()
    assert token.last_used_at is not None
    new, new_raw = channel_token_rotate(token=token)
    token.refresh_from_db()
    assert token.expires_at > timezone.now() + timezone.timedelta(hours=23)  # the documented 24 h grace
    assert client.get("/api/v1/content", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert client.get("/api/v1/content", HTTP_AUTHORIZATION=f"Bearer {new_raw}").status_code == 200
    ChannelToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())  # grace period over
    assert client.get("/api/v1/content", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    channel_token_revoke(token=new)
    revoked = client.get("/api/v1/content", HTTP_AUTHORIZATION=f"Bearer {new_raw}")
    assert revoked.status_code == 401 and "revoked" in revoked.json()["detail"]
    _other, other_raw = channel_client_create(name="Paused", market_codes=["US-en"], channel_codes=["email"])
    _other.active = False
    _other.save()
    assert client.get("/api/v1/content", HTTP_AUTHORIZATION=f"Bearer {other_raw}").status_code == 401


def test_sessions_are_not_channel_clients(admin_client):
    response = admin_client.get("/api/v1/content")
    assert response.status_code == 403
    assert "channel clients" in response.json()["detail"]


def test_rate_limit_answers_429_with_retry_after(api, settings):
    settings.DELIVERY_RATE_LIMIT = "3/min"
    statuses = [api.get("/api/v1/content").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api.get("/api/v1/content")
    assert int(limited["Retry-After"]) > 0


def test_schema_documents_every_delivery_endpoint(admin_client):
    schema = admin_client.get("/api/v1/schema", {"format": "json"}).json()
    for path in (
        "/api/v1/content",
        "/api/v1/content/{item_id}",
        "/api/v1/content/{item_id}/canonical",
        "/api/v1/content/{item_id}/render/{fmt}",
        "/api/v1/changes",
        "/api/v1/search",
    ):
        assert path in schema["paths"], path
