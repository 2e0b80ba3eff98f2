"""The demo HCPs that seed_demo gives the demo rep."""

from django.contrib.auth import get_user_model

from modules.models import Market, Specialty
from reps.demo import seed_hcps
from reps.models import HCP
from reps.selectors import eligible_recipients


def test_demo_hcps_are_in_the_demo_reps_territory_and_seeding_again_changes_nothing(db):
    for code in ("US-en", "GB-en"):
        Market.objects.create(code=code, country=code[:2], language="en", name=code)
    for code in ("cardiology", "internal-medicine", "primary-care"):
        Specialty.objects.create(code=code, name=code)
    rep = get_user_model().objects.create_user("rep", email="rep@demo.example.com")
    seed_hcps(rep=rep)
    before = list(HCP.objects.order_by("pk").values())
    seed_hcps(rep=rep)
    assert list(HCP.objects.order_by("pk").values()) == before and len(before) == 4
    # Two US HCPs may be emailed US content; the third has no consent.
    assert [h.name for h in eligible_recipients(rep, {"US-en"})] == ["Dr Amara Okoye", "Dr Ben Carter"]
