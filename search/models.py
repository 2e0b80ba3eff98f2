"""Who may search what: a rep's scope and a channel's API token, both limited to markets and channels."""

import hashlib
import secrets

from django.conf import settings
from django.db import models


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class RepScope(models.Model):
    """The markets and channels a field rep may find content for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="search_scope"
    )
    markets = models.ManyToManyField("modules.Market", related_name="+")
    channels = models.ManyToManyField("modules.Channel", related_name="+")

    def __str__(self):
        return f"Search scope of {self.user}"


class ChannelClient(models.Model):
    """A delivery channel (email platform, CLM app…) calling the API with a bearer token."""

    name = models.CharField(max_length=120, unique=True)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    markets = models.ManyToManyField("modules.Market", related_name="+")
    channels = models.ManyToManyField("modules.Channel", related_name="+")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)
