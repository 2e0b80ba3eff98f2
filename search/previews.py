"""Where a search hit's preview link points for a given caller.

The index stores the admin's revision view, which only admin users can open. Apps to the right of
search (the rep portal, delivery) register a provider that returns a link their callers can open;
search never imports them.
"""

from collections.abc import Callable

from search.selectors import SearchHit

PreviewProvider = Callable[[object, SearchHit], "str | None"]
_providers: list[PreviewProvider] = []


def register(provider: PreviewProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def preview_url(caller, hit: SearchHit) -> str | None:
    """The first registered provider's link; else the admin link for admin users; else none."""
    for provider in _providers:
        url = provider(caller, hit)
        if url:
            return url
    has_perm = getattr(caller, "has_perm", None)
    if has_perm is not None and has_perm("wagtailadmin.access_admin"):
        return hit.preview_url
    return None
