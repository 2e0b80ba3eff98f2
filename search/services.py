"""Writes of the search app: channel API clients and rep scopes."""

from django.db import transaction

from modules.models import Channel, Market
from search.errors import InvalidSearchRequest
from search.models import ChannelClient, RepScope, token_digest


def _taxonomy(model, codes: list[str], name: str):
    rows = list(model.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {row.code for row in rows})
    if unknown:
        raise InvalidSearchRequest({name: f"Unknown {name} {', '.join(unknown)}."})
    return rows


@transaction.atomic
def channel_client_create(
    *, name: str, market_codes: list[str], channel_codes: list[str]
) -> tuple[ChannelClient, str]:
    """A channel client and its token; the token is shown once, only its SHA-256 is stored."""
    markets = _taxonomy(Market, market_codes, "market")
    channels = _taxonomy(Channel, channel_codes, "channel")
    raw = ChannelClient.new_token()
    channel_client = ChannelClient(name=name, token_digest=token_digest(raw))
    channel_client.full_clean()
    channel_client.save()
    channel_client.markets.set(markets)
    channel_client.channels.set(channels)
    return channel_client, raw


@transaction.atomic
def rep_scope_set(*, user, market_codes: list[str], channel_codes: list[str]) -> RepScope:
    markets = _taxonomy(Market, market_codes, "market")
    channels = _taxonomy(Channel, channel_codes, "channel")
    scope, _ = RepScope.objects.get_or_create(user=user)
    scope.markets.set(markets)
    scope.channels.set(channels)
    return scope
