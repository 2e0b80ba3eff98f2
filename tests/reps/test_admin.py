"""HCPs and territories in the Wagtail admin."""

from django.urls import reverse

from reps.models import HCP
from tests.reps.conftest import make_hcp


def test_admin_lists_filters_and_edits_hcps(admin_client, rep):
    hcp = make_hcp(rep)
    listing = admin_client.get(reverse("wagtailsnippets_reps_hcp:list"), {"consent": "given"})
    assert listing.status_code == 200 and b"Dr Ada Lovelace" in listing.content
    edit = admin_client.get(reverse("wagtailsnippets_reps_hcp:edit", args=[hcp.pk]))
    assert edit.status_code == 200 and b"Email consent" in edit.content
    territories = admin_client.get(reverse("wagtailsnippets_reps_territoryassignment:list"))
    assert territories.status_code == 200 and b"Dr Ada Lovelace" in territories.content


def test_admin_refuses_a_second_hcp_with_the_same_email(admin_client, rep):
    hcp = make_hcp(rep)
    response = admin_client.post(
        reverse("wagtailsnippets_reps_hcp:add"),
        {
            "name": "Dr Copy",
            "specialty": hcp.specialty_id,
            "market": hcp.market_id,
            "email": "ada@clinic.example",
            "consent": "given",
            "external_id": "",
            "consent_source": "",
        },
    )
    assert response.status_code == 200
    assert b"already exists" in response.content
    assert HCP.objects.count() == 1
