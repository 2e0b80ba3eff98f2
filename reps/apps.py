from django.apps import AppConfig


class RepsConfig(AppConfig):
    name = "reps"
    verbose_name = "Rep portal"

    def ready(self):
        from search import previews

        from .links import rep_preview_url

        # Search results link reps to the portal's preview, which they may open (the admin's they may not).
        previews.register(rep_preview_url)
