"""What a caller may receive, and which taxonomy an approved revision is for (read from its content)."""

from dataclasses import dataclass

ASSEMBLY_TYPES = frozenset({"edetail", "email", "invitation"})


@dataclass(frozen=True)
class DeliveryScope:
    """Permitted market, channel and audience codes; None means unrestricted; no audiences means all."""

    markets: frozenset[str] | None
    channels: frozenset[str] | None
    audiences: frozenset[str] = frozenset()
    caller: str = ""

    def permits(self, *, markets, channels, audiences) -> bool:
        if self.markets is None:
            return True
        return (
            bool(self.markets & set(markets))
            and bool(self.channels & set(channels))
            and (not self.audiences or bool(self.audiences & set(audiences)))
        )


def _ids(value) -> list[int]:
    if value is None:
        return []
    return [int(v) for v in (value if isinstance(value, list) else [value])]


def revision_scope_ids(model_name: str, content: dict) -> dict[str, list[int]]:
    """Taxonomy ids of an approved revision: a module's own lists, an assembly's product/market/audiences.

    An assembly's channel is its type (email, edetail, invitation), returned as a code, not an id.
    Plain JSON in, plain ids out, so the data migration can use it with historical models.
    """
    if model_name in ASSEMBLY_TYPES:
        return {
            "products": _ids(content.get("product")),
            "markets": _ids(content.get("market")),
            "audiences": _ids(content.get("audiences")),
            "channels": [],
            "channel_codes": [model_name],
        }
    return {
        "products": _ids(content.get("products")),
        "markets": _ids(content.get("markets")),
        "audiences": _ids(content.get("audiences")),
        "channels": _ids(content.get("channels")),
        "channel_codes": [],
    }


def item_id(model_name: str, object_id) -> str:
    return f"{model_name}-{object_id}"
