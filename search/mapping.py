"""The approved-content document: its fields and the analysis (English stemming, brand ↔ generic synonyms)."""

from elasticsearch.dsl import Date, Document, Keyword, Long, Text

CONTENT = {"analyzer": "content", "search_analyzer": "content_search"}


def _text(**extra) -> Text:
    return Text(**CONTENT, **extra)


class ApprovedContent(Document):
    """One approved module or assembly, exactly as its approved revision reads."""

    approval_id = Long()
    revision_id = Long()
    object_type = Keyword()
    object_id = Keyword()
    kind = Keyword()
    type = Keyword()
    title = _text(
        fields={
            "raw": Keyword(ignore_above=256),
            "suggest": Text(analyzer="autocomplete", search_analyzer="autocomplete_search"),
        }
    )
    body = _text()
    claim_text = _text()
    citations = _text()
    product_names = _text()
    products = Keyword()
    brand_names = Keyword()
    generic_names = Keyword()
    indications = Keyword()
    therapeutic_areas = Keyword()
    markets = Keyword()
    languages = Keyword()
    audiences = Keyword()
    channels = Keyword()
    specialties = Keyword()
    job_code = Keyword()
    content_hash = Keyword(index=False)
    status = Keyword()
    approved_at = Date()
    expires_at = Date()
    preview_url = Keyword(index=False)
    thumbnail_url = Keyword(index=False)

    def doc_id(self) -> str:
        return document_id(self.object_type, self.object_id)


def document_id(object_type: str, object_id: str) -> str:
    """One document per item: a newer approval replaces the older one under the same id."""
    return f"{object_type}:{object_id}"


def synonym_rules(products) -> list[str]:
    """Solr-format rules, one per product: its brand and generic names are interchangeable."""
    rules = []
    for product in products:
        names = [
            name.strip().lower().replace(",", " ") for name in (product.brand_name, product.generic_name)
        ]
        names = [name for name in dict.fromkeys(names) if name]
        if len(names) > 1:
            rules.append(", ".join(names))
    return rules


def analysis(synonyms: list[str]) -> dict:
    """Index-time: lowercase, fold accents, English stem. Search-time adds the drug-name synonyms."""
    search_filters = ["lowercase", "asciifolding"]
    filters = {
        "english_stemmer": {"type": "stemmer", "language": "english"},
        "autocomplete_edge": {"type": "edge_ngram", "min_gram": 1, "max_gram": 20},
    }
    if synonyms:
        filters["drug_names"] = {"type": "synonym_graph", "synonyms": synonyms, "lenient": True}
        search_filters.append("drug_names")
    return {
        "filter": filters,
        "analyzer": {
            "content": {"tokenizer": "standard", "filter": ["lowercase", "asciifolding", "english_stemmer"]},
            "content_search": {"tokenizer": "standard", "filter": [*search_filters, "english_stemmer"]},
            "autocomplete": {
                "tokenizer": "standard",
                "filter": ["lowercase", "asciifolding", "autocomplete_edge"],
            },
            "autocomplete_search": {"tokenizer": "standard", "filter": ["lowercase", "asciifolding"]},
        },
    }


def index_body(synonyms: list[str], *, shards: int = 1, replicas: int = 0) -> dict:
    return {
        "settings": {
            "number_of_shards": shards,
            "number_of_replicas": replicas,
            "analysis": analysis(synonyms),
        },
        "mappings": ApprovedContent._doc_type.mapping.to_dict(),
    }
