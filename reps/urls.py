from django.urls import path

from . import views

app_name = "reps"

urlpatterns = [
    path("", views.search, name="search"),
    path("login/", views.RepLoginView.as_view(), name="login"),
    path("logout/", views.RepLogoutView.as_view(), name="logout"),
    path("content/<int:approval_id>/", views.content, name="content"),
    path("content/<int:approval_id>/render/", views.content_render, name="content_render"),
    path("content/<int:approval_id>/send/", views.email_compose, name="email_compose"),
    path("content/<int:approval_id>/send/preview/", views.email_preview, name="email_preview"),
    path("sends/<int:send_id>/", views.send_status, name="send_status"),
    path("t/o/<str:token>/", views.track_open, name="track_open"),
    path("t/c/<str:token>/", views.track_click, name="track_click"),
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
