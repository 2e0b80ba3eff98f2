from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from review.models import OutboxEvent
        from search import taxonomy_codes
        from search.receivers import outbox_event_created

        post_save.connect(
            outbox_event_created, sender=OutboxEvent, dispatch_uid="search.outbox_event_created"
        )
        for name, model in taxonomy_codes.TAXONOMY_MODELS.items():
            for signal in (post_save, post_delete):
                signal.connect(taxonomy_codes.clear, sender=model, dispatch_uid=f"search.codes.{name}")
