"""Typed search errors, mapped once to HTTP responses in search/api/views.py."""


class SearchError(Exception):
    """Base class for everything the search app raises on purpose."""


class SearchNotConfigured(SearchError):
    """ELASTICSEARCH_URL is not set."""


class SearchUnavailable(SearchError):
    """Elasticsearch did not answer (down, unreachable or timing out)."""


class InvalidSearchRequest(SearchError):
    """A query parameter is malformed or names an unknown value; `errors` maps parameter to message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))


class SearchAccessDenied(SearchError):
    """The caller asked for a market or channel outside their permitted scope, or has no scope."""
