"""Query-parameter validation for the search API: every mistake becomes a 400 naming the parameter."""

from rest_framework import serializers

from modules.models import ASSEMBLY_TYPES, MODULE_TYPES
from search import previews
from search.query import SearchRequest
from search.taxonomy_codes import TAXONOMY_MODELS, unknown_codes

MAX_QUERY_CHARS = 200
MAX_PAGE_SIZE = 100
MAX_RESULT_WINDOW = 10_000
MAX_VALUES = 20
CONTENT_TYPES = sorted(model._meta.model_name for model in [*MODULE_TYPES, *ASSEMBLY_TYPES])


def unknown_code_errors(attrs: dict, taxonomy_names) -> dict[str, str]:
    """Errors naming each filter whose codes do not exist (taxonomy codes and content types)."""
    errors = {}
    for name in taxonomy_names:
        missing = unknown_codes(name, attrs.get(name))
        if missing:
            errors[name] = f"Unknown {name} {', '.join(missing)}."
    bad_types = [v for v in attrs.get("type") or () if v not in CONTENT_TYPES]
    if bad_types:
        errors["type"] = f"Unknown type {', '.join(bad_types)}; use one of {', '.join(CONTENT_TYPES)}."
    return errors


class CodeListField(serializers.ListField):
    """A filter given once or repeated (?market=US-en&market=DE-de), or comma-separated."""

    child = serializers.CharField(max_length=40)

    def get_value(self, dictionary):
        if self.field_name not in dictionary:
            return serializers.empty
        raw = (
            dictionary.getlist(self.field_name)
            if hasattr(dictionary, "getlist")
            else dictionary[self.field_name]
        )
        return [part.strip() for value in raw for part in str(value).split(",") if part.strip()]

    def run_child_validation(self, data):
        # DRF reports item errors as {index: [...]}; the documented 400 body is {field: [messages]}.
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError(
                [
                    f"Value {int(index) + 1}: {message}"
                    for index, messages in error.detail.items()
                    for message in messages
                ]
            ) from error

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if len(values) > MAX_VALUES:
            raise serializers.ValidationError(f"Give at most {MAX_VALUES} values.")
        return tuple(dict.fromkeys(values))


class SearchParamsSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=MAX_QUERY_CHARS, default="")
    product = CodeListField(required=False, help_text="Product code(s), e.g. CARDIO.")
    market = CodeListField(required=False, help_text="Market code(s), e.g. US-en.")
    audience = CodeListField(required=False)
    channel = CodeListField(required=False)
    type = CodeListField(required=False, help_text=f"One of {', '.join(CONTENT_TYPES)}.")
    specialty = CodeListField(
        required=False, help_text="Boosts content for the HCP's specialty; hides nothing."
    )
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=20)

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: f"Unknown parameter; use one of {', '.join(self.fields)}." for name in unknown}
            )
        errors = unknown_code_errors(attrs, TAXONOMY_MODELS)
        if attrs["page"] * attrs["page_size"] > MAX_RESULT_WINDOW:
            errors["page"] = (
                f"Only the first {MAX_RESULT_WINDOW} results can be paged through; refine the query."
            )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def search_request(self) -> SearchRequest:
        data = self.validated_data
        filters = {
            name: data[name] for name in ("product", "market", "audience", "channel", "type") if name in data
        }
        return SearchRequest(
            q=data["q"].strip(),
            filters=filters,
            specialties=data.get("specialty", ()),
            page=data["page"],
            page_size=data["page_size"],
        )


class SuggestParamsSerializer(serializers.Serializer):
    q = serializers.CharField(min_length=1, max_length=100, trim_whitespace=True)

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: "Unknown parameter; use q." for name in unknown})
        return attrs


class SearchHitSerializer(serializers.Serializer):
    id = serializers.CharField(source="approval_id")
    type = serializers.CharField()
    kind = serializers.CharField()
    title = serializers.CharField(help_text="HTML-escaped, matches wrapped in <mark>.")
    snippet = serializers.CharField(help_text="HTML-escaped, matches wrapped in <mark>.")
    job_code = serializers.CharField()
    content_hash = serializers.CharField()
    expires_at = serializers.DateTimeField()
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    revision_id = serializers.IntegerField()
    links = serializers.SerializerMethodField()

    def get_links(self, hit) -> dict:
        # A link the caller can open (issue 10): the portal for reps, the admin for admin users.
        caller = self.context.get("caller")
        return {"preview": previews.preview_url(caller, hit), "thumbnail": hit.thumbnail_url}


class FacetBucketSerializer(serializers.Serializer):
    value = serializers.CharField()
    count = serializers.IntegerField()


class SearchPageSerializer(serializers.Serializer):
    """The fields document the schema; to_representation builds the same shape directly.

    DRF's field-by-field walk over 20 hits was the largest Python cost of a search request, in a
    response whose values are already strings and integers (bench/RESULTS.md); a test compares
    both representations.
    """

    total = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    results = SearchHitSerializer(many=True)
    facets = serializers.DictField(child=FacetBucketSerializer(many=True))
    took_ms = serializers.IntegerField()
    elasticsearch_ms = serializers.IntegerField()

    def to_representation(self, page):
        caller = self.context.get("caller")
        return {
            "total": page.total,
            "page": page.page,
            "page_size": page.page_size,
            "results": [
                {
                    "id": str(hit.approval_id),
                    "type": hit.type,
                    "kind": hit.kind,
                    "title": hit.title,
                    "snippet": hit.snippet,
                    "job_code": hit.job_code,
                    "content_hash": hit.content_hash,
                    "expires_at": hit.expires_at,
                    "object_type": hit.object_type,
                    "object_id": str(hit.object_id),
                    "revision_id": hit.revision_id,
                    "links": {"preview": previews.preview_url(caller, hit), "thumbnail": hit.thumbnail_url},
                }
                for hit in page.results
            ],
            "facets": {
                name: [{"value": str(b["value"]), "count": b["count"]} for b in buckets]
                for name, buckets in page.facets.items()
            },
            "took_ms": page.took_ms,
            "elasticsearch_ms": page.elasticsearch_ms,
        }

    def field_by_field(self, page) -> dict:
        """DRF's own representation from the declared fields (what to_representation must equal)."""
        return super().to_representation(page)
