"""The versioned index behind the `approved-content` alias: create, set up, swap, drop."""

from elasticsearch import Elasticsearch, NotFoundError

from modules.models import Product
from search.conf import alias_name, client, new_index_name
from search.mapping import index_body, synonym_rules

REFRESH_INTERVAL = "1s"


class ApprovedContentIndex:
    """One alias, one live index behind it; a rebuild creates the next index and swaps the alias."""

    def __init__(self, es: Elasticsearch | None = None):
        self.es = es or client()
        self.alias = alias_name()

    def create(self, *, loading: bool = False) -> str:
        """A new empty index with today's product synonyms; `loading` turns refresh off for bulk loads."""
        name = new_index_name()
        body = index_body(synonym_rules(Product.objects.all()))
        if loading:
            body["settings"]["refresh_interval"] = "-1"
        self.es.indices.create(index=name, **body)
        return name

    def indices(self) -> list[str]:
        """Indices the alias points at now (normally one)."""
        try:
            return sorted(self.es.indices.get_alias(name=self.alias).keys())
        except NotFoundError:
            return []

    def setup(self) -> str:
        """Create the first index and point the alias at it unless the alias exists; safe on every deploy."""
        existing = self.indices()
        if existing:
            return existing[-1]
        name = self.create()
        self.swap(name)
        return name

    def finish_loading(self, name: str) -> None:
        self.es.indices.put_settings(index=name, settings={"index": {"refresh_interval": REFRESH_INTERVAL}})
        self.es.indices.refresh(index=name)

    def swap(self, name: str) -> list[str]:
        """Point the alias at `name` only, in one atomic request; returns the indices it left."""
        old = [index for index in self.indices() if index != name]
        actions = [{"remove": {"index": index, "alias": self.alias}} for index in old]
        actions.append({"add": {"index": name, "alias": self.alias, "is_write_index": True}})
        self.es.indices.update_aliases(actions=actions)
        return old

    def drop(self, names: list[str]) -> None:
        for name in names:
            self.es.indices.delete(index=name, ignore_unavailable=True)

    def drop_all(self) -> None:
        """Remove the alias and every index of this prefix (tests and benchmarks clean up with it)."""
        # Deletes need explicit names (action.destructive_requires_name), so resolve the pattern first.
        names = list(
            self.es.indices.get(index=f"{self.alias}-*", allow_no_indices=True, expand_wildcards="all")
        )
        self.drop(names)

    def refresh(self) -> None:
        self.es.indices.refresh(index=self.alias)
