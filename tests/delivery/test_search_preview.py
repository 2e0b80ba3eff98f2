"""A channel's search results link to a preview it can open: the item in the content API."""

import pytest

from delivery.services import channel_client_create
from review.models import ApprovalRecord
from tests import factories
from tests.search.conftest import sync

pytestmark = pytest.mark.django_db


def test_a_channels_search_preview_link_opens_the_approved_item(search_index, client, product, market):
    """Issue 10 bug 1: preview links pointed at admin revision URLs a channel client cannot open."""
    text = factories.text_block(product=product, market=market, title="Launch copy")
    sync(search_index)
    _channel, token = channel_client_create(name="Web", market_codes=["US-en"], channel_codes=["email"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    hit = client.get("/api/v1/search", {"q": "launch"}, **auth).json()["results"][0]
    preview = hit["links"]["preview"]

    assert preview and "/admin/" not in preview
    response = client.get(preview, **auth)
    assert response.status_code == 200
    record = ApprovalRecord.objects.for_object(text).get()
    assert response.json()["content_hash"] == record.content_hash
    assert client.get(preview).status_code == 401  # the link itself grants nothing
