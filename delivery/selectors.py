"""Permission-aware reads: the approved items a channel may have, checked against the database now."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from django.db.models import Q, Subquery
from django.utils import timezone

from delivery import read_cache
from delivery.compiled import CompiledRead
from delivery.cursors import cursor_decode, cursor_encode
from delivery.errors import ContentNotFound, InvalidDeliveryRequest, ScopeDenied
from delivery.memo import Memo
from delivery.models import ChannelClient, ChannelToken, PublishedItem
from delivery.scope import DeliveryScope

ITEM_ID = re.compile(r"^[a-z]{1,40}-[0-9]{1,18}$")
CURSOR_KIND = "content"
FILTER_RELATIONS = {
    "product": "products",
    "market": "markets",
    "channel": "channels",
    "audience": "audiences",
}


@dataclass
class ContentPage:
    items: list[PublishedItem]
    next_cursor: str | None


def _items(now=None):
    return (
        PublishedItem.objects.in_force(now)
        .select_related("approval__revision", "approval__content_type")
        .prefetch_related("products", "markets", "channels", "audiences")
    )


def check_filters_in_scope(scope: DeliveryScope, filters: dict) -> None:
    """A filter naming a market, channel or audience outside the caller's scope is refused, not emptied."""
    if scope.markets is None:
        return
    allowed = {"market": scope.markets, "channel": scope.channels, "audience": scope.audiences or None}
    for name, codes in allowed.items():
        outside = sorted(set(filters.get(name, ())) - codes) if codes is not None else []
        if outside:
            raise ScopeDenied(name, f"{name.title()} {', '.join(outside)} is outside your scope.")


def content_page(
    *, scope: DeliveryScope, filters: dict, updated_since=None, cursor=None, limit: int = 20, now=None
) -> ContentPage:
    """Approved items in force and in scope, oldest approval first, resumable from an opaque cursor."""
    check_filters_in_scope(scope, filters)
    queryset = _items(now).in_scope(scope)
    if filters.get("type"):
        queryset = queryset.filter(type__in=filters["type"])
    for name, relation in FILTER_RELATIONS.items():
        if filters.get(name):
            through = getattr(PublishedItem, relation).through
            ids = through.objects.filter(**{f"{name}__code__in": filters[name]}).values("publisheditem_id")
            queryset = queryset.filter(pk__in=ids)
    if updated_since is not None:
        queryset = queryset.filter(approved_at__gte=updated_since)
    if cursor:
        position = cursor_decode(CURSOR_KIND, cursor)
        if len(position) != 2 or not isinstance(position[1], int) or not isinstance(position[0], str):
            raise InvalidDeliveryRequest({"cursor": "Not a cursor from this API."})
        approved_at, pk = position
        queryset = queryset.filter(Q(approved_at__gt=approved_at) | Q(approved_at=approved_at, pk__gt=pk))
    rows = list(queryset.order_by("approved_at", "pk")[: limit + 1])
    items, more = rows[:limit], len(rows) > limit
    next_cursor = (
        cursor_encode(CURSOR_KIND, [items[-1].approved_at.isoformat(), items[-1].pk]) if more else None
    )
    return ContentPage(items=items, next_cursor=next_cursor)


SCOPE_RELATIONS = ("markets", "channels", "audiences")


def published_scope_ids_many(approval_ids) -> dict[int, dict[str, frozenset[int]]]:
    """Market, channel and audience ids of each published item: three queries however many items."""
    found = {pk: {name: set() for name in SCOPE_RELATIONS} for pk in approval_ids}
    for name in SCOPE_RELATIONS:
        rows = (
            getattr(PublishedItem, name)
            .through.objects.filter(publisheditem_id__in=list(found))
            .values_list("publisheditem_id", f"{name[:-1]}_id")
        )
        for item_pk, value in rows:
            found[item_pk][name].add(value)
    return {pk: {name: frozenset(ids) for name, ids in scope.items()} for pk, scope in found.items()}


_item_scopes = Memo()


def published_scope_ids(approval_id: int) -> Mapping[str, frozenset[int]]:
    """One item's scope ids, cached: an item's scope is written once, at publication."""
    return _item_scopes.get(
        approval_id, lambda: MappingProxyType(published_scope_ids_many([approval_id])[approval_id])
    )


