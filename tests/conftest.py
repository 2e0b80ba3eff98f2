import pytest
from django.contrib.auth.models import Group

from tests import factories


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def product(db):
    return factories.ProductFactory(brand_name="Cardiozen", generic_name="rivaroxatide", code="CARDIO")


@pytest.fixture
def market(db):
    return factories.MarketFactory(code="US-en", name="United States")


@pytest.fixture
def other_market(db):
    return factories.MarketFactory(code="DE-de", name="Germany")


@pytest.fixture
def editors(db):
    return Group.objects.get(name="Editors")
