"""Reviewers and coordinators who open an item from a listing land on its review screen."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from review import roles
from tests import factories
from tests.review import test_workflow
from tests.review.test_workflow import task_state_of

pytestmark = pytest.mark.django_db

author = test_workflow.author
claim_in_review = test_workflow.claim_in_review


def inspect_url(obj):
    return reverse(f"wagtailsnippets_modules_{obj._meta.model_name}:inspect", args=[obj.pk])


def test_a_reviewer_opening_an_item_in_review_lands_on_its_review_screen(claim_in_review):
    client = Client()
    client.force_login(factories.reviewer(roles.LEGAL))
    response = client.get(inspect_url(claim_in_review))
    assert response.status_code == 302
    assert response["Location"] == reverse("review:task", args=[task_state_of(claim_in_review).pk])


def test_a_coordinator_opening_an_approved_item_sees_the_review_that_approved_it(product, market):
    roles.ensure_role_groups()
    approved = factories.safety(product=product, market=market)
    coordinator = factories.UserFactory(username="cole")
    coordinator.groups.add(Group.objects.get(name=roles.COORDINATORS))
    client = Client()
    client.force_login(coordinator)
    response = client.get(inspect_url(approved), follow=True)
    page = response.content.decode()
    assert response.redirect_chain and "/admin/review/task/" in response.redirect_chain[-1][0]
    assert "Approved as" in page and "Live False" not in page


def edit_url(obj):
    return reverse(f"wagtailsnippets_modules_{obj._meta.model_name}:edit", args=[obj.pk])


def test_a_reviewer_opening_the_editor_url_lands_on_the_review_screen_not_the_admin_home(product, market):
    """Issue 10: the editor URL bounced readers to the admin home with "no permission"."""
    roles.ensure_role_groups()
    approved = factories.safety(product=product, market=market)
    draft = factories.text_block(product=product, market=market, publish=False, title="Never submitted")
    client = Client()
    client.force_login(factories.reviewer(roles.MEDICAL))

    response = client.get(edit_url(approved))
    assert response.status_code == 302 and "/admin/review/task/" in response["Location"]
    assert client.get(response["Location"]).status_code == 200
    # Nothing reviewed yet: the read-only inspect view, never the editor.
    response = client.get(edit_url(draft))
    assert response.status_code == 302 and response["Location"] == inspect_url(draft)
    assert client.post(edit_url(approved), {"title": "Hijacked"}).status_code in (302, 403)
    approved.refresh_from_db()
    assert approved.title == "ISI"
