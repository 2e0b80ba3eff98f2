"""Modules: the smallest reviewable units that assets are assembled from."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable
from wagtail.search import index

from modules.uploads import ReferenceFileField, VisualImageField

from .base import ReviewableContent
from .taxonomy import Audience, Channel, Indication, Market, Product, Specialty

# Restricted rich text: no headings, embeds or raw HTML, so a module renders the same in every channel.
MODULE_RICH_TEXT_FEATURES = ["bold", "italic", "superscript", "subscript", "ol", "ul", "link"]

# The Scope tab of every module's editor.
# Checkboxes, not multi-select boxes: every choice visible by name, no Ctrl-click to keep the others.
SCOPE_PANELS = [
    *(
        FieldPanel(name, widget=forms.CheckboxSelectMultiple)
        for name in ("products", "indications", "markets", "audiences", "channels", "specialties")
    ),
    FieldPanel("owner"),
]


class Module(ReviewableContent):
    """A reusable, individually approved piece of content, scoped by taxonomy."""

    products = ParentalManyToManyField(Product, related_name="modules")
    indications = ParentalManyToManyField(Indication, related_name="modules", blank=True)
    markets = ParentalManyToManyField(Market, related_name="modules")
    audiences = ParentalManyToManyField(Audience, related_name="modules")
    channels = ParentalManyToManyField(
        Channel, related_name="modules", help_text="Channels this module may be used in."
    )
    specialties = ParentalManyToManyField(
        Specialty, related_name="modules", blank=True, help_text="HCP specialties it is most relevant to."
    )

    panels: list = []

    class Meta:
        ordering = ["title"]

    def allows(self, *, product: Product, market: Market, channel_code: str) -> list[str]:
        """Why this module may not be placed in an assembly with this scope (empty when it may)."""
        # Compared in memory so that this also works on a revision's (unsaved) copy of the module.
        problems = []
        if product.pk not in {p.pk for p in self.products.all()}:
            problems.append(f"is not for product {product.brand_name}")
        if market.pk not in {m.pk for m in self.markets.all()}:
            problems.append(f"is not for market {market.code}")
        if channel_code not in {c.code for c in self.channels.all()}:
            problems.append(f"is not allowed in the {channel_code} channel")
        return problems


class Reference(Module):
    """A source document (label/SmPC, publication, data on file) that claims cite."""

    LABEL = "label"
    PUBLICATION = "publication"
    DATA_ON_FILE = "data_on_file"
    KIND_CHOICES = [
        (LABEL, "Label / SmPC"),
        (PUBLICATION, "Publication"),
        (DATA_ON_FILE, "Data on file"),
    ]

    citation_text = models.TextField(help_text="Full citation as printed in the references list.")
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    source_file = ReferenceFileField(upload_to="references/%Y/%m/", help_text="The source document as a PDF.")
    doi = models.CharField("DOI", max_length=200, blank=True)
    pmid = models.CharField("PMID", max_length=20, blank=True)

    panels = [
        FieldPanel("title"),
        FieldPanel("kind"),
        FieldPanel("citation_text"),
        FieldPanel("source_file"),
        FieldPanel("doi"),
        FieldPanel("pmid"),
    ]
    search_fields = Module.search_fields + [index.SearchField("citation_text")]

    def clean(self):
        super().clean()
        if self.pmid and not self.pmid.isdigit():
            raise ValidationError({"pmid": "A PMID is digits only, e.g. 31475795."})
        if self.doi and not self.doi.startswith("10."):
            raise ValidationError({"doi": "A DOI starts with 10., e.g. 10.1056/NEJMoa1911303."})


class Claim(Module):
    """A promotional statement; it must cite at least one reference with an anchor."""

    child_relation_names = ("citations",)

    statement = models.TextField()
    qualifier = models.TextField(blank=True, help_text="Limitation or context printed with the claim.")
    footnotes = models.TextField(blank=True)

    panels = [
        FieldPanel("title"),
        FieldPanel("statement"),
        FieldPanel("qualifier"),
        FieldPanel("footnotes"),
        InlinePanel("citations", heading="Citations", label="Citation"),
    ]
    search_fields = Module.search_fields + [index.SearchField("statement")]

    def submission_errors(self, children):
        if not children.get("citations"):
            return [
                "A claim needs at least one citation (a reference with an anchor) before it can be submitted."
            ]
        return []


class Citation(Orderable):
    """A claim's pointer into a reference: where exactly the support is, and what it says."""

    PAGE = "page"
    SECTION = "section"
    FIGURE = "figure"
    TABLE = "table"
    ANCHOR_KINDS = [(PAGE, "Page"), (SECTION, "Section"), (FIGURE, "Figure"), (TABLE, "Table")]

    claim = ParentalKey(Claim, on_delete=models.CASCADE, related_name="citations")
    reference = models.ForeignKey(Reference, on_delete=models.PROTECT, related_name="citations")
    anchor_kind = models.CharField(max_length=10, choices=ANCHOR_KINDS, default=PAGE)
    anchor = models.CharField(max_length=100, help_text="e.g. 7, 5.1, Figure 2")
    supporting_quote = models.TextField(help_text="The passage in the reference that supports the claim.")

    panels = [
        FieldPanel("reference"),
        FieldPanel("anchor_kind"),
        FieldPanel("anchor"),
        FieldPanel("supporting_quote"),
    ]

    def __str__(self):
        return f"{self.reference.title}, {self.get_anchor_kind_display().lower()} {self.anchor}"


