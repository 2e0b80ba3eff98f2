"""Job codes follow the most specific pattern for the product and market, and bad patterns are refused."""

import re

import pytest
from django.urls import reverse

from review.jobcodes import job_code_assign
from review.models import ApprovalRecord, JobCodePattern
from tests import factories

pytestmark = pytest.mark.django_db


def test_default_pattern_brand_market_year_and_sequence(product, market):
    first, second = (
        job_code_assign(product=product, market=market),
        job_code_assign(product=product, market=market),
    )
    assert re.fullmatch(r"CARDIO-US-\d{4}-00001", first)
    assert second.endswith("-00002")


def test_most_specific_pattern_wins_and_has_its_own_sequence(product, market, other_market):
    JobCodePattern.objects.create(pattern="{BRAND}/{YY}/{SEQ:03}")
    JobCodePattern.objects.create(product=product, market=other_market, pattern="DE-{BRAND}-{LANG}-{SEQ:04}")
    assert re.fullmatch(r"CARDIO/\d\d/001", job_code_assign(product=product, market=market))
    assert job_code_assign(product=product, market=other_market) == "DE-CARDIO-de-0001"


def test_approval_uses_the_configured_pattern(product, market):
    JobCodePattern.objects.create(product=product, market=market, pattern="CZ-{MARKET}-{SEQ:06}")
    isi = factories.safety(product=product, market=market)
    assert ApprovalRecord.objects.for_object(isi).get().job_code == "CZ-US-000001"


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("{BRAND}-{YYYY}", "exactly one {SEQ}"),
        ("{BRAND}-{SEQ}-{SEQ}", "exactly one"),
        ("{NOPE}-{SEQ}", "NOPE"),
    ],
)
def test_admin_refuses_a_bad_pattern_and_saves_nothing(admin_client, pattern, message):
    url = reverse("wagtailsnippets_review_jobcodepattern:add")
    response = admin_client.post(url, {"pattern": pattern, "product": "", "market": ""})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not JobCodePattern.objects.exists()


def test_coordinators_can_configure_the_mlr_task_disciplines_and_sla(admin_client):
    page = admin_client.get(reverse("wagtailadmin_workflows:task_index"))
    assert page.status_code == 200 and "Medical, legal and regulatory review" in page.content.decode()
