from django.urls import path

from delivery.api import views

app_name = "delivery_api"

urlpatterns = [
    path("content", views.ContentListView.as_view(), name="content-list"),
    path("content/<str:item_id>", views.ContentDetailView.as_view(), name="content-detail"),
    path("content/<str:item_id>/canonical", views.ContentCanonicalView.as_view(), name="content-canonical"),
    path("content/<str:item_id>/render/<str:fmt>", views.ContentRenderView.as_view(), name="content-render"),
    path("changes", views.ChangesView.as_view(), name="changes"),
]
