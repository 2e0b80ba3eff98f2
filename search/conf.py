"""Where the approved-content index lives: the client, the alias and its versioned index names."""

from functools import lru_cache

from django.conf import settings
from django.utils import timezone
from elasticsearch import Elasticsearch
from elasticsearch.serializer import OrjsonSerializer

from search.errors import SearchNotConfigured

ALIAS = "approved-content"


def alias_name() -> str:
    """The alias readers and writers use; SEARCH_INDEX_PREFIX keeps test and bench data apart."""
    return f"{settings.SEARCH_INDEX_PREFIX}{ALIAS}"


def new_index_name() -> str:
    return f"{alias_name()}-{timezone.now():%Y%m%d%H%M%S%f}"


def client() -> Elasticsearch:
    if not settings.ELASTICSEARCH_URL:
        raise SearchNotConfigured(
            "ELASTICSEARCH_URL is not set; `make run` starts a local node, or point it at your cluster."
        )
    return _client(settings.ELASTICSEARCH_URL, settings.SEARCH_TIMEOUT)


@lru_cache(maxsize=4)
def _client(url: str, timeout: float) -> Elasticsearch:
    # orjson for request and response bodies: JSON work was a third of a search request's Python time
    # and most of a rebuild's serialising (bench/RESULTS.md).
    return Elasticsearch(
        url, request_timeout=timeout, max_retries=1, retry_on_timeout=False, serializer=OrjsonSerializer()
    )