class Visual(Module):
    """An image or chart; alt text is required for accessibility."""

    image = VisualImageField(upload_to="visuals/%Y/%m/", help_text="PNG, JPEG, WebP or GIF.")
    alt_text = models.CharField(max_length=255, help_text="Describe the image for screen readers.")
    caption = models.TextField(blank=True)
    source_citation = models.CharField(max_length=500, blank=True, help_text="e.g. Adapted from Smith 2024.")

    panels = [
        FieldPanel("title"),
        FieldPanel("image"),
        FieldPanel("alt_text"),
        FieldPanel("caption"),
        FieldPanel("source_citation"),
    ]

    def clean(self):
        super().clean()
        if not (self.alt_text or "").strip():
            raise ValidationError({"alt_text": "Alt text is required so the visual is accessible."})


class SafetyInformation(Module):
    """Important safety information / fair balance for a product in its markets."""

    body = RichTextField(features=MODULE_RICH_TEXT_FEATURES)

    panels = [FieldPanel("title"), FieldPanel("body")]
    search_fields = Module.search_fields + [index.SearchField("body")]

    class Meta:
        verbose_name = "safety information"
        verbose_name_plural = "safety information"


class Disclaimer(Module):
    """A disclaimer or footnote printed with the content that uses it."""

    DISCLAIMER = "disclaimer"
    FOOTNOTE = "footnote"

    kind = models.CharField(max_length=12, choices=[(DISCLAIMER, "Disclaimer"), (FOOTNOTE, "Footnote")])
    text = models.TextField()

    panels = [FieldPanel("title"), FieldPanel("kind"), FieldPanel("text")]


class CallToAction(Module):
    """A labelled link; its allowed channels are the module's channels."""

    label = models.CharField(max_length=80)
    url = models.URLField("URL", max_length=500)

    panels = [FieldPanel("title"), FieldPanel("label"), FieldPanel("url")]

    class Meta:
        verbose_name = "call to action"
        verbose_name_plural = "calls to action"

    def clean(self):
        super().clean()
        if self.url and not self.url.startswith("https://"):
            raise ValidationError({"url": "Calls to action must link to an https:// address."})


class TextBlock(Module):
    """Restricted rich text for copy that is not a claim."""

    body = RichTextField(features=MODULE_RICH_TEXT_FEATURES)

    panels = [FieldPanel("title"), FieldPanel("body")]
    search_fields = Module.search_fields + [index.SearchField("body")]


MODULE_TYPES = [Claim, Reference, Visual, SafetyInformation, Disclaimer, CallToAction, TextBlock]
