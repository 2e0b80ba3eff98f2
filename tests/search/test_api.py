"""The rep/channel search API against the real node: what a rep finds, and what they never see."""

import re

import pytest
from django.utils import timezone

from delivery.services import channel_client_create
from modules.models import Specialty
from review import roles
from review.models import ApprovalRecord
from review.services import approvals_expire, content_withdraw
from tests import factories
from tests.search.conftest import eventually, search, sync

pytestmark = pytest.mark.elasticsearch


def plain_titles(api_client, **params) -> list[str]:
    return [re.sub(r"</?mark>", "", r["title"]) for r in search(api_client, **params)["results"]]


def withdraw(obj, reason="Superseded by new label"):
    return content_withdraw(obj=obj, user=factories.reviewer(roles.REGULATORY), reason=reason)


def test_approval_is_findable_within_the_refresh_interval(
    search_index, rep_client, product, market, reference_obj, django_capture_on_commit_callbacks
):
    sync(search_index)
    with django_capture_on_commit_callbacks(execute=True):
        factories.claim(
            product=product, market=market, reference_obj=reference_obj, statement="Reduces strokes by 30%."
        )
    # No explicit refresh: the outbox task ran on commit, the index refreshes every second.
    found = eventually(lambda: plain_titles(rep_client, q="stroke"), timeout=2.5)
    assert found == ["Reduces strokes by 30%."]


def test_draft_and_unapproved_content_is_not_found(search_index, rep_client, product, market):
    factories.text_block(product=product, market=market, publish=False, title="Draft intro")
    sync(search_index)
    assert plain_titles(rep_client, q="draft") == []


def test_withdrawal_removes_content(search_index, rep_client, product, market, reference_obj):
    claim = factories.claim(product=product, market=market, reference_obj=reference_obj)
    sync(search_index)
    assert plain_titles(rep_client, q="reduces") == [claim.title]
    withdraw(claim)
    sync(search_index)
    assert plain_titles(rep_client, q="reduces") == []


def test_expiry_removes_content(search_index, rep_client, product, market):
    block = factories.text_block(product=product, market=market, title="Dosing overview")
    sync(search_index)
    assert plain_titles(rep_client, q="dosing") == ["Dosing overview"]
    approvals_expire(now=timezone.now() + timezone.timedelta(days=365 * 3))
    sync(search_index)
    assert plain_titles(rep_client, q="dosing") == []
    assert block.pk  # the module itself still exists; only its approval ended


def test_index_lag_never_shows_withdrawn_content(search_index, rep_client, product, market):
    block = factories.text_block(product=product, market=market, title="Patient support programme")
    sync(search_index)
    withdraw(block)
    # The outbox is not drained: the index still has the document, the read-time check drops it.
    assert plain_titles(rep_client, q="support") == []


def test_index_lag_keeps_totals_and_facets_in_step_with_results(search_index, rep_client, product, market):
    """A withdrawal or expiry not yet delivered to the index counts nowhere: results, total, facets agree."""
    kept = factories.text_block(product=product, market=market, title="Support line")
    withdrawn = factories.text_block(product=product, market=market, title="Support visit")
    expired = factories.text_block(product=product, market=market, title="Support pack")
    sync(search_index)
    withdraw(withdrawn)
    ApprovalRecord.objects.for_object(expired).update(expires_at=timezone.now())
    approvals_expire()
    # Neither ending is drained: the index still holds all three documents.
    page = search(rep_client, q="support")
    assert [r["title"] for r in page["results"]] == ["<mark>Support</mark> line"]
    assert page["total"] == 1
    assert {b["value"]: b["count"] for b in page["facets"]["type"]} == {"textblock": 1}
    assert kept.pk
    sync(search_index)
    assert search(rep_client, q="support")["total"] == 1


def test_expired_by_date_is_filtered_before_expiry_runs(search_index, rep_client, product, market):
    block = factories.text_block(product=product, market=market, title="Savings card")
    sync(search_index)
    ApprovalRecord.objects.filter(object_id=str(block.pk)).update(expires_at=timezone.now())
    assert plain_titles(rep_client, q="savings") == []


def test_generic_name_finds_brand_content(search_index, rep_client, product, market):
    other = factories.ProductFactory(brand_name="Lipidor", generic_name="atorvalipin", code="LIPID")
    search_index.drop_all()
    search_index.setup()  # synonyms are taken from the products when the index is created
    factories.text_block(
        product=other,
        market=market,
        title="Switching patients",
        body="<p>Patients switching from Cardiozen need no washout.</p>",
    )
    factories.text_block(product=product, market=market, title="Cardiozen at a glance")
    sync(search_index)
    assert sorted(plain_titles(rep_client, q="rivaroxatide")) == [
        "Cardiozen at a glance",
        "Switching patients",
    ]
    assert plain_titles(rep_client, q="atorvalipin") == ["Switching patients"]


