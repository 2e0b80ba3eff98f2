"""Review screens in the Wagtail admin: the dashboard, the review screen and approvals."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import include, path, reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from modules.models import ReviewableContent
from modules.permissions import REVIEW_ONLY_ACTIONS

from . import admin_urls, document_urls, document_views, selectors, tables
from .deletion import deletion_refusal
from .models import JobCodePattern


@hooks.register("register_admin_urls")
def register_review_urls():
    return [
        path("review/documents/", include(document_urls, namespace="review_documents")),
        path("review/", include((admin_urls, "review"), namespace="review")),
    ]


@hooks.register("register_admin_menu_item")
def register_reviews_menu_item():
    return MenuItem("Reviews", reverse("review:dashboard"), icon_name="tasks", order=150)


@hooks.register("register_admin_menu_item")
def register_approvals_menu_item():
    return MenuItem("Approvals", reverse("review:approvals"), icon_name="clipboard-list", order=160)


class AuditExportMenuItem(MenuItem):
    def is_shown(self, request):
        return document_views.may_export_audit(request.user)


@hooks.register("register_admin_menu_item")
def register_audit_export_menu_item():
    return AuditExportMenuItem(
        "Audit export", reverse("review_documents:audit_export"), icon_name="download", order=170
    )


@hooks.register("insert_global_admin_css")
def review_desk_css():
    return format_html('<link rel="stylesheet" href="{}">', static("review/css/review.css"))


class MyReviewsPanel(Component):
    name = "my_reviews"
    order = 50

    def __init__(self, user):
        self.user = user

    def render_html(self, parent_context=None):
        reviews = tables.reviews_table(list(selectors.reviews_for(self.user)[:10]), compact=True)
        return render_to_string("review/panels/my_reviews.html", {"reviews": reviews})


@hooks.register("construct_homepage_panels")
def add_my_reviews_panel(request, panels):
    # Wagtail's own "awaiting your review" panel cannot sign; ours links to the review screen.
    panels[:] = [panel for panel in panels if getattr(panel, "name", "") != "workflow_objects_to_moderate"]
    panels.insert(0, MyReviewsPanel(request.user))


@hooks.register("construct_snippet_action_menu")
def remove_publish_bypass(menu_items, request, context):
    """Reviewed content is published only by a finished review, so no one gets a Publish button."""
    model = context.get("model")
    if model is None or not _is_reviewed_content(model):
        return
    menu_items[:] = [
        item for item in menu_items if item.name.removeprefix("action-") not in REVIEW_ONLY_ACTIONS
    ]


def _is_reviewed_content(model) -> bool:
    return issubclass(model, ReviewableContent)


class JobCodePatternViewSet(SnippetViewSet):
    model = JobCodePattern
    icon = "code"
    menu_label = "Job-code patterns"
    add_to_admin_menu = False
    list_display = ["__str__", "product", "market", "pattern"]


register_snippet(JobCodePatternViewSet)


@hooks.register("before_delete_snippet")
def refuse_deleting_evidence(request, instances):
    """Single and bulk deletes stop before touching anything when any item is evidence or in use."""
    refusal = deletion_refusal(instances)
    if refusal is None:
        return None
    messages.error(request, refusal)
    return redirect(instances[0].snippet_viewset.get_url_name("list"))
