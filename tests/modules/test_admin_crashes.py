"""Admin screens that crashed for superusers: workflow reports and deleting approved content."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from review import roles, services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def email_in_review(product, market, admin_user):
    roles.ensure_role_groups()
    safety = factories.safety(product=product, market=market)
    email = factories.email(product=product, market=market, modules=[safety])
    services.review_submit(obj=email, user=admin_user)
    return email


@pytest.mark.parametrize("url_name", ["wagtailadmin_reports:workflow", "wagtailadmin_reports:workflow_tasks"])
def test_workflow_reports_list_an_assembly_in_review(admin_client, email_in_review, url_name):
    response = admin_client.get(reverse(url_name))

    assert response.status_code == 200
    assert "Launch email" in response.content.decode()


@pytest.mark.parametrize(
    "url_name", ["wagtailadmin_reports:workflow_results", "wagtailadmin_reports:workflow_tasks_results"]
)
def test_workflow_report_results_list_an_assembly_in_review(admin_client, email_in_review, url_name):
    response = admin_client.get(reverse(url_name))

    assert response.status_code == 200
    assert "Launch email" in response.content.decode()


def test_workflow_report_links_to_the_specific_editor(admin_client, email_in_review):
    response = admin_client.get(reverse("wagtailadmin_reports:workflow"))

    edit_url = reverse("wagtailsnippets_modules_email:edit", args=[email_in_review.pk])
    history_url = reverse(
        "wagtailsnippets_modules_email:workflow_history_detail",
        args=[email_in_review.pk, email_in_review.current_workflow_state.pk],
    )
    assert f'href="{edit_url}"' in response.content.decode()
    assert f'href="{history_url}"' in response.content.decode()
