from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_save

        from review.models import OutboxEvent
        from search.receivers import outbox_event_created

        post_save.connect(
            outbox_event_created, sender=OutboxEvent, dispatch_uid="search.outbox_event_created"
        )