def test_english_stemming(search_index, rep_client, product, market, reference_obj):
    factories.claim(
        product=product, market=market, reference_obj=reference_obj, statement="Reduced bleeding."
    )
    sync(search_index)
    assert plain_titles(rep_client, q="reduces bleeds") == ["Reduced bleeding."]


def test_facet_counts(search_index, product, market, other_market, reference_obj, admin_client):
    factories.claim(product=product, market=market, reference_obj=reference_obj, statement="Fewer events.")
    factories.claim(product=product, market=market, reference_obj=reference_obj, statement="Once daily.")
    factories.text_block(product=product, market=other_market, title="Einleitung")
    sync(search_index)
    page = search(admin_client)
    assert page["total"] == 4
    facets = {name: {b["value"]: b["count"] for b in buckets} for name, buckets in page["facets"].items()}
    assert facets["type"] == {"claim": 2, "reference": 1, "textblock": 1}
    assert facets["market"] == {"US-en": 3, "DE-de": 1}
    assert facets["product"] == {"CARDIO": 4}
    assert facets["channel"] == {"email": 4, "edetail": 4, "invitation": 4}
    filtered = search(admin_client, market="DE-de")
    assert filtered["total"] == 1
    assert {b["value"]: b["count"] for b in filtered["facets"]["type"]} == {"textblock": 1}


def test_rep_sees_only_permitted_markets_and_channels(
    search_index, rep_client, product, market, other_market
):
    factories.text_block(product=product, market=market, title="US only")
    factories.text_block(product=product, market=other_market, title="Germany only")
    factories.text_block(product=product, market=market, title="Web only", channels=("web",))
    sync(search_index)
    assert plain_titles(rep_client) == ["US only"]
    response = rep_client.get("/api/v1/search", {"market": "DE-de"})
    assert response.status_code == 403
    assert "DE-de" in response.json()["detail"]


def test_channel_token_is_limited_to_its_scope(search_index, client, product, market, other_market):
    factories.text_block(product=product, market=market, title="US email copy")
    factories.text_block(product=product, market=other_market, title="German email copy")
    sync(search_index)
    _channel, token = channel_client_create(
        name="Email platform", market_codes=["DE-de"], channel_codes=["email"]
    )
    response = client.get("/api/v1/search", {"q": "email"}, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert [r["title"] for r in response.json()["results"]] == ["German <mark>email</mark> copy"]
    bad = client.get("/api/v1/search", HTTP_AUTHORIZATION="Token not-a-token")
    assert bad.status_code == 401


def test_anonymous_and_unscoped_users_are_refused(search_index, client):
    assert client.get("/api/v1/search").status_code == 401
    client.force_login(factories.UserFactory(username="nobody"))
    response = client.get("/api/v1/search")
    assert response.status_code == 403
    assert "no search scope" in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"page": "0"}, "page", "greater than or equal to 1"),
        ({"page": "two"}, "page", "valid integer"),
        ({"page_size": "500"}, "page_size", "less than or equal to 100"),
        ({"page": "1000", "page_size": "100"}, "page", "first 10000 results"),
        ({"market": "XX-xx"}, "market", "Unknown market XX-xx"),
        ({"product": "NOPE"}, "product", "Unknown product NOPE"),
        ({"type": "brochure"}, "type", "Unknown type brochure"),
        ({"specialty": "astrology"}, "specialty", "Unknown specialty astrology"),
        ({"q": "x" * 201}, "q", "no more than 200 characters"),
        ({"sort": "title"}, "sort", "Unknown parameter"),
    ],
)
def test_bad_parameters_get_a_clear_400(search_index, rep_client, params, field, message):
    response = rep_client.get("/api/v1/search", params)
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])


def test_taxonomy_codes_are_cached_but_new_and_deleted_codes_count_at_once(search_index, admin_client):
    assert search(admin_client, market="US-en")["total"] == 0  # fills the code cache
    assert admin_client.get("/api/v1/search", {"market": "FR-fr"}).status_code == 400
    new_market = factories.MarketFactory(code="FR-fr", country="FR", language="fr")
    assert search(admin_client, market="FR-fr")["total"] == 0
    new_market.delete()
    response = admin_client.get("/api/v1/search", {"market": "FR-fr"})
    assert response.status_code == 400
    assert "Unknown market FR-fr" in " ".join(response.json()["market"])


