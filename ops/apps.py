from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations beneath the domain apps: the scheduler, the worker, recovery of lost tasks."""

    name = "ops"
    verbose_name = "Operations"
