from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "delivery"
    verbose_name = "Channel delivery"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core.signals import request_finished
        from django.db.models.signals import post_save

        from delivery import receivers, schema  # noqa: F401 - schema registers the token scheme
        from delivery.previews import channel_preview_url
        from review.models import OutboxEvent
        from search import previews

        post_save.connect(
            receivers.outbox_event_created, sender=OutboxEvent, dispatch_uid="delivery.outbox_event_created"
        )
        request_finished.connect(receivers.request_finished, dispatch_uid="delivery.request_finished")
        previews.register(channel_preview_url)