def test_specialty_boosts_without_hiding(search_index, admin_client, product, market):
    plain_block = factories.text_block(product=product, market=market, title="Adherence tips A")
    cardio = factories.text_block(product=product, market=market, title="Adherence tips B", publish=False)
    cardio.specialties.set([Specialty.objects.get(code="cardiology")])
    cardio.save()
    cardio.save_revision()
    factories.approve(cardio)
    sync(search_index)
    boosted = plain_titles(admin_client, q="adherence", specialty="cardiology")
    assert boosted == ["Adherence tips B", "Adherence tips A"]
    oncology = plain_titles(admin_client, q="adherence", specialty="oncology")
    assert sorted(oncology) == ["Adherence tips A", "Adherence tips B"]
    assert plain_block.pk


def test_results_carry_highlights_job_code_and_links(
    search_index, rep_client, product, market, reference_obj
):
    claim = factories.claim(
        product=product, market=market, reference_obj=reference_obj, statement="Cuts <b>hospital</b> visits."
    )
    sync(search_index)
    result = search(rep_client, q="hospital")["results"][0]
    record = ApprovalRecord.objects.current().get(object_id=str(claim.pk))
    assert result["job_code"] == record.job_code
    assert result["content_hash"] == record.content_hash
    assert result["revision_id"] == record.revision_id
    assert "<mark>hospital</mark>" in result["snippet"]
    assert "<b>" not in result["snippet"]  # stored HTML is never passed through
    # Reps get the portal preview, which they may open (see tests/reps/test_portal.py).
    assert rep_client.get(result["links"]["preview"]).status_code == 200


def test_pagination(search_index, admin_client, product, market):
    for n in range(5):
        factories.text_block(product=product, market=market, title=f"Tip {n}")
    sync(search_index)
    first = search(admin_client, q="tip", page_size=2)
    third = search(admin_client, q="tip", page_size=2, page=3)
    assert first["total"] == 5 and len(first["results"]) == 2 and len(third["results"]) == 1


def test_suggest(search_index, rep_client, product, market):
    factories.text_block(product=product, market=market, title="Renal dosing guide")
    factories.text_block(product=product, market=market, title="Renal function check", publish=False)
    sync(search_index)
    response = rep_client.get("/api/v1/search/suggest", {"q": "ren"})
    assert response.status_code == 200
    assert [s["text"] for s in response.json()["suggestions"]] == ["Renal dosing guide"]
    assert rep_client.get("/api/v1/search/suggest").status_code == 400


def test_assemblies_are_indexed_with_their_channel(
    search_index, admin_client, product, market, reference_obj
):
    claim = factories.claim(product=product, market=market, reference_obj=reference_obj, statement="Proven.")
    isi = factories.safety(product=product, market=market)
    factories.email(product=product, market=market, modules=[claim, isi], publish=True)
    sync(search_index)
    page = search(admin_client, type="email")
    assert [r["title"] for r in page["results"]] == ["Launch email"]
    assert page["results"][0]["kind"] == "assembly"


def test_the_fast_representation_equals_the_declared_fields(
    search_index, admin_client, rep, product, market, other_market, reference_obj
):
    """The search page is built directly for speed; it must say what the documented fields say."""
    from search import selectors
    from search.api.serializers import SearchPageSerializer
    from search.query import SearchRequest

    statement = "Fewer <b>events</b>."
    factories.claim(product=product, market=market, reference_obj=reference_obj, statement=statement)
    factories.text_block(product=product, market=other_market, title="Einleitung events")
    sync(search_index)
    for caller in (rep, factories.UserFactory(is_superuser=True)):
        page = selectors.approved_content_search(
            request=SearchRequest(q="events", filters={}, page_size=20),
            access=selectors.access_for_user(caller),
        )
        assert page.results and page.facets
        serializer = SearchPageSerializer(page, context={"caller": caller})
        assert serializer.data == serializer.field_by_field(page)


def test_a_bad_value_in_a_repeated_filter_gets_the_documented_error_shape(search_index, rep_client):
    """Found by the API fuzzer: per-value errors came back as {"specialty": {"1": [...]}}."""
    response = rep_client.get("/api/v1/search", {"specialty": ["cardiology", "a\x00b"]})
    assert response.status_code == 400
    assert response.json() == {"specialty": ["Value 2: Null characters are not allowed."]}
