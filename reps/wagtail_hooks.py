"""Admin screens for HCPs and territories (reps themselves never see the admin)."""

from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import HCP, TerritoryAssignment


class HCPViewSet(SnippetViewSet):
    model = HCP
    icon = "user"
    list_display = ["name", "specialty", "market", "email", Column("consent", label="Email consent")]
    list_filter = ["market", "specialty", "consent"]
    search_fields = ["name", "email", "external_id"]
    inspect_view_enabled = True
    panels = [
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("specialty"), FieldPanel("market")]),
        FieldPanel("email"),
        FieldPanel("external_id"),
        MultiFieldPanel(
            [FieldPanel("consent"), FieldPanel("consent_date"), FieldPanel("consent_source")],
            heading="Email consent",
        ),
    ]


class TerritoryViewSet(SnippetViewSet):
    model = TerritoryAssignment
    icon = "group"
    menu_label = "Territories"
    list_display = ["hcp", "rep", "assigned_at"]
    list_filter = ["rep"]
    panels = [FieldPanel("rep"), FieldPanel("hcp")]


class FieldRepsGroup(SnippetViewSetGroup):
    menu_label = "Field reps"
    menu_icon = "group"
    menu_order = 800
    items = [HCPViewSet, TerritoryViewSet]


register_snippet(FieldRepsGroup)
