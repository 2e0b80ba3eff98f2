"""Editor panels that tell authors about their pinned modules, what review an assembly will get, and
where a module is used.

The assembly models use the placement panels in their `panels`, so this file is imported while
`modules.models` is still loading: selectors (which import the models) are imported inside methods.
"""

from django.urls import reverse
from wagtail.admin.panels import FieldPanel, Panel


class PinNoticePanel(Panel):
    """Shows, above an assembly's editor, placements whose module has a newer approved revision."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "modules/panels/pin_notice.html"

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            from .selectors import placements_with_newer_approvals

            has_pk = self.instance is not None and self.instance.pk
            self.newer = placements_with_newer_approvals(self.instance) if has_pk else []

        def is_shown(self):
            return bool(self.newer)

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["newer"] = self.newer
            context["pins_url"] = pins_url(self.instance)
            return context


def pins_url(assembly) -> str:
    return reverse("modules:pins", args=[assembly._meta.model_name, assembly.pk])


class ReadinessPanel(Panel):
    """Above an assembly's editor: which review it goes to if submitted now, and the pins that decide it."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "modules/panels/readiness.html"

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            from .selectors import assembly_readiness

            self.readiness = assembly_readiness(self.instance) if self.is_shown() else None

        def is_shown(self):
            return self.instance is not None and bool(self.instance.pk)

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["readiness"] = self.readiness
            context["pins_url"] = pins_url(self.instance)
            context["variant_url"] = reverse(
                "modules:variant", args=[self.instance._meta.model_name, self.instance.pk]
            )
            if hasattr(self.instance, "slides_with_placements"):
                context["arrange_url"] = reverse("modules:arrange_slides", args=[self.instance.pk])
            return context


class PinSummaryPanel(Panel):
    """Inside each placement: the module's type and title, its pinned revision, where its approval stands."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "modules/panels/pin_summary.html"

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            from .selectors import pin_summary

            placement = self.instance
            shown = placement is not None and placement.pk and placement.pinned_revision_id
            self.pin = pin_summary(placement) if shown else None

        def is_shown(self):
            return self.pin is not None

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["pin"] = self.pin
            return context


class ModuleChooserPanel(FieldPanel):
    """The placement's module field, with a chooser that starts at the assembly's scope and channel.

    The widget is built on first use: its chooser view set lives in modules/choosers.py, which needs
    the models loaded.
    """

    def __init__(self, field_name="module", *, channel_code: str, **kwargs):
        super().__init__(field_name, **kwargs)
        self.channel_code = channel_code

    def clone_kwargs(self):
        return {**super().clone_kwargs(), "channel_code": self.channel_code}

    def get_form_options(self):
        from .choosers import module_chooser_widget

        options = super().get_form_options()
        options["widgets"] = {self.field_name: module_chooser_widget(self.channel_code)}
        return options


class WhereUsedPanel(Panel):
    """On a module: every assembly and assembly revision that pins it, with their states."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "modules/panels/where_used.html"

        def get_context_data(self, parent_context=None):
            from .selectors import module_usage

            context = super().get_context_data(parent_context)
            has_pk = self.instance is not None and self.instance.pk
            context["uses"] = module_usage(self.instance) if has_pk else []
            return context


class SlideRegionsPanel(Panel):
    """Inside each e-detail slide: the regions of its layout and which of its modules fill them."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "modules/panels/slide_regions.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            slide = self.instance
            context["regions"] = slide.regions if slide is not None else []
            context["layout"] = slide.get_layout_display() if slide is not None else ""
            if slide is not None and slide.edetail_id:
                context["arrange_url"] = reverse("modules:arrange_slides", args=[slide.edetail_id])
            return context
