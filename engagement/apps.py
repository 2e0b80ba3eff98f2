from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "engagement"
    verbose_name = "Engagement"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_save

        from engagement import receivers
        from reps.models import EngagementEvent

        # reps may not import engagement (imports run one way), so the portal's events are taken
        # from here, in the transaction that writes them.
        post_save.connect(
            receivers.portal_event_saved,
            sender=EngagementEvent,
            dispatch_uid="engagement.portal_event_saved",
        )

        from engagement.panels import suggested_next_panel
        from reps import panels

        # The portal's HCP context shows "Suggested next" without reps importing this app.
        panels.register(suggested_next_panel)
