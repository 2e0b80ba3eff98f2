"""Writes of the search app: rep scopes (channel clients are written by the delivery app)."""

from django.db import transaction

from modules.models import Channel, Market
from search.errors import InvalidSearchRequest
from search.models import RepScope


def _taxonomy(model, codes: list[str], name: str):
    rows = list(model.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {row.code for row in rows})
    if unknown:
        raise InvalidSearchRequest({name: f"Unknown {name} {', '.join(unknown)}."})
    return rows


@transaction.atomic
def rep_scope_set(*, user, market_codes: list[str], channel_codes: list[str]) -> RepScope:
    markets = _taxonomy(Market, market_codes, "market")
    channels = _taxonomy(Channel, channel_codes, "channel")
    scope, _ = RepScope.objects.get_or_create(user=user)
    scope.markets.set(markets)
    scope.channels.set(channels)
    return scope
