"""Assemblies: e-details, emails and invitations built from pinned module revisions."""

import zoneinfo
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponse
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable, Revision

from ..panels import ModuleChooserPanel, PinSummaryPanel, SlideRegionsPanel
from .base import ReviewableContent
from .content import Module, SafetyInformation
from .taxonomy import Audience, Channel, Market, Product

SCOPE_PANEL = MultiFieldPanel(
    [
        FieldRowPanel([FieldPanel("product"), FieldPanel("market")]),
        FieldPanel("audiences"),
        FieldPanel("owner"),
    ],
    heading="Scope",
)


def preview_base_url(request) -> str:
    """Previews link images on the host the reviewer is using, not the configured public one."""
    return request.build_absolute_uri("/").rstrip("/")


class Assembly(ReviewableContent):
    """A deliverable asset for one product, market and channel, built from module placements."""

    channel_code: str = ""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="assemblies")
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="assemblies")
    audiences = ParentalManyToManyField(Audience, related_name="assemblies")

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "assemblies"

    def placement_errors(self, placement: "Placement") -> list[str]:
        """Why a placement does not fit this assembly's product, market and channel."""
        if placement.pinned_revision is None:
            return []
        return self.revision_scope_errors(placement.pinned_revision)

    def revision_scope_errors(self, revision: Revision) -> list[str]:
        if self.product_id is None or self.market_id is None:
            return []
        module = revision.as_object()
        return [
            f"{module.type_label} “{module.title}” {problem}."
            for problem in module.allows(
                product=self.product, market=self.market, channel_code=self.channel_code
            )
        ]

    def submission_errors(self, children: dict[str, list]) -> list[str]:
        """What must be fixed before this assembly can go to review (children: unsaved inline objects)."""
        if not children.get("placements"):
            return ["Add at least one module before submitting for review."]
        return []

    child_relation_names: tuple[str, ...] = ("placements",)

    def all_placements(self) -> list["Placement"]:
        """Every placement (pin) in reading order; an e-detail gathers them from its slides."""
        return list(self.placements.all())

    def hold_children(self) -> None:
        """Keep the inline objects in memory, so changes made to them are what the next save writes.

        Without unpublished changes, Wagtail's latest version is the database object itself, whose
        inline objects are fetched afresh on every access: a change made to one would be lost.
        """
        self.placements = list(self.placements.all())

    @property
    def channel(self) -> Channel:
        return Channel.objects.get(code=self.channel_code)


class Placement(Orderable):
    """A module in an assembly, pinned to one revision of it, never to "latest"."""

    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="+")
    pinned_revision = models.ForeignKey(
        Revision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        help_text="The module revision this placement shows; it moves only when an editor moves it.",
    )

    panels = [FieldPanel("module")]

    class Meta(Orderable.Meta):
        abstract = True

    def __str__(self):
        return f"{self.module} (revision {self.pinned_revision_id})"

    def clean(self):
        super().clean()
        # A new placement, or one whose module was swapped, pins the module's approved (else latest) revision.
        from modules.selectors import default_pin

        if self.module_id and not self.pins_own_module():
            self.pinned_revision = default_pin(self.module)
            if self.pinned_revision is None:
                raise ValidationError({"module": "This module has no saved version yet; save it first."})

    def pins_own_module(self) -> bool:
        revision = self.pinned_revision
        return (
            revision is not None
            and revision.object_id == str(self.module_id)
            and revision.base_content_type_id == self.module.get_base_content_type().pk
        )

    @property
    def pinned_module(self) -> Module:
        """The module exactly as it was in the pinned revision."""
        return self.pinned_revision.as_object()


