from django.urls import path

from engagement.api import views

app_name = "engagement_api"

urlpatterns = [path("events", views.EventIngestView.as_view(), name="events")]
