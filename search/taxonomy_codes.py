"""Taxonomy codes the search API accepts, cached per process for parameter validation.

Validation ran one query per filter on every search. Codes change rarely, so the known codes of each
model are kept for a short time. A code missing from the cache is looked up before it is refused
(a new code works at once, in every process); saving or deleting a taxonomy row clears this
process's cache, and other processes reload within CACHE_SECONDS.
"""

import threading
import time

from modules.models import Audience, Channel, Market, Product, Specialty

CACHE_SECONDS = 60.0
TAXONOMY_MODELS = {
    "product": Product,
    "market": Market,
    "audience": Audience,
    "channel": Channel,
    "specialty": Specialty,
}

_lock = threading.Lock()
_known: dict[str, tuple[float, frozenset[str]]] = {}


def _codes(name: str) -> frozenset[str]:
    now = time.monotonic()
    cached = _known.get(name)
    if cached and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    codes = frozenset(TAXONOMY_MODELS[name].objects.values_list("code", flat=True))
    with _lock:
        _known[name] = (now, codes)
    return codes


def unknown_codes(name: str, values) -> list[str]:
    """The values that are not codes of taxonomy `name` (product, market, …), in the order given."""
    if not values:
        return []
    missing = [v for v in values if v not in _codes(name)]
    if missing:  # perhaps created since the cache was filled: ask the database before refusing
        model = TAXONOMY_MODELS[name]
        found = set(model.objects.filter(code__in=missing).values_list("code", flat=True))
        if found:
            clear()
        missing = [v for v in missing if v not in found]
    return missing


def clear(**kwargs) -> None:
    """Forget the cached codes (connected to save and delete of every taxonomy model)."""
    with _lock:
        _known.clear()
