from django.urls import path

from . import document_views

app_name = "review_documents"

urlpatterns = [
    path("package/<int:revision_id>.pdf", document_views.package, name="package"),
    path("audit-export/", document_views.audit_export_view, name="audit_export"),
]
