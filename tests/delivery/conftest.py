"""Delivery tests: approved content made through the real review workflow, pulled over the real API."""

import pytest

from delivery import pulls
from delivery.services import channel_client_create
from modules.models import Audience, Channel
from tests import factories


@pytest.fixture(autouse=True)
def delivery_settings(settings, tmp_path):
    settings.DELIVERY_RENDER_CACHE_DIR = tmp_path / "renders"
    settings.DELIVERY_RATE_LIMIT = "10000/min"
    from django.core.cache import caches

    caches["throttle"].clear()
    caches["default"].clear()  # built item payloads are cached per approval id
    yield settings
    pulls._take()


@pytest.fixture
def taxonomy(db):
    for code in ("hcp", "patient"):
        Audience.objects.get_or_create(code=code, defaults={"name": code.upper()})
    for code in ("email", "edetail", "invitation", "web"):
        Channel.objects.get_or_create(code=code, defaults={"name": code})


@pytest.fixture
def gb_market(db):
    return factories.MarketFactory(code="GB-en", name="United Kingdom")


@pytest.fixture
def us_client(taxonomy, market):
    """A US-only email platform: the token is returned once."""
    client, token = channel_client_create(
        name="US email platform",
        market_codes=["US-en"],
        channel_codes=["email", "edetail", "invitation", "web"],
    )
    return client, token


@pytest.fixture
def api(client, us_client):
    """The Django test client authenticated as the US channel with `Authorization: Bearer`."""
    _channel, token = us_client
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture
def reference_obj(taxonomy, product, market):
    return factories.reference(product=product, market=market)


@pytest.fixture
def us_email(taxonomy, product, market, reference_obj):
    claim = factories.claim(product=product, market=market, reference_obj=reference_obj)
    isi = factories.safety(product=product, market=market)
    email = factories.email(product=product, market=market, modules=[claim, isi])
    factories.approve(email)
    return email
