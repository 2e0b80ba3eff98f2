"""Idempotent demo seeding: every object is looked up by its natural key before it is created."""

import datetime
import secrets
from functools import partial

from django.contrib.auth import get_user_model
from django.db import transaction

from engagement.demo import seed_engagement
from engagement.recommendations import recommendations_refresh
from modules.models import (
    Audience,
    CallToAction,
    Channel,
    Citation,
    Claim,
    Disclaimer,
    EDetail,
    Email,
    EmailPlacement,
    Indication,
    Invitation,
    InvitationPlacement,
    Market,
    Product,
    Reference,
    SafetyInformation,
    Slide,
    SlidePlacement,
    Specialty,
    TextBlock,
    Visual,
)
from modules.selectors import default_pin
from reps.demo import seed_hcps
from review import roles, services
from search.services import rep_scope_set

from . import content as demo
from .signing import review_sign_every_discipline

DEMO_USERS = [
    ("admin", "Ada", "Admin", None),
    ("author", "Alex", "Author", roles.AUTHORS),
    ("medical", "Maya", "Medic", roles.MEDICAL),
    ("legal", "Leo", "Lawson", roles.LEGAL),
    ("regulatory", "Rita", "Regan", roles.REGULATORY),
    ("coordinator", "Cole", "Ordway", roles.COORDINATORS),
    ("rep", "Riley", "Fieldman", roles.REPS),
]


def seed_users() -> tuple[dict, list[tuple[str, str, str]]]:
    """Users per role; a new user gets a random development password, shown once."""
    groups = roles.ensure_role_groups()
    users, created = {}, []
    for username, first, last, role in DEMO_USERS:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(9)
            user = get_user_model().objects.create_user(
                username=username,
                email=f"{username}@demo.example.com",
                first_name=first,
                last_name=last,
                password=password,
                is_superuser=role is None,
                is_staff=role is None,
            )
            created.append((username, password, role or "Administrator"))
        if role:
            user.groups.add(groups[role])
        users[username] = user
    return users, created


def seed_taxonomy() -> dict:
    product, _ = Product.objects.get_or_create(
        code="CARDIO",
        defaults={
            "brand_name": "Cardiozen",
            "generic_name": "rivaroxatide",
            "therapeutic_area": "Cardiology",
        },
    )
    Indication.objects.get_or_create(product=product, name="Heart failure with reduced ejection fraction")
    markets = {}
    for code, country, language, name in demo.MARKETS:
        markets[code], _ = Market.objects.get_or_create(
            code=code, defaults={"country": country, "language": language, "name": name}
        )
    for code, name in demo.SPECIALTIES:
        Specialty.objects.get_or_create(code=code, defaults={"name": name})
    return {"product": product, "markets": markets}


APPROVED, IN_REVIEW, DRAFT = "approved", "in review", "draft"


class DemoReview:
    """Takes demo content through the real MLR workflow, signing as the demo reviewers.

    Signing needs each reviewer's password, which is known only in the run that created them;
    in later runs new content is submitted and left waiting in review.
    """

    def __init__(self, users: dict, passwords: dict[str, str]):
        self.users, self.passwords = users, passwords

    def signer(self, discipline: str):
        username = SIGNERS.get(discipline)
        password = self.passwords.get(username)
        return (self.users[username], password) if password else None

    def take(self, instance, state: str) -> None:
        if state == DRAFT:
            return
        services.review_submit(obj=instance, user=instance.owner)
        if state == APPROVED:
            review_sign_every_discipline(obj=instance, signer_for=self.signer, comment="Demo approval.")
        instance.refresh_from_db()


SIGNERS = {roles.MEDICAL: "medical", roles.LEGAL: "legal", roles.REGULATORY: "regulatory"}


def ensure(
    model, title: str, build, *, author, review: DemoReview, scope: dict | None = None, state=APPROVED
):
    """Return the demo object with this title, creating it (and taking it through review) if missing."""
    existing = model.objects.filter(title=title).first()
    if existing is not None:
        return existing
    instance = build()
    instance.title = title
    instance.owner = author
    instance.live = False
    for field, values in (scope or {}).items():
        getattr(instance, field).set(values)
    instance.save()
    instance.save_revision(user=author)
    review.take(instance, state)
    return instance


