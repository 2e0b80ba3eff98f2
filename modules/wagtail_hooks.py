"""Admin screens for the content library: taxonomy, modules and assemblies."""

from django.shortcuts import redirect
from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.admin_url_finder import AdminURLFinder, register_admin_url_finder
from wagtail.admin.panels import MultiFieldPanel, ObjectList, TabbedInterface
from wagtail.admin.ui.tables import Column, UpdatedAtColumn
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import EditView, InspectView, SnippetViewSet, SnippetViewSetGroup

from . import admin_urls
from .choosers import CHOOSERS, ModuleChooserViewSet
from .forms import ReviewableContentForm
from .models import (
    ASSEMBLY_TYPES,
    MODULE_TYPES,
    Assembly,
    Audience,
    Channel,
    Indication,
    Market,
    Module,
    Product,
    Specialty,
)
from .models.content import SCOPE_PANELS
from .panels import PinNoticePanel, ReadinessPanel, WhereUsedPanel
from .permissions import ReviewedContentPermissionPolicy
from .ports import review_port

ICONS = {
    "claim": "openquote",
    "reference": "doc-full",
    "visual": "image",
    "safetyinformation": "warning",
    "disclaimer": "info-circle",
    "calltoaction": "link",
    "textblock": "pilcrow",
    "edetail": "tablet-alt",
    "email": "mail",
    "invitation": "date",
}


class ReviewableInspectView(InspectView):
    """Readers land on the item's review screen, which tells the truth about its approval; Wagtail's
    inspect page would show the draft's own fields ("Live: False", no expiry) instead."""

    def get(self, request, *args, **kwargs):
        url = review_port().review_url_for(self.object, request.user)
        return redirect(url) if url else super().get(request, *args, **kwargs)


class ReviewableEditView(EditView):
    """Readers who may view but not edit (reviewers, coordinators) opening an editor link land on the
    item's review screen, or its read-only inspect view, instead of the admin home."""

    def dispatch(self, request, *args, **kwargs):
        if request.method == "GET" and not self.user_has_permission("change"):
            if self.user_has_permission("view"):
                obj = self.model.objects.filter(pk=kwargs.get("pk")).first()
                if obj is not None:
                    url = review_port().review_url_for(obj, request.user) or reverse(
                        self.inspect_url_name, args=[obj.pk]
                    )
                    return redirect(url)
        return super().dispatch(request, *args, **kwargs)

    def save_instance(self):
        # A draft's own row is written before its revision: hold it first (see hold_for_saving).
        self.object.hold_for_saving()
        return super().save_instance()


class ReviewableViewSet(SnippetViewSet):
    list_display = [
        "title",
        Column("type_label", label="Type"),
        # The review status is the status: Wagtail's live/draft tag would call a withdrawn item "Draft".
        Column("approval_label", label="Status"),
        "owner",
        UpdatedAtColumn(),
    ]
    list_per_page = 50
    inspect_view_enabled = True
    inspect_view_class = ReviewableInspectView
    edit_view_class = ReviewableEditView


def module_viewset(model) -> type[ReviewableViewSet]:
    edit_handler = TabbedInterface(
        [
            ObjectList([*review_port().editor_panels(), *model.panels], heading="Content"),
            ObjectList([MultiFieldPanel(SCOPE_PANELS, heading="Where it may be used")], heading="Scope"),
            ObjectList([WhereUsedPanel()], heading="Where used"),
        ],
        base_form_class=ReviewableContentForm,
    )
    attrs = {
        "model": model,
        "icon": ICONS[model._meta.model_name],
        "edit_handler": edit_handler,
        "list_filter": ["products", "markets", "channels", "live"],
    }
    return type(f"{model.__name__}ViewSet", (ReviewableViewSet,), attrs)


def assembly_viewset(model) -> type[ReviewableViewSet]:
    attrs = {
        "model": model,
        "icon": ICONS[model._meta.model_name],
        "edit_handler": ObjectList(
            [*review_port().editor_panels(), ReadinessPanel(), PinNoticePanel(), *model.panels],
            base_form_class=ReviewableContentForm,
        ),
        "list_filter": ["product", "market", "live"],
    }
    return type(f"{model.__name__}ViewSet", (ReviewableViewSet,), attrs)


class ModuleGroup(SnippetViewSetGroup):
    menu_label = "Modules"
    menu_icon = "snippet"
    menu_order = 200
    items = [module_viewset(model) for model in MODULE_TYPES]


class AssemblyGroup(SnippetViewSetGroup):
    menu_label = "Assemblies"
    menu_icon = "tablet-alt"
    menu_order = 210
    items = [assembly_viewset(model) for model in ASSEMBLY_TYPES]


class TaxonomyGroup(SnippetViewSetGroup):
    menu_label = "Taxonomy"
    menu_icon = "tag"
    menu_order = 900
    items = [
        type(f"{model.__name__}ViewSet", (SnippetViewSet,), {"model": model, "icon": "tag"})
        for model in (Product, Indication, Market, Audience, Channel, Specialty)
    ]


# Registered before the viewsets so they use it: publishing happens only through review.
for content_model in (*MODULE_TYPES, *ASSEMBLY_TYPES):
    register_permission_policy(
        content_model, ReviewedContentPermissionPolicy(content_model), exact_class=True
    )


class SpecificContentURLFinder:
    """Edit links for base rows (workflow reports list Assembly and Module rows): the specific snippet's."""

    def __init__(self, user=None):
        self.user = user

    def get_edit_url(self, instance):
        return AdminURLFinder(self.user).get_edit_url(instance.specific)


register_admin_url_finder(Module, SpecificContentURLFinder)
register_admin_url_finder(Assembly, SpecificContentURLFinder)
register_snippet(ModuleGroup)
register_snippet(AssemblyGroup)
register_snippet(TaxonomyGroup)


@hooks.register("register_admin_viewset")
def register_module_chooser():
    # The catch-all chooser (any channel) is the default widget for module fields; placements use
    # their channel's chooser from modules/choosers.py.
    return ModuleChooserViewSet("module_chooser", register_widget=True)


@hooks.register("register_admin_viewset")
def register_channel_module_choosers():
    return list(CHOOSERS.values())


@hooks.register("register_admin_urls")
def register_assembly_urls():
    return [path("assemblies/", include((admin_urls, "modules"), namespace="modules"))]


@hooks.register("register_log_actions")
def register_log_actions(actions):
    actions.register_action(
        "modules.move_pin", "Move pin", "Moved a placement to a newer approved module revision"
    )
    actions.register_action("modules.new_variant", "New variant", "Created as a variant for another market")
    actions.register_action("modules.move_to_slide", "Move to slide", "Module moved to another slide")
