"""Who may search what: a rep's scope (channel clients and their tokens live in the delivery app)."""

from django.conf import settings
from django.db import models


class RepScope(models.Model):
    """The markets and channels a field rep may find content for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="search_scope"
    )
    markets = models.ManyToManyField("modules.Market", related_name="+")
    channels = models.ManyToManyField("modules.Channel", related_name="+")

    def __str__(self):
        return f"Search scope of {self.user}"