def module_scope(product, markets, channels=demo.ALL_CHANNELS, specialties=("cardiology",)) -> dict:
    return {
        "products": [product],
        "markets": markets,
        "audiences": list(Audience.objects.filter(code="hcp")),
        "channels": list(Channel.objects.filter(code__in=channels)),
        "specialties": list(Specialty.objects.filter(code__in=specialties)),
        "indications": list(product.indications.all()),
    }


def seed_modules(taxonomy: dict, author, review: DemoReview) -> dict:
    product, markets = taxonomy["product"], taxonomy["markets"]
    english = [markets["US-en"], markets["GB-en"]]
    scope = module_scope(product, english)
    made: dict[str, list] = {
        "references": [],
        "claims": [],
        "texts": [],
        "visuals": [],
        "isi": {},
        "ctas": [],
    }
    # Every demo module shares its author and reviewers, and (unless it says otherwise) its scope.
    make = partial(ensure, author=author, review=review, scope=scope)

    for title, kind, citation in demo.REFERENCES:
        made["references"].append(
            make(
                Reference,
                title,
                lambda kind=kind, citation=citation, title=title: Reference(
                    kind=kind, citation_text=citation, source_file=demo.tiny_reference_pdf(title)
                ),
            )
        )
    for index, (title, statement, qualifier, ref, kind, anchor, quote) in enumerate(demo.CLAIMS):

        def build(statement=statement, qualifier=qualifier, ref=ref, kind=kind, anchor=anchor, quote=quote):
            claim = Claim(statement=statement, qualifier=qualifier)
            claim.citations = [
                Citation(
                    reference=made["references"][ref], anchor_kind=kind, anchor=anchor, supporting_quote=quote
                )
            ]
            return claim

        # The last two claims wait: one in review, one still a draft.
        state = APPROVED if index < 6 else IN_REVIEW if index == 6 else DRAFT
        made["claims"].append(make(Claim, title, build, state=state))
    for title, body in demo.TEXT_BLOCKS:
        made["texts"].append(
            make(
                TextBlock,
                title,
                lambda body=body: TextBlock(body=body),
            )
        )
    for title, values, colour, alt in [
        ("Primary end point chart", [88, 62], "#0b5394", "Bar chart: 22.1% placebo vs 16.3% Cardiozen"),
        (
            "HF hospitalisation chart",
            [70, 47],
            "#38761d",
            "Bar chart: HF hospitalisation, placebo vs Cardiozen",
        ),
        ("Adherence chart", [90, 85, 80], "#a61c00", "Bar chart: adherence at 3, 6 and 12 months"),
    ]:
        made["visuals"].append(
            make(
                Visual,
                title,
                lambda values=values, colour=colour, alt=alt: Visual(
                    image=demo.chart_png(values, colour), alt_text=alt
                ),
            )
        )
    for code, body in demo.ISI_TEXT.items():
        made["isi"][code] = make(
            SafetyInformation,
            f"Cardiozen ISI ({code})",
            lambda body=body: SafetyInformation(body=body),
            scope=module_scope(product, [markets[code]]),
        )
    for title, kind, text in [
        ("HCP-only disclaimer", Disclaimer.DISCLAIMER, "Intended for healthcare professionals only."),
        ("Subgroup footnote", Disclaimer.FOOTNOTE, "Subgroup analyses were not powered for significance."),
        ("Extension footnote", Disclaimer.FOOTNOTE, "Open-label extension; results are exploratory."),
    ]:
        make(
            Disclaimer,
            title,
            lambda kind=kind, text=text: Disclaimer(kind=kind, text=text),
        )
    for title, label, url in [
        ("Request samples", "Request samples", "https://cardiozen.example.com/hcp/samples"),
        ("Visit HCP site", "Visit the Cardiozen HCP site", "https://cardiozen.example.com/hcp"),
        ("Book an MSL visit", "Book a medical science liaison", "https://cardiozen.example.com/hcp/msl"),
    ]:
        made["ctas"].append(
            make(
                CallToAction,
                title,
                lambda label=label, url=url: CallToAction(label=label, url=url),
            )
        )
    return made


