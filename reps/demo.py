"""Demo HCPs for the demo rep, so the portal has someone to search for and email (idempotent)."""

from django.utils import timezone

from modules.models import Market, Specialty

from .models import HCP, TerritoryAssignment

DEMO_HCPS = [
    # name, specialty, market, email, consent given
    ("Dr Amara Okoye", "cardiology", "US-en", "amara.okoye@clinic.example", True),
    ("Dr Ben Carter", "internal-medicine", "US-en", "ben.carter@clinic.example", True),
    ("Dr Chloe Park", "primary-care", "US-en", "chloe.park@clinic.example", False),
    ("Dr Duncan Reid", "cardiology", "GB-en", "duncan.reid@clinic.example", True),
]


def seed_hcps(*, rep) -> list[HCP]:
    """The demo HCPs, in the demo rep's territory; existing ones (matched by email) are left as they are."""
    hcps = []
    for name, specialty, market, email, consent in DEMO_HCPS:
        hcp = HCP.objects.filter(email=email).first()
        if hcp is None:
            hcp = HCP.objects.create(
                name=name,
                specialty=Specialty.objects.get(code=specialty),
                market=Market.objects.get(code=market),
                email=email,
                consent=HCP.CONSENT_GIVEN if consent else HCP.CONSENT_WITHDRAWN,
                consent_date=timezone.now(),
                consent_source="Demo data",
                external_id=f"DEMO-{len(hcps) + 1}",
            )
        TerritoryAssignment.objects.get_or_create(rep=rep, hcp=hcp)
        hcps.append(hcp)
    return hcps
