from django.urls import path

from . import views

urlpatterns = [
    path("<str:model_name>/<int:pk>/pins/", views.pins, name="pins"),
    path("<str:model_name>/<int:pk>/pins/<int:placement_id>/move/", views.move_pin, name="move_pin"),
    path("<str:model_name>/<int:pk>/variant/", views.variant, name="variant"),
    path("edetail/<int:pk>/slides/", views.arrange_slides, name="arrange_slides"),
    path("invitation/<int:pk>/calendar.ics", views.invitation_calendar, name="invitation_calendar"),
]
