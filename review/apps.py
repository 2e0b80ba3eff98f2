from django.apps import AppConfig
from django.db.models.signals import post_save


class ReviewConfig(AppConfig):
    name = "review"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail.models import ModelLogEntry, PageLogEntry

        from .audit import audit_wagtail_log_entry

        for log_model in (ModelLogEntry, PageLogEntry):
            post_save.connect(
                audit_wagtail_log_entry, sender=log_model, dispatch_uid=f"audit-{log_model.__name__}"
            )
