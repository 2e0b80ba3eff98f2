"""Process-local values that never change under their key, kept without copying.

An approved revision's detail bytes, a published item's scope ids and a client's scope at one
`scope_version` are fixed once written, so a pull may reuse the very object an earlier pull built.
Django's local-memory cache (process-local as well) pickled each of them in and out on every pull,
which was most of what a remembered detail pull still cost beyond the bare view (bench/RESULTS.md).
Only immutable values belong here (bytes, frozen dataclasses, frozensets): callers share them.
"""

import threading
from collections.abc import Callable, Hashable


class Memo:
    def __init__(self, max_entries: int = 20_000):
        self.max_entries = max_entries
        self._values: dict = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], object]):
        """The value under `key`, built (outside the lock) the first time it is asked for."""
        value = self._values.get(key)
        if value is None:
            value = build()
            with self._lock:
                if len(self._values) >= self.max_entries:
                    self._values.clear()  # a rare full rebuild is cheaper than tracking recency
                self._values[key] = value
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
