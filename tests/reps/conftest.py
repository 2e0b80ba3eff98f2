"""Rep portal fixtures: a rep with a territory, HCPs with and without consent, an approved email."""

import pytest
from django.utils import timezone

from modules.models import Specialty
from reps.models import HCP, TerritoryAssignment
from review.models import ApprovalRecord
from search.services import rep_scope_set
from tests import factories
from tests.search.conftest import sync  # noqa: F401

REP_CHANNELS = ["email", "edetail", "invitation", "web"]


def make_rep(username: str, markets=("US-en",)):
    user = factories.UserFactory(
        username=username, first_name="Riley", last_name=username.title(), email=f"{username}@pharma.example"
    )
    rep_scope_set(user=user, market_codes=list(markets), channel_codes=REP_CHANNELS)
    return user


def make_hcp(rep, *, name="Dr Ada Lovelace", email="ada@clinic.example", market="US-en", consent=True, **kw):
    hcp = HCP.objects.create(
        name=name,
        email=email,
        market=factories.MarketFactory(code=market),
        specialty=Specialty.objects.get(code=kw.pop("specialty", "cardiology")),
        consent=HCP.CONSENT_GIVEN if consent else HCP.CONSENT_WITHDRAWN,
        consent_date=timezone.now(),
        consent_source="signed form",
        **kw,
    )
    if rep is not None:
        TerritoryAssignment.objects.create(rep=rep, hcp=hcp)
    return hcp


@pytest.fixture
def rep(db, taxonomy, market):  # noqa: F811
    return make_rep("rep")


@pytest.fixture
def rep_client(client, rep):
    client.force_login(rep)
    return client


@pytest.fixture
def hcp(rep):
    return make_hcp(rep)


@pytest.fixture
def email_modules(db, taxonomy, product, market):  # noqa: F811
    reference = factories.reference(product=product, market=market)
    return [
        factories.claim(product=product, market=market, reference_obj=reference),
        factories.cta(product=product, market=market),
        factories.safety(product=product, market=market),
    ]


@pytest.fixture
def approved_email(email_modules, product, market) -> ApprovalRecord:
    email = factories.email(product=product, market=market, modules=email_modules, publish=True)
    return ApprovalRecord.objects.current().get(object_id=str(email.pk), content_type__model="email")


SCREENSHOTS: list = []


def pytest_terminal_summary(terminalreporter):
    if SCREENSHOTS:
        terminalreporter.write_line(f"Rep portal screenshots: {SCREENSHOTS[0]}")
