"""The report filter: codes from the taxonomy, dates; an unknown value is a 400, never an empty report."""

from django import forms

from engagement.analytics import ReportFilter
from modules.models import Channel, Market, Product, Specialty


def _choices(model, allowed=None):
    terms = model.objects.order_by("code")
    if allowed is not None:
        terms = terms.filter(code__in=allowed)
    return [("", "All")] + [(term.code, f"{term} ({term.code})") for term in terms]


class ReportFilterForm(forms.Form):
    product = forms.ChoiceField(required=False)
    market = forms.ChoiceField(required=False)
    channel = forms.ChoiceField(required=False)
    specialty = forms.ChoiceField(required=False)
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data, *, products: frozenset[str] | None):
        super().__init__(data)
        self.allowed_products = products
        self.fields["product"].choices = _choices(Product, products)
        self.fields["market"].choices = _choices(Market)
        self.fields["channel"].choices = _choices(Channel)
        self.fields["specialty"].choices = _choices(Specialty)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("“From” must not be after “To”.")
        return data

    def report_filter(self) -> ReportFilter:
        data = self.cleaned_data
        return ReportFilter(
            products=self.allowed_products,
            product=data.get("product") or "",
            market=data.get("market") or "",
            channel=data.get("channel") or "",
            specialty=data.get("specialty") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
