from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("approvals/", views.approvals, name="approvals"),
    path("task/<int:task_state_id>/", views.review_screen, name="task"),
    path("task/<int:task_state_id>/sign/", views.sign, name="sign"),
    path("task/<int:task_state_id>/rendered/", views.rendered, name="rendered"),
    path("task/<int:task_state_id>/annotate/", views.annotate, name="annotate"),
    path(
        "task/<int:task_state_id>/annotations/<int:annotation_id>/resolve/",
        views.resolve_annotation,
        name="resolve_annotation",
    ),
    path(
        "task/<int:task_state_id>/annotations/<int:annotation_id>/reply/",
        views.reply_annotation,
        name="reply_annotation",
    ),
    path(
        "task/<int:task_state_id>/citations/<int:position>/verify/",
        views.verify_citation,
        name="verify_citation",
    ),
    path("withdraw/<str:base>/<int:pk>/", views.withdraw, name="withdraw"),
    path("approvals/<int:approval_id>/impact/", views.impact, name="impact"),
]
