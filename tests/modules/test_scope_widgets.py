"""The Scope tab: products, markets, audiences, channels and specialties as named checkboxes."""

import re

import pytest

from modules.models import Claim, Indication, Specialty
from tests import factories
from tests.modules.test_admin_modules import add_url

pytestmark = pytest.mark.django_db


def test_scope_fields_are_checkboxes_with_names(admin_client, product, market):
    factories.MarketFactory(code="DE-de", name="Germany")
    Indication.objects.create(product=product, name="Atrial fibrillation")
    Specialty.objects.get_or_create(code="cardiology", defaults={"name": "Cardiology"})
    page = admin_client.get(add_url(Claim)).content.decode()
    for name in ("products", "indications", "markets", "audiences", "channels", "specialties"):
        assert re.search(rf'<input type="checkbox" name="{name}"', page), name
    assert not re.search(r'<select name="(products|markets|channels)"[^>]*multiple', page)
    assert "United States (US-en)" in page and "Germany (DE-de)" in page
    assert "Cardiozen (rivaroxatide)" in page
