"""Admin → Reports: totals equal the stored events (page and CSV), role filters, bad filters."""

import csv
import io
import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from wagtail.models import WorkflowState

from engagement import analytics
from engagement.models import Event, MarketerProducts
from review import roles
from tests import factories
from tests.engagement.conftest import approval_of, event

ASSEMBLIES = "/admin/engagement/assemblies/"
MODULES = "/admin/engagement/modules/"


@pytest.fixture
def engaged(api, us_email, cardiologist, django_capture_on_commit_callbacks):
    """A few weeks of events for the US email: sends, opens, clicks, one known cardiologist."""
    now = datetime.now(UTC)
    batch = []
    for n in range(1, 41):
        kind = ["sent", "sent", "opened", "clicked"][n % 4]
        hcp = str(cardiologist.pseudonym) if n % 5 == 0 else f"hcp-{n % 7}"
        batch.append(event(us_email, n, type=kind, hcp_id=hcp, when=now - timedelta(days=n % 21, hours=1)))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/events", data=json.dumps({"events": batch}), content_type="application/json"
        )
    assert response.json()["stored"] == 40
    return us_email


def csv_rows(response) -> list[dict]:
    lines = [line for line in response.content.decode().splitlines() if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def table_totals(html: str) -> list[str]:
    totals = re.search(r'engagement-totals">.*?<tbody><tr>(.*?)</tr>', html, re.S).group(1)
    return re.findall(r"<td>([^<]*)</td>", totals)


def test_assembly_page_and_csv_totals_equal_the_stored_events(admin_client, engaged):
    content_id = f"email-{engaged.pk}"
    stored = Counter(Event.objects.values_list("type", flat=True))
    listing = admin_client.get(ASSEMBLIES)
    assert listing.status_code == 200
    assert content_id in listing.content.decode()

    page = admin_client.get(f"{ASSEMBLIES}{content_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    totals = table_totals(html)
    # Columns: sends, deliveries, opens, clicks, slide views, dwell, shares, RSVPs, unsubscribes.
    assert [int(totals[0]), int(totals[2]), int(totals[3])] == [
        stored["sent"],
        stored["opened"],
        stored["clicked"],
    ]
    assert 'data-chart="chart-1"' in html and 'id="chart-1" type="application/json"' in html
    assert "chartjs-4.6.1/chart.umd.min.js" in html
    assert "cardiology" in html  # specialty from the HCP table

    export = admin_client.get(f"{ASSEMBLIES}{content_id}/", {"export": "csv"})
    assert export["Content-Type"].startswith("text/csv")
    per_type = Counter()
    for row in csv_rows(export):
        per_type[row["type"]] += int(row["events"])
    assert per_type == stored


def test_filters_narrow_the_totals_and_bad_values_are_a_400(admin_client, engaged):
    content_id = f"email-{engaged.pk}"
    cardiology = Counter(Event.objects.filter(specialty="cardiology").values_list("type", flat=True))
    page = admin_client.get(f"{ASSEMBLIES}{content_id}/", {"specialty": "cardiology"})
    totals = table_totals(page.content.decode())
    assert [int(totals[0]), int(totals[2]), int(totals[3])] == [
        cardiology["sent"],
        cardiology["opened"],
        cardiology["clicked"],
    ]
    bad = admin_client.get(ASSEMBLIES, {"market": "XX-zz"})
    assert bad.status_code == 400
    assert "Market" in bad.content.decode()
    backwards = admin_client.get(ASSEMBLIES, {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert backwards.status_code == 400


def test_marketers_see_their_products_only(client, engaged, product):
    author = factories.UserFactory(username="marketer")
    author.groups.add(Group.objects.get(name=roles.AUTHORS))
    client.force_login(author)
    # No products assigned: the report opens but shows nothing.
    page = client.get(ASSEMBLIES)
    assert page.status_code == 200 and f"email-{engaged.pk}" not in page.content.decode()
    assert client.get(f"{ASSEMBLIES}email-{engaged.pk}/").status_code == 404
    other = factories.ProductFactory(code="ONCO", brand_name="Oncozen")
    access = MarketerProducts.objects.create(user=author)
    access.products.set([other])
    assert f"email-{engaged.pk}" not in client.get(ASSEMBLIES).content.decode()
    assert "CARDIO" not in client.get(ASSEMBLIES).content.decode().split("Assemblies")[-1]
    access.products.set([product])
    assert f"email-{engaged.pk}" in client.get(ASSEMBLIES).content.decode()


@pytest.mark.parametrize("role", [roles.MEDICAL, roles.COORDINATORS])
def test_reviewers_and_coordinators_see_everything(client, engaged, role):
    client.force_login(factories.reviewer(role))
    assert f"email-{engaged.pk}" in client.get(ASSEMBLIES).content.decode()
    assert client.get(MODULES).status_code == 200


def test_users_without_a_reports_role_get_a_403_and_reps_stay_in_the_portal(
    client, engaged, taxonomy, market
):
    staff = factories.UserFactory(username="integrations")
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(staff)
    for url in (ASSEMBLIES, f"{ASSEMBLIES}email-{engaged.pk}/", MODULES):
        response = client.get(url)
        assert response.status_code == 403
        assert "for marketers, reviewers and coordinators" in response.content.decode()
    assert client.get(ASSEMBLIES, {"export": "csv"}).status_code == 403

    from tests.reps.conftest import make_rep

    client.force_login(make_rep("fieldrep"))
    response = client.get(ASSEMBLIES)
    assert response.status_code == 302 and response["Location"] == "/reps/"


def test_csv_cells_that_spreadsheets_would_run_are_neutralised(admin_client, engaged):
    Event.objects.update(specialty="=HYPERLINK(1)")  # as if a hostile code had reached the table
    from engagement.models import DailyEngagement, RollupBacklog
    from engagement.rollup import rollup_backlog

    for row in DailyEngagement.objects.values("approval_id", "day").distinct():
        RollupBacklog.objects.get_or_create(
            approval_id=row["approval_id"], day=row["day"], defaults={"touched_at": datetime.now(UTC)}
        )
    rollup_backlog()
    export = admin_client.get(ASSEMBLIES, {"export": "csv"})
    specialties = {row["specialty"] for row in csv_rows(export)}
    assert specialties == {"'=HYPERLINK(1)"}


def test_module_reuse_counts_assemblies_markets_and_assembly_reviews(admin_client, engaged):
    page = admin_client.get(MODULES)
    assert page.status_code == 200
    html = page.content.decode()
    assert "How “days saved” is estimated" in html
    claim_id = re.search(r"(claim-\d+)", html).group(1)
    detail = admin_client.get(f"{MODULES}{claim_id}/")
    assert detail.status_code == 200
    assert f"email-{engaged.pk}" in detail.content.decode()
    # The email pinned only approved modules, so it went through Assembly review: one review saved,
    # but no full-MLR assembly approval exists to measure against, so no days are claimed.
    reuse = {module.module_id: module for module in analytics.modules_reuse(analytics.ReportFilter())}
    claim = reuse[claim_id]
    assert claim.assemblies == {f"email-{engaged.pk}"} and claim.markets == {"US-en"}
    assert claim.assembly_reviews == 1
    assert claim.totals["sent"] == Event.objects.filter(type="sent").count()
    assert analytics.time_saved_estimate().days_for(claim.assembly_reviews) is None
    assert "no full-MLR assembly approvals yet" in html
    # Durations are measured from submission (the workflow state) to approval.
    approval = approval_of(engaged)
    WorkflowState.objects.filter(pk=approval.workflow_state_id).update(
        created_at=approval.approved_at - timedelta(days=2)
    )
    assert analytics.time_saved_estimate().assembly_median_days == 2.0


def test_days_saved_is_the_median_difference_times_the_assembly_reviews():
    saved = analytics.TimeSaved(
        full_mlr_median_days=9.5, assembly_median_days=2.0, full_mlr_reviews=4, assembly_reviews_measured=6
    )
    assert saved.per_review_days == 7.5 and saved.days_for(3) == 22.5
    slower = analytics.TimeSaved(
        full_mlr_median_days=1.0, assembly_median_days=2.0, full_mlr_reviews=1, assembly_reviews_measured=1
    )
    assert slower.days_for(3) == 0.0  # never a negative saving
