from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "delivery"
    verbose_name = "Channel delivery"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core.signals import request_finished
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from delivery import receivers, schema  # noqa: F401 - schema registers the token scheme
        from delivery.models import ChannelClient
        from delivery.package_sections import render_manifest_section
        from delivery.previews import channel_preview_url
        from modules.models import Audience, Channel, Market
        from review import package_sections
        from review.models import OutboxEvent
        from search import previews

        post_save.connect(
            receivers.outbox_event_created, sender=OutboxEvent, dispatch_uid="delivery.outbox_event_created"
        )
        for relation in ("markets", "channels", "audiences"):
            m2m_changed.connect(
                receivers.client_scope_changed,
                sender=getattr(ChannelClient, relation).through,
                dispatch_uid=f"delivery.client_scope_changed.{relation}",
            )
        for taxonomy in (Market, Channel, Audience):
            for signal in (post_save, post_delete):
                signal.connect(
                    receivers.taxonomy_changed,
                    sender=taxonomy,
                    dispatch_uid=f"delivery.taxonomy_changed.{taxonomy.__name__}.{signal is post_save}",
                )
        request_finished.connect(receivers.request_finished, dispatch_uid="delivery.request_finished")
        previews.register(channel_preview_url)
        package_sections.register(render_manifest_section)
