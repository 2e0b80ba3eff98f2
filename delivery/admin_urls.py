from django.urls import path

from delivery import admin_views

urlpatterns = [
    path("clients/<int:pk>/tokens/", admin_views.client_tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", admin_views.token_revoke, name="token_revoke"),
    path("tokens/<int:pk>/rotate/", admin_views.token_rotate, name="token_rotate"),
    path("webhook-deliveries/<int:pk>/redeliver/", admin_views.webhook_redeliver, name="webhook_redeliver"),
    path(
        "webhook-deliveries/<int:pk>/redeliver/confirm/",
        admin_views.webhook_redeliver_confirm,
        name="webhook_redeliver_confirm",
    ),
    path("pulls/", admin_views.pull_report, name="pull_report"),
]
