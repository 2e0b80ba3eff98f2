"""The markets and channels a caller may see; every query is limited to them on the server."""

from dataclasses import dataclass


@dataclass(frozen=True)
class SearchAccess:
    """Permitted market and channel codes; None means unrestricted (administrators only)."""

    markets: frozenset[str] | None
    channels: frozenset[str] | None
    caller: str = ""

    @classmethod
    def unrestricted(cls, caller: str = "administrator") -> "SearchAccess":
        return cls(markets=None, channels=None, caller=caller)

    def permits_market(self, code: str) -> bool:
        return self.markets is None or code in self.markets

    def permits_channel(self, code: str) -> bool:
        return self.channels is None or code in self.channels