class EDetail(Assembly):
    """An e-detail (CLM) deck: ordered slides, each holding its own ordered modules."""

    channel_code = Channel.EDETAIL
    child_relation_names = ("slides",)

    panels = [
        FieldPanel("title"),
        SCOPE_PANEL,
        InlinePanel(
            "slides",
            heading="Slides",
            label="Slide",
            help_text="Each slide holds its modules in order; “Arrange modules” moves them between slides.",
        ),
    ]

    class Meta:
        verbose_name = "e-detail"

    # Reps present e-details on tablets: the live preview opens at that size.
    preview_sizes = [
        {"name": "tablet", "icon": "tablet-alt", "device_width": 1024, "label": "Preview at tablet size"},
        {
            "name": "mobile",
            "icon": "mobile-alt",
            "device_width": 768,
            "label": "Preview at portrait tablet size",
        },
    ]
    default_preview_size = "tablet"

    @classmethod
    def from_serializable_data(cls, data, check_fks=True, strict_fks=False):
        # Revisions saved before slides held their modules keep that shape (they are signed as stored);
        # the snapshot module reads either shape into slides that hold their placements.
        from modules import snapshots

        return super().from_serializable_data(snapshots.edetail_nested(data), check_fks, strict_fks)

    def serve_preview(self, request, mode_name):
        from modules.rendering import render_edetail

        return HttpResponse(render_edetail(self, base_url=preview_base_url(request)))

    def hold_children(self) -> None:
        slides = list(self.slides.all())
        for slide in slides:
            slide.placements = list(slide.placements.all())
        self.slides = slides

    def all_placements(self) -> list["SlidePlacement"]:
        return [placement for _slide, placements in self.slides_with_placements() for placement in placements]

    def children_from_database(self):
        return {"slides": list(self.slides.all()), "placements": self.all_placements()}

    def submission_errors(self, children):
        """children: "slides", and "placements" gathered from every slide."""
        errors = super().submission_errors(children)
        if not children.get("slides"):
            errors.append("Add at least one slide before submitting for review.")
        return errors

    def slides_with_placements(self) -> list[tuple["Slide", list["SlidePlacement"]]]:
        return [(slide, list(slide.placements.all())) for slide in self.slides.all()]


class Slide(Orderable, ClusterableModel):
    """One slide of an e-detail; its modules fill the layout's regions in order."""

    TITLE_AND_BODY = "title_body"
    TWO_COLUMNS = "two_columns"
    VISUAL_LEFT = "visual_left"
    FULL_VISUAL = "full_visual"
    LAYOUTS = [
        (TITLE_AND_BODY, "Title and body"),
        (TWO_COLUMNS, "Two columns"),
        (VISUAL_LEFT, "Visual left, text right"),
        (FULL_VISUAL, "Full-bleed visual"),
    ]
    # Where the slide's modules go, in order, for each layout (shown to authors beside the modules).
    REGIONS = {
        TITLE_AND_BODY: ["Title: the slide title", "Body: every module, top to bottom"],
        TWO_COLUMNS: ["Title: the slide title", "Columns: modules fill left then right, in order"],
        VISUAL_LEFT: ["Left: the first module (a visual)", "Right: the other modules, top to bottom"],
        FULL_VISUAL: ["Background: the first module (a visual)", "Overlay: the other modules"],
    }

    edetail = ParentalKey(EDetail, on_delete=models.CASCADE, related_name="slides")
    title = models.CharField(max_length=200)
    layout = models.CharField(max_length=20, choices=LAYOUTS, default=TITLE_AND_BODY)

    panels = [
        FieldRowPanel([FieldPanel("title"), FieldPanel("layout")]),
        SlideRegionsPanel(),
        InlinePanel("placements", heading="Modules on this slide", label="Module"),
    ]

    def __str__(self):
        return self.title

    @property
    def regions(self) -> list[str]:
        return self.REGIONS.get(self.layout, [])


class SlidePlacement(Placement):
    slide = ParentalKey(Slide, on_delete=models.CASCADE, related_name="placements")

    panels = [ModuleChooserPanel(channel_code=Channel.EDETAIL), PinSummaryPanel()]


PERSONALISATION_SLOTS = {
    "recipient_name": "Recipient name",
    "rep_name": "Rep name",
    "rep_signature": "Rep signature",
    "unsubscribe_url": "Unsubscribe link",
}


