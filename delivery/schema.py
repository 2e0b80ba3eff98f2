"""How the OpenAPI schema describes a channel's token (registered when the app is ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ChannelTokenScheme(OpenApiAuthenticationExtension):
    target_class = "delivery.authentication.ChannelTokenAuthentication"
    name = "channelToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Bearer <token>` (or `Token <token>`) of a channel client, made in the admin "
                "(Settings → Channel clients) or with `manage.py search_channel_client`."
            ),
        }
