"""Editor panels that tell authors about their pinned modules."""

from django.urls import reverse
from wagtail.admin.panels import Panel

from .selectors import placements_with_newer_approvals


class PinNoticePanel(Panel):
    """Shows, above an assembly's editor, placements whose module has a newer approved revision."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "modules/panels/pin_notice.html"

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            has_pk = self.instance is not None and self.instance.pk
            self.newer = placements_with_newer_approvals(self.instance) if has_pk else []

        def is_shown(self):
            return bool(self.newer)

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["newer"] = self.newer
            context["pins_url"] = reverse(
                "modules:pins", args=[self.instance._meta.model_name, self.instance.pk]
            )
            return context