def _in_force_approval_id(item_id: str, now):
    return PublishedItem.objects.in_force(now).filter(item_id=item_id).values("pk")[:1]


def content_item_approval_id(
    *, scope_ids: DeliveryScope, item_id: str, now=None, read_with_token: dict | None = None
) -> int:
    """The approval id of the item in force and in scope, else ContentNotFound.

    Whether the approval is in force is asked of the database: in the token's own statement when the
    view asked for it (`read_with_token`, see `usable_token`, which `delivery.read_cache` may answer
    while no change was committed), else here. The
    item's scope never changes once published, so it is compared in memory, by row ids, with the
    caller's scope (`DeliveryScope.permits`, the same rule as `PublishedItem...in_scope`).
    """
    if not ITEM_ID.match(item_id or ""):
        raise ContentNotFound()
    if read_with_token is not None and item_id in read_with_token:
        found = read_with_token[item_id]
    else:
        found = _in_force_approval_id(item_id, now or timezone.now()).values_list("pk", flat=True).first()
    if found is None or not scope_ids.permits(**published_scope_ids(found)):
        raise ContentNotFound()
    return found


def content_item(*, scope: DeliveryScope, item_id: str, now=None) -> PublishedItem:
    """The item's approval in force, if the caller may have it; anything else is the same 404."""
    if not ITEM_ID.match(item_id or ""):
        raise ContentNotFound()
    item = _items(now or timezone.now()).in_scope(scope).filter(item_id=item_id).first()
    if item is None:
        raise ContentNotFound()
    return item


# --- authentication: the token, its client and (for one item's requests) the item's approval ----------

_TOKEN_FIELDS = [field.attname for field in ChannelToken._meta.concrete_fields]
_CLIENT_FIELDS = [field.attname for field in ChannelClient._meta.concrete_fields]


def _usable_token_row(*, digest: str, now, item_id: str | None = None):
    queryset = ChannelToken.objects.usable(now).filter(digest=digest)
    columns = [*_TOKEN_FIELDS, *(f"client__{name}" for name in _CLIENT_FIELDS)]
    if item_id is not None:
        in_force = _in_force_approval_id(item_id, now)
        queryset = queryset.annotate(
            item_approval_id=Subquery(in_force),
            item_approval_expires_at=Subquery(in_force.values("approval__expires_at")),
        )
        columns += ["item_approval_id", "item_approval_expires_at"]
    return queryset.values_list(*columns)[:1]


_TOKEN_READ = CompiledRead(_usable_token_row, digest=str, now=datetime)
_TOKEN_AND_ITEM_READ = CompiledRead(_usable_token_row, digest=str, now=datetime, item_id=str)


def usable_token(*, digest: str, now, item_id: str | None = None) -> tuple[ChannelToken | None, dict]:
    """The usable token with that digest (its client attached), read in one statement.

    With `item_id` the same statement also answers "which approval of this item is in force now"
    (`PublishedItem.objects.in_force`), returned as `{item_id: approval id or None}` for
    `content_item_approval_id`: one database round trip for the whole detail request, or none
    while `delivery.read_cache` knows that nothing it read has changed since.
    """
    with_item = bool(item_id is not None and ITEM_ID.match(item_id))
    key = (digest, item_id if with_item else None)
    remembered = read_cache.get(key, now)
    if remembered is not None:
        return remembered
    generation = read_cache.generation()  # before the read: a change committed meanwhile voids it
    if with_item:
        rows = _TOKEN_AND_ITEM_READ.rows(digest=digest, now=now, item_id=item_id)
    else:
        rows = _TOKEN_READ.rows(digest=digest, now=now)
    if not rows:
        return None, {}
    row = rows[0]
    token = ChannelToken.from_db("default", _TOKEN_FIELDS, row[: len(_TOKEN_FIELDS)])
    client_values = row[len(_TOKEN_FIELDS) : len(_TOKEN_FIELDS) + len(_CLIENT_FIELDS)]
    token.client = ChannelClient.from_db("default", _CLIENT_FIELDS, client_values)
    if not with_item:
        return token, {}
    approval_id, approval_expires_at = row[-2], row[-1]
    found = token, {item_id: approval_id}
    if approval_id is not None:
        limits = [limit for limit in (token.expires_at, approval_expires_at) if limit is not None]
        read_cache.put(key, found, generation=generation, valid_until=min(limits, default=None))
    return found
