"""Engagement fixtures: approved content through the real review workflow, a channel client, HCPs."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import caches

from delivery.models import PublishedItem
from delivery.services import channel_client_create
from reps.models import HCP
from review.models import ApprovalRecord
from tests import factories


@pytest.fixture(autouse=True)
def engagement_settings(settings):
    settings.DELIVERY_RATE_LIMIT = "10000/min"
    caches["throttle"].clear()
    return settings


@pytest.fixture
def us_channel(taxonomy, market):
    """A US email/e-detail platform and its token (shown once)."""
    return channel_client_create(
        name="US email platform", market_codes=["US-en"], channel_codes=["email", "edetail"]
    )


@pytest.fixture
def api(client, us_channel):
    _channel, token = us_channel
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture
def email_parts(taxonomy, product, market):
    reference = factories.reference(product=product, market=market)
    claim = factories.claim(product=product, market=market, reference_obj=reference)
    isi = factories.safety(product=product, market=market)
    return claim, isi


@pytest.fixture
def us_email(email_parts, product, market):
    email = factories.email(product=product, market=market, modules=list(email_parts))
    factories.approve(email)
    return backdated(email)


def backdated(obj, days: int = 60):
    """Approvals made in a test are seconds old; events weeks back need an approval older than them."""
    approval = approval_of(obj)
    earlier = approval.approved_at - timedelta(days=days)
    ApprovalRecord.objects.filter(pk=approval.pk).update(approved_at=earlier)
    PublishedItem.objects.filter(approval=approval).update(approved_at=earlier)
    return obj


def approval_of(obj) -> ApprovalRecord:
    return ApprovalRecord.objects.filter(
        object_id=str(obj.pk), content_type__model=obj._meta.model_name
    ).latest("approved_at")


def item_of(obj) -> PublishedItem:
    return PublishedItem.objects.get(approval=approval_of(obj))


@pytest.fixture
def cardiologist(taxonomy, market):
    from modules.models import Specialty

    return HCP.objects.create(
        name="Dr Amara Okoye",
        email="okoye@clinic.example",
        market=market,
        specialty=Specialty.objects.get(code="cardiology"),
    )


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def event(obj, n: int = 1, *, type="opened", hcp_id="hcp-1", when=None, **extra) -> dict:
    approval = approval_of(obj)
    body = {
        "event_id": f"evt-{n}",
        "type": type,
        "content_id": f"{obj._meta.model_name}-{obj.pk}",
        "revision_id": approval.revision_id,
        "channel": "email",
        "hcp_id": hcp_id,
        "occurred_at": iso(when or datetime.now(UTC) - timedelta(minutes=5)),
    }
    body.update(extra)
    return body
