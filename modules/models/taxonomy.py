"""The taxonomy that scopes where a piece of content may be used."""

from django.core.validators import RegexValidator
from django.db import models

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_-]*$", "Use letters, digits, hyphens or underscores, e.g. US-en or hcp."
)


class Product(models.Model):
    """A marketed brand, with its generic (INN) name used for synonyms and ISI scoping."""

    brand_name = models.CharField(max_length=120, unique=True)
    generic_name = models.CharField(max_length=200)
    therapeutic_area = models.CharField(max_length=120)
    code = models.CharField(
        max_length=20,
        unique=True,
        validators=[code_validator],
        help_text="Short brand code printed in job codes, e.g. CARDIO.",
    )

    class Meta:
        ordering = ["brand_name"]

    def __str__(self):
        return f"{self.brand_name} ({self.generic_name})"


class Indication(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="indications")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["product__brand_name", "name"]
        constraints = [models.UniqueConstraint(fields=["product", "name"], name="unique_indication")]

    def __str__(self):
        return f"{self.product.brand_name}: {self.name}"


class Market(models.Model):
    """A country and language pair, e.g. US-en or DE-de."""

    code = models.CharField(
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2}-[a-z]{2}$", "Use COUNTRY-language, e.g. US-en or DE-de.")],
    )
    country = models.CharField(max_length=2, help_text="ISO 3166 country code, e.g. US.")
    language = models.CharField(max_length=8, help_text="ISO 639 language code, e.g. en.")
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.code


class TaxonomyTerm(models.Model):
    code = models.CharField(max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(max_length=120)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name


class Audience(TaxonomyTerm):
    """Who content is for: HCP, patient, payer…"""


class Channel(TaxonomyTerm):
    """Where content is delivered: email, e-detail (CLM), invitation, web, print."""

    EMAIL = "email"
    EDETAIL = "edetail"
    INVITATION = "invitation"


class Specialty(TaxonomyTerm):
    """An HCP specialty, used to put content in context for a rep."""

    class Meta(TaxonomyTerm.Meta):
        verbose_name_plural = "specialties"
