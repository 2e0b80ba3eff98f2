"""Admin forms that add the domain's rules to Wagtail's model forms."""

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from .models import Audience, Market
from .selectors import authors_of


def kept_forms(formset):
    """The inline forms whose objects will be saved: valid, not deleted, not left blank."""
    for form in formset.forms:
        if not form.is_valid() or formset._should_delete_form(form):
            continue
        if form.instance.pk is None and not form.has_changed():
            continue
        yield form


class ReviewableContentForm(WagtailAdminModelForm):
    """Checks placements on every save, and what must hold before submitting or publishing.

    Draft saves run with Wagtail's deferred validation, so the submission rules wait until then.
    """

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        self.limit_owner(for_user)
        if "markets" in self.fields:
            # A market's code alone ("DE-de") is easy to misread; the scope tab names it.
            self.fields["markets"].label_from_instance = lambda market: f"{market.name} ({market.code})"

    def limit_owner(self, user):
        """The owner receives review outcomes and expiry warnings: an author, the creating one by default."""
        field = self.fields.get("owner")
        if field is None:
            return
        field.queryset = authors_of(self._meta.model)
        field.required = True
        field.error_messages["required"] = "Choose the accountable author; they receive expiry warnings."
        if self.instance.pk is None and user is not None and not self.is_bound:
            self.initial.setdefault("owner", user.pk)
        field.label_from_instance = lambda u: u.get_full_name() or u.get_username()

    def full_clean(self):
        super().full_clean()
        if self.is_bound and "owner" in self.fields and not self.cleaned_data.get("owner"):
            # Wagtail defers required fields on draft saves; an item without an owner never may be.
            if "owner" not in self.errors:
                self.add_error("owner", self.fields["owner"].error_messages["required"])
        if not self.is_bound or self.errors:
            return
        self.check_placements()
        if not self.is_deferred_validation:
            for message in self.instance.submission_errors(self.kept_children()):
                self.add_error(None, message)

    def kept_children(self) -> dict[str, list]:
        """The inline objects that will be saved, by relation; nested ones (an e-detail slide's
        placements) are gathered under their relation name across all their parents."""
        children: dict[str, list] = {}
        for name, form in kept_inline_forms(self.formsets):
            children.setdefault(name, []).append(form.instance)
        return children

    def check_placements(self):
        if not hasattr(self.instance, "placement_errors"):
            return
        for name, form in kept_inline_forms(self.formsets):
            if name == "placements":
                for message in self.instance.placement_errors(form.instance):
                    form.add_error("module", message)


def kept_inline_forms(formsets: dict):
    """(relation name, form) for every kept inline form, descending into nested inline panels."""
    for name, formset in formsets.items():
        for form in kept_forms(formset):
            yield name, form
            yield from kept_inline_forms(getattr(form, "formsets", {}))


class VariantForm(forms.Form):
    """The new scope of a variant: another market, other audiences, or both."""

    market = forms.ModelChoiceField(
        queryset=Market.objects.order_by("code"),
        required=False,
        empty_label="Same market",
        error_messages={"invalid_choice": "Choose one of the listed markets."},
    )
    audiences = forms.ModelMultipleChoiceField(
        queryset=Audience.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to keep the source's audiences.",
        error_messages={
            "invalid_choice": "Choose audiences from the list.",
            "invalid_pk_value": "Choose audiences from the list.",
        },
    )

    def __init__(self, *args, assembly, **kwargs):
        super().__init__(*args, **kwargs)
        self.assembly = assembly
        self.fields["market"].label_from_instance = lambda market: f"{market.name} ({market.code})"

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        market, audiences = cleaned.get("market"), cleaned.get("audiences")
        same_market = market is None or market.pk == self.assembly.market_id
        same_audiences = not audiences or {a.pk for a in audiences} == {
            a.pk for a in self.assembly.audiences.all()
        }
        if same_market and same_audiences:
            raise forms.ValidationError("Choose another market or other audiences for the variant.")
        return cleaned
