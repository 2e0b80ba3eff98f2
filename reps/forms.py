"""Forms of the portal: the search with HCP context, and the approved-email send."""

from django import forms

from modules.models import Channel, Product
from search.api.serializers import CONTENT_TYPES, MAX_QUERY_CHARS

from .selectors import hcps_for

TYPE_LABELS = {
    "calltoaction": "Call to action",
    "edetail": "E-detail",
    "safetyinformation": "Safety information",
    "textblock": "Text block",
}


class HCPChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, hcp):
        return f"{hcp.name} — {hcp.specialty.name}, {hcp.market.code}"


class PortalSearchForm(forms.Form):
    hcp = HCPChoiceField(
        queryset=None,
        required=False,
        label="HCP",
        empty_label="No HCP selected",
        error_messages={"invalid_choice": "Choose one of your own HCPs."},
    )
    q = forms.CharField(label="Search approved content", required=False, max_length=MAX_QUERY_CHARS)
    product = forms.ChoiceField(label="Product", required=False)
    type = forms.ChoiceField(label="Content type", required=False)
    channel = forms.ChoiceField(label="Channel", required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=500, widget=forms.HiddenInput)

    def __init__(self, *args, rep, access, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hcp"].queryset = hcps_for(rep)
        self.fields["product"].choices = [("", "All products")] + [
            (p.code, p.brand_name) for p in Product.objects.order_by("brand_name")
        ]
        self.fields["type"].choices = [("", "All types")] + [
            (t, TYPE_LABELS.get(t, t.capitalize())) for t in CONTENT_TYPES
        ]
        channels = Channel.objects.order_by("name")
        if access.channels is not None:
            channels = channels.filter(code__in=access.channels)
        self.fields["channel"].choices = [("", "All channels")] + [(c.code, c.name) for c in channels]


class SendForm(forms.Form):
    hcp = forms.IntegerField(widget=forms.HiddenInput)
    send_token = forms.UUIDField(widget=forms.HiddenInput)
