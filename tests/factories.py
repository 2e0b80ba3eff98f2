"""Factories that build content the way the admin would: saved with a revision, optionally published."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile

from demo.signing import review_sign_every_discipline
from modules.models import (
    Audience,
    CallToAction,
    Channel,
    Citation,
    Claim,
    EDetail,
    Email,
    EmailPlacement,
    Invitation,
    Market,
    Product,
    Reference,
    SafetyInformation,
    Slide,
    SlidePlacement,
    TextBlock,
)
from modules.selectors import default_pin
from review import services
from tests.files import tiny_pdf

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("code",)

    brand_name = factory.Sequence(lambda n: f"Brand{n}")
    generic_name = factory.Sequence(lambda n: f"genericamab{n}")
    therapeutic_area = "Cardiology"
    code = factory.Sequence(lambda n: f"BR{n}")


class MarketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Market
        django_get_or_create = ("code",)

    code = "US-en"
    country = factory.LazyAttribute(lambda m: m.code[:2])
    language = factory.LazyAttribute(lambda m: m.code[3:])
    name = factory.LazyAttribute(lambda m: m.code)


def scope(module, *, product, market, channels=("email", "edetail", "invitation"), audiences=("hcp",)):
    module.products.set([product])
    module.markets.set([market])
    module.channels.set(Channel.objects.filter(code__in=channels))
    module.audiences.set(Audience.objects.filter(code__in=audiences))


def admin_pk():
    """The primary key of the `admin_user` fixture's user: the owner the admin form tests choose."""
    return get_user_model().objects.filter(username="admin").values_list("pk", flat=True).first() or ""


def reviewer(discipline: str):
    """The test reviewer for one discipline group (created once), e.g. reviewer(roles.MEDICAL)."""
    user, created = get_user_model().objects.get_or_create(
        username=discipline.split()[0].lower() + "-reviewer",
        defaults={"first_name": discipline.split()[0], "last_name": "Reviewer"},
    )
    if created:
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(Group.objects.get_or_create(name=discipline)[0])
    return user


def sign_all(obj, *, skip=()):
    """Every discipline of the open review (but those skipped) signs its approval."""
    review_sign_every_discipline(
        obj=obj, signer_for=lambda name: None if name in skip else (reviewer(name), PASSWORD)
    )
    return obj


def approve(obj, *, submitter=None):
    """Take the item's latest revision through the real MLR workflow to approved and published."""
    services.review_submit(obj=obj, user=submitter)
    return sign_all(obj)


def saved(instance, *, user=None, publish=False, **scope_kwargs):
    """Save as the admin does: the row, its scope, a revision; approve through review when asked."""
    if hasattr(instance, "products"):
        scope(instance, **scope_kwargs)
    instance.owner = user
    instance.live = False
    instance.save()
    instance.save_revision(user=user)
    if publish:
        approve(instance)
    return instance


def reference(*, product, market, user=None, publish=True, **kwargs):
    ref = Reference(
        title=kwargs.get("title", "Pivotal trial"),
        citation_text=kwargs.get("citation_text", "Doe J et al. N Engl J Med. 2025;392:100-110."),
        kind=Reference.PUBLICATION,
        source_file=ContentFile(tiny_pdf(), name="trial.pdf"),
    )
    return saved(ref, user=user, publish=publish, product=product, market=market)


def claim(
    *, product, market, reference_obj, user=None, publish=True, statement="Reduces events by 30%.", **kw
):
    obj = Claim(title=kw.pop("title", statement[:40]), statement=statement)
    obj.citations = [
        Citation(
            reference=reference_obj, anchor_kind="page", anchor="7", supporting_quote="HR 0.70 (95% CI …)"
        )
    ]
    return saved(obj, user=user, publish=publish, product=product, market=market, **kw)


def safety(*, product, market, user=None, publish=True, **kw):
    obj = SafetyInformation(title="ISI", body="<p>Do not use in patients with severe hepatic impairment.</p>")
    return saved(obj, user=user, publish=publish, product=product, market=market, **kw)


def text_block(*, product, market, user=None, publish=True, body="<p>Learn more.</p>", **kw):
    obj = TextBlock(title=kw.pop("title", "Intro"), body=body)
    return saved(obj, user=user, publish=publish, product=product, market=market, **kw)


def cta(*, product, market, user=None, publish=True, **kw):
    obj = CallToAction(title="Visit site", label="Visit the HCP site", url="https://example.com/hcp")
    return saved(obj, user=user, publish=publish, product=product, market=market, **kw)


def placements_for(modules, placement_class, **extra):
    return [placement_class(module=m, pinned_revision=default_pin(m), **extra) for m in modules]


def email(*, product, market, modules, user=None, publish=False):
    obj = Email(
        title="Launch email", product=product, market=market, subject="New data", preheader="Read now"
    )
    obj.placements = placements_for(modules, EmailPlacement)
    return saved(obj, user=user, publish=publish)


def edetail(*, product, market, slides, user=None, publish=False):
    """slides: a list of lists of modules."""
    obj = EDetail(title="Core e-detail", product=product, market=market)
    obj.slides = [
        Slide(title=f"Slide {n}", sort_order=n - 1, placements=placements_for(modules, SlidePlacement))
        for n, modules in enumerate(slides, start=1)
    ]
    return saved(obj, user=user, publish=publish)


def invitation(*, product, market, user=None, publish=False, **kwargs):
    fields = {
        "title": "Speaker programme",
        "event_title": "New frontiers in heart failure",
        "event_date": datetime.date(2027, 3, 4),
        "start_time": datetime.time(18, 30),
        "end_time": datetime.time(20, 0),
        "time_zone": "America/Chicago",
        "venue": "The Drake Hotel, 140 E Walton Pl, Chicago",
        "speaker": "Dr A. Smith, MD",
        "agenda": "18:30 Welcome\n18:45 Data review\n19:30 Q&A",
        "rsvp_url": "https://events.example.com/rsvp/123",
        "compliance_text": (
            "This programme is sponsored by Example Pharma. Meals are reported under the Sunshine Act."
        ),
        **kwargs,
    }
    return saved(Invitation(product=product, market=market, **fields), user=user, publish=publish)
