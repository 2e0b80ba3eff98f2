from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save


def ensure_defaults_after_migrate(sender, **kwargs):
    """Role groups, their permissions and the default workflows exist in every database."""
    from .defaults import ensure_review_defaults

    ensure_review_defaults()


class ReviewConfig(AppConfig):
    name = "review"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail.models import ModelLogEntry, PageLogEntry

        from modules.ports import register_review_port

        from .audit import audit_wagtail_log_entry
        from .port import ReviewPortAdapter

        register_review_port(ReviewPortAdapter())

        post_migrate.connect(ensure_defaults_after_migrate, sender=self, dispatch_uid="review-defaults")
        for log_model in (ModelLogEntry, PageLogEntry):
            post_save.connect(
                audit_wagtail_log_entry, sender=log_model, dispatch_uid=f"audit-{log_model.__name__}"
            )
