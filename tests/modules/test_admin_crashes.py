"""Admin screens that crashed for superusers: workflow reports and deleting approved content."""

import pytest
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


RETIRE_ADVICE = "Approved, signed or pinned content is retired by withdrawal, not deleted."


def delete_url(obj):
    return reverse(f"wagtailsnippets_modules_{obj._meta.model_name}:delete", args=[obj.pk])


def bulk_delete_url(model, objects):
    url = reverse("wagtail_bulk_action", args=("modules", model._meta.model_name, "delete"))
    return url + "?" + "&".join(f"id={obj.pk}" for obj in objects)


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize("method", ["get", "post"])
def test_deleting_approved_content_is_refused_with_a_reason(admin_client, product, market, method):
    safety = factories.safety(product=product, market=market)

    response = getattr(admin_client, method)(delete_url(safety), follow=True)

    assert response.status_code == 200
    messages = page_messages(response)
    assert len(messages) == 1
    assert messages[0].startswith("“ISI” cannot be deleted: it is approved")
    assert RETIRE_ADVICE in messages[0]
    assert type(safety).objects.filter(pk=safety.pk).exists()


def test_deleting_a_module_pinned_by_a_draft_assembly_is_refused(admin_client, product, market):
    block = factories.text_block(product=product, market=market, publish=False)
    factories.email(product=product, market=market, modules=[block])

    response = admin_client.post(delete_url(block), follow=True)

    assert "it is pinned by “Launch email”" in page_messages(response)[0]
    assert type(block).objects.filter(pk=block.pk).exists()


def test_bulk_delete_with_approved_content_is_refused_and_deletes_nothing(admin_client, product, market):
    approved = factories.text_block(product=product, market=market, title="Approved intro")
    draft = factories.text_block(product=product, market=market, title="Draft intro", publish=False)

    response = admin_client.post(bulk_delete_url(type(draft), [approved, draft]), follow=True)

    assert response.status_code == 200
    messages = page_messages(response)
    assert messages[0].startswith("“Approved intro” cannot be deleted: it is approved")
    assert type(draft).objects.filter(pk__in=[approved.pk, draft.pk]).count() == 2


def test_a_draft_nobody_uses_can_still_be_deleted(admin_client, product, market):
    draft = factories.text_block(product=product, market=market, publish=False)

    response = admin_client.post(delete_url(draft), follow=True)

    assert response.status_code == 200
    assert not type(draft).objects.filter(pk=draft.pk).exists()
