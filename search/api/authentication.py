"""Channels authenticate with `Authorization: Token <token>`; reps use their Django session."""

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions

from search.models import ChannelClient, token_digest


class ChannelUser(AnonymousUser):
    """The request.user of a channel call: authenticated as the channel, never as a person."""

    def __init__(self, channel_client: ChannelClient):
        self.channel_client = channel_client

    @property
    def is_authenticated(self):
        return True

    def __str__(self):
        return f"channel {self.channel_client.name}"


class ChannelTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace") != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the header as `Authorization: Token <token>`.")
        raw = header[1].decode(errors="replace")
        channel_client = ChannelClient.objects.filter(token_digest=token_digest(raw), active=True).first()
        if channel_client is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked channel token.")
        return ChannelUser(channel_client), channel_client

    def authenticate_header(self, request):
        return self.keyword
