from django.urls import path

from engagement import views

app_name = "engagement_admin"

urlpatterns = [
    path("assemblies/", views.assemblies_report, name="assemblies"),
    path("assemblies/<str:content_id>/", views.assembly_report, name="assembly"),
    path("modules/", views.modules_report, name="modules"),
    path("modules/<str:module_id>/", views.module_report, name="module"),
]