def pinned(placement_class, modules, **extra):
    return [placement_class(module=m, pinned_revision=default_pin(m), **extra) for m in modules]


def seed_assemblies(taxonomy: dict, made: dict, author, review: DemoReview) -> None:
    product, us = taxonomy["product"], taxonomy["markets"]["US-en"]
    claims, texts, visuals = made["claims"], made["texts"], made["visuals"]
    scope = {"audiences": list(Audience.objects.filter(code="hcp"))}

    def build_edetail():
        edetail = EDetail(product=product, market=us)
        edetail.slides = [
            Slide(
                title="Cardiozen in HFrEF",
                layout=Slide.TITLE_AND_BODY,
                sort_order=0,
                placements=pinned(SlidePlacement, [texts[0], texts[2]]),
            ),
            Slide(
                title="Proven outcomes",
                layout=Slide.VISUAL_LEFT,
                sort_order=1,
                placements=pinned(SlidePlacement, [visuals[0], claims[0], claims[1]]),
            ),
            Slide(
                title="Simple to start",
                layout=Slide.TWO_COLUMNS,
                sort_order=2,
                placements=pinned(
                    SlidePlacement, [claims[2], claims[3], made["isi"]["US-en"], made["ctas"][0]]
                ),
            ),
        ]
        return edetail

    def build_email():
        email = Email(
            product=product,
            market=us,
            subject="New HEART-RX data for your HFrEF patients",
            preheader="30% fewer CV deaths or HF hospitalisations",
        )
        email.placements = pinned(
            EmailPlacement, [texts[0], claims[0], visuals[0], made["ctas"][1], made["isi"]["US-en"]]
        )
        return email

    def build_invitation():
        invitation = Invitation(
            product=product,
            market=us,
            event_title="HFrEF in 2027: what the outcome data mean for your practice",
            event_date=datetime.date(2027, 3, 4),
            start_time=datetime.time(18, 30),
            end_time=datetime.time(20, 0),
            time_zone="America/Chicago",
            venue="The Drake Hotel, 140 E Walton Pl, Chicago, IL 60611",
            speaker="Dr Nkechi Okafor, MD, FACC",
            agenda="18:30 Welcome and dinner\n18:50 HEART-RX results\n19:30 Case discussion and Q&A",
            rsvp_url="https://cardiozen.example.com/events/hfref-2027/rsvp",
            compliance_text=(
                "This is a promotional programme sponsored by Example Pharma Inc. The value of any meal "
                "provided will be reported as required by the Physician Payments Sunshine Act. "
                "Attendance is limited to licensed healthcare professionals."
            ),
        )
        invitation.placements = pinned(InvitationPlacement, [made["isi"]["US-en"]])
        return invitation

    # Built from approved modules, all three pass the light Assembly review and get job codes, so a
    # channel can pull every render (e-detail CLM package and PDF, email, invitation calendar file).
    make = partial(ensure, author=author, review=review, scope=scope)
    make(EDetail, "Cardiozen core e-detail (US)", build_edetail, state=APPROVED)
    make(Email, "HEART-RX launch email (US)", build_email, state=APPROVED)
    make(Invitation, "Chicago speaker programme", build_invitation, state=APPROVED)


@transaction.atomic
def seed_demo() -> list[tuple[str, str, str]]:
    """Seed everything; returns the (username, password, role) of users created by this run."""
    users, created = seed_users()
    taxonomy = seed_taxonomy()
    review = DemoReview(users, {username: password for username, password, _ in created})
    made = seed_modules(taxonomy, users["author"], review)
    seed_assemblies(taxonomy, made, users["author"], review)
    # The demo rep may search approved US and UK content for every channel.
    rep_scope_set(user=users["rep"], market_codes=["US-en", "GB-en"], channel_codes=list(demo.ALL_CHANNELS))
    seed_hcps(rep=users["rep"])  # the rep portal's data: a few HCPs in the rep's territory
    seed_engagement()  # a few weeks of synthetic engagement for the reports (once)
    recommendations_refresh()  # so the portal's "Suggested next" has tables to read at once
    return created
