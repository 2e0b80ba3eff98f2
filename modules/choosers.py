"""The module chooser that assembly placements use: it starts at what the author may use here.

One chooser per channel (e-detail, email, invitation), so the channel is fixed by the assembly type;
the assembly's product and market come from its form (the widget's linked fields). By default only
approved modules are listed; the author can widen each filter, search by text and see, per row, the
type, status and job code, and the assemblies that already use the module.
"""

from functools import cache

from django import forms
from django.db.models import QuerySet
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView
from wagtail.admin.viewsets.chooser import ChooserViewSet

from .models import MODULE_TYPES, Channel, Market, Module, Product
from .ports import review_port
from .selectors import assemblies_using

TYPES = MODULE_TYPES
APPROVED = "approved"
NOT_APPROVED = "not_approved"
ANY = "any"
STATUS_CHOICES = [(APPROVED, "Approved"), (NOT_APPROVED, "Not approved"), (ANY, "Any status")]


def filter_select():
    # Wagtail's chooser modal refreshes the results when a widget with this attribute changes.
    return forms.Select(attrs={"data-chooser-modal-search-filter": True})


class ModuleFilterForm(BaseFilterForm):
    q = forms.CharField(
        label="Search term", required=False, widget=forms.TextInput(attrs={"placeholder": "Search titles"})
    )
    type = forms.ChoiceField(
        label="Type",
        required=False,
        choices=[("", "Any type"), *((m._meta.model_name, m._meta.verbose_name.capitalize()) for m in TYPES)],
        widget=filter_select(),
    )
    status = forms.ChoiceField(label="Status", required=False, choices=STATUS_CHOICES, widget=filter_select())
    product = forms.ModelChoiceField(
        Product.objects.all(), required=False, empty_label="Any product", widget=filter_select()
    )
    market = forms.ModelChoiceField(
        Market.objects.all(), required=False, empty_label="Any market", widget=filter_select()
    )
    channel = forms.ModelChoiceField(
        Channel.objects.all(),
        required=False,
        to_field_name="code",
        empty_label="Any channel",
        widget=filter_select(),
    )

    def filter(self, objects: QuerySet) -> QuerySet:
        data = self.cleaned_data
        if data.get("type"):
            objects = objects.filter(content_type__app_label="modules", content_type__model=data["type"])
        if data.get("product"):
            objects = objects.filter(products=data["product"])
        if data.get("market"):
            objects = objects.filter(markets=data["market"])
        if data.get("channel"):
            objects = objects.filter(channels=data["channel"])
        status = data.get("status") or APPROVED
        if status != ANY:
            approved = [int(pk) for pk in review_port().approved_object_ids(Module)]
            approved_only = status == APPROVED
            objects = objects.filter(pk__in=approved) if approved_only else objects.exclude(pk__in=approved)
        if query := (data.get("q") or "").strip():
            # Titles are what authors know modules by; a plain match keeps the scope filters above
            # (the search backend cannot filter on the scope's many-to-many fields).
            objects = objects.filter(title__icontains=query)
            self.is_searching, self.search_query = True, query
        return objects.distinct()


class ModuleChooseMixin:
    """Defaults (approved, this channel) applied when the request does not set them; rows annotated."""

    channel_code = ""

    def get_filter_form(self):
        data = self.request.GET.copy()
        data.setdefault("status", APPROVED)
        if self.channel_code:
            data.setdefault("channel", self.channel_code)
        return self.get_filter_form_class()(data)

    def get_filter_form_class(self):
        return ModuleFilterForm

    def filter_object_list(self, objects):
        # Wagtail ignores an invalid filter form; here that would drop the "approved" default too.
        if not self.filter_form.is_valid():
            return objects.none()
        return super().filter_object_list(objects)

    def get_results_page(self, request):
        page = super().get_results_page(request)
        self.used_in = assemblies_using([module.pk for module in page])
        return page

    @property
    def columns(self):
        return [
            *super().columns,
            Column("type", label="Type", accessor="type_label"),
            Column("status", label="Status and job code", accessor="approval_label"),
            Column(
                "used_in",
                label="Already used in",
                accessor=lambda module: ", ".join(a.title for a in self.used_in.get(module.pk, [])) or "—",
            ),
        ]


class ModuleChooseView(ModuleChooseMixin, ChooseView):
    pass


class ModuleChooseResultsView(ModuleChooseMixin, ChooseResultsView):
    pass


class ModuleChooserViewSet(ChooserViewSet):
    """A chooser across every module type, starting at one channel's approved modules."""

    model = Module
    icon = "snippet"
    choose_one_text = "Choose a module"
    choose_another_text = "Choose another module"
    edit_item_text = "Edit module"
    choose_view_class = ModuleChooseView
    choose_results_view_class = ModuleChooseResultsView
    per_page = 20
    # Placements get their widget from ModuleChooserPanel; the catch-all one registers the form default.
    register_widget = False
    channel_code = ""
    # The assembly's own product and market fields (on the same form) narrow the list when chosen.
    linked_fields = {"product": "#id_product", "market": "#id_market"}

    @property
    def choose_view(self):
        return self.construct_view(
            self.inject_view_methods(self.choose_view_class, ["get_object_list"]),
            icon=self.icon,
            page_title=self.page_title,
            search_tab_label=self.search_tab_label,
            creation_tab_label=self.creation_tab_label,
            channel_code=self.channel_code,
        )

    @property
    def choose_results_view(self):
        return self.construct_view(
            self.inject_view_methods(self.choose_results_view_class, ["get_object_list"]),
            channel_code=self.channel_code,
        )


CHOOSERS = {
    code: type(f"{code.title()}ModuleChooserViewSet", (ModuleChooserViewSet,), {"channel_code": code})(
        f"module_chooser_{code}"
    )
    for code in (Channel.EDETAIL, Channel.EMAIL, Channel.INVITATION)
}


@cache
def module_chooser_widget(channel_code: str):
    viewset = CHOOSERS[channel_code]
    return viewset.widget_class(linked_fields=ModuleChooserViewSet.linked_fields)