class Email(Assembly):
    """An approved email: senders fill only the personalisation slots, nothing else."""

    channel_code = Channel.EMAIL

    subject = models.CharField(max_length=150)
    preheader = models.CharField(
        max_length=200, blank=True, help_text="Preview text shown after the subject."
    )

    panels = [
        FieldPanel("title"),
        SCOPE_PANEL,
        FieldPanel("subject"),
        FieldPanel("preheader"),
        InlinePanel(
            "placements",
            heading="Body",
            label="Module",
            help_text="Safety information modules are rendered in the footer.",
        ),
    ]

    # Side by side while editing: the 600 px desktop layout and a 360 px phone.
    preview_sizes = [
        {"name": "desktop", "icon": "desktop", "device_width": 800, "label": "Preview at desktop mail size"},
        {
            "name": "mobile",
            "icon": "mobile-alt",
            "device_width": 360,
            "label": "Preview at phone size (360 px)",
        },
    ]
    default_preview_size = "desktop"

    @property
    def preview_modes(self):
        return [("html", "HTML"), ("text", "Plain text")]

    def serve_preview(self, request, mode_name):
        from modules.rendering import render_email

        rendered = render_email(self, base_url=preview_base_url(request))
        if mode_name == "text":
            return HttpResponse(rendered.text, content_type="text/plain; charset=utf-8")
        return HttpResponse(rendered.html)

    def submission_errors(self, children):
        errors = super().submission_errors(children)
        if not self.safety_placements(children.get("placements", [])):
            errors.append(
                f"An email must include the safety information for {self.product.brand_name} "
                f"in {self.market.code}; add its safety information module."
            )
        return errors

    def safety_placements(self, placements) -> list["EmailPlacement"]:
        return [
            p
            for p in placements
            if p.pinned_revision is not None
            and isinstance(p.pinned_module, SafetyInformation)
            and not p.pinned_module.allows(
                product=self.product, market=self.market, channel_code=self.channel_code
            )
        ]


class EmailPlacement(Placement):
    email = ParentalKey(Email, on_delete=models.CASCADE, related_name="placements")

    panels = [ModuleChooserPanel(channel_code=Channel.EMAIL), PinSummaryPanel()]


TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name]


class Invitation(Assembly):
    """An invitation to an HCP event, with calendar file and required compliance text."""

    channel_code = Channel.INVITATION

    event_title = models.CharField(max_length=200)
    event_date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES, default="America/New_York")
    venue = models.TextField(blank=True, help_text="Address, for an in-person event.")
    virtual_link = models.URLField(blank=True, help_text="Meeting link, for a virtual event.")
    speaker = models.CharField(max_length=200)
    agenda = models.TextField()
    rsvp_url = models.URLField("RSVP URL")
    compliance_text = models.TextField(
        help_text="Required, e.g. transparency reporting and meal-limit statement for this market."
    )

    panels = [
        FieldPanel("title"),
        SCOPE_PANEL,
        FieldPanel("event_title"),
        FieldRowPanel([FieldPanel("event_date"), FieldPanel("start_time"), FieldPanel("end_time")]),
        FieldPanel("time_zone"),
        FieldPanel("venue"),
        FieldPanel("virtual_link"),
        FieldPanel("speaker"),
        FieldPanel("agenda"),
        FieldPanel("rsvp_url"),
        FieldPanel("compliance_text"),
        InlinePanel("placements", heading="Modules", label="Module"),
    ]

    def clean(self):
        super().clean()
        errors = {}
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            errors["end_time"] = "The event must end after it starts."
        if not (self.venue or "").strip() and not self.virtual_link:
            errors["venue"] = "Give a venue, a virtual link, or both."
        if self.time_zone and self.time_zone not in zoneinfo.available_timezones():
            errors["time_zone"] = f"Unknown time zone “{self.time_zone}”."
        if errors:
            raise ValidationError(errors)

    def submission_errors(self, children):
        # An invitation stands on its own fields; modules are optional.
        return []

    def serve_preview(self, request, mode_name):
        from modules.rendering import render_invitation

        return HttpResponse(render_invitation(self, base_url=preview_base_url(request)))

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.event_date, self.start_time, tzinfo=zoneinfo.ZoneInfo(self.time_zone))

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.event_date, self.end_time, tzinfo=zoneinfo.ZoneInfo(self.time_zone))


class InvitationPlacement(Placement):
    invitation = ParentalKey(Invitation, on_delete=models.CASCADE, related_name="placements")

    panels = [ModuleChooserPanel(channel_code=Channel.INVITATION), PinSummaryPanel()]


ASSEMBLY_TYPES = [EDetail, Email, Invitation]
