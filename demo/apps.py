from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The fictional demo brand and its users (`manage.py seed_demo`); nothing else depends on it."""

    name = "demo"
    default_auto_field = "django.db.models.BigAutoField"
