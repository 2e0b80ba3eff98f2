"""Admin → Reports: engagement by assembly and module reuse; Settings: marketers' products."""

from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet

from engagement import admin_urls
from engagement.access import may_see_reports
from engagement.models import MarketerProducts


class ReportMenuItem(MenuItem):
    def is_shown(self, request):
        return may_see_reports(request.user)


class MarketerProductsViewSet(ModelViewSet):
    model = MarketerProducts
    icon = "group"
    menu_label = "Marketers' products"
    add_to_settings_menu = True
    form_fields = ["user", "products"]
    list_display = ["user", "__str__"]


@hooks.register("register_admin_urls")
def register_engagement_urls():
    return [path("engagement/", include((admin_urls, "engagement_admin"), namespace="engagement_admin"))]


@hooks.register("register_reports_menu_item")
def register_assemblies_report():
    return ReportMenuItem(
        "Engagement by assembly", reverse("engagement_admin:assemblies"), icon_name="view", order=1000
    )


@hooks.register("register_reports_menu_item")
def register_modules_report():
    return ReportMenuItem(
        "Module reuse", reverse("engagement_admin:modules"), icon_name="doc-full", order=1010
    )


@hooks.register("register_admin_viewset")
def register_marketer_products():
    return MarketerProductsViewSet("engagement_marketerproducts")
