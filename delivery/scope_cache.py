"""A channel client's scope, read from the database once per scope version and then kept in memory.

Authentication reads the token and its client in one query (none while `delivery.read_cache` knows
nothing changed), so revocation, expiry, rotation and deactivation take effect on the next request.
Only the scope (three many-to-many lists, three more queries) is cached, under the client's id
and `scope_version`.
Every change to those lists bumps the version before and after the change (receivers.py), so once a
change is saved no request can read a scope cached under an older number. Editing a market,
channel or audience bumps every client, since a renamed code changes what a cached scope means.

The scope is kept twice: as codes (what search filters on and errors name) and as row ids (what the
detail view compares with an item's own scope, which never changes once published; ids, unlike
codes, never come to mean another market).
"""

from dataclasses import dataclass

from delivery.memo import Memo
from delivery.models import ChannelClient
from delivery.scope import DeliveryScope


@dataclass(frozen=True)
class ClientScope:
    codes: DeliveryScope
    ids: DeliveryScope


def scope_of(client: ChannelClient) -> DeliveryScope:
    """The client's scope as the database has it now, as codes (three queries)."""
    return client_scope_of(client).codes


def client_scope_of(client: ChannelClient) -> ClientScope:
    caller = f"channel:{client.name}"
    rows = {
        name: list(getattr(client, name).values_list("pk", "code"))
        for name in ("markets", "channels", "audiences")
    }
    return ClientScope(
        codes=DeliveryScope(
            **{name: frozenset(code for _pk, code in r) for name, r in rows.items()}, caller=caller
        ),
        ids=DeliveryScope(
            **{name: frozenset(pk for pk, _code in r) for name, r in rows.items()}, caller=caller
        ),
    )


_scopes = Memo()


def cached_client_scope(client: ChannelClient) -> ClientScope:
    """The client's scope for the `scope_version` just read with its token (no query on a hit)."""
    # The name is in the key because the scope carries it (as `caller`) and renaming keeps the version.
    return _scopes.get((client.pk, client.scope_version, client.name), lambda: client_scope_of(client))
