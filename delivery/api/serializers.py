"""Parameter validation and response shapes of the delivery API (every mistake is a 400 naming the field)."""

from rest_framework import serializers

from delivery.renders import ALL_FORMATS
from search.api.serializers import CONTENT_TYPES, CodeListField, unknown_code_errors

MAX_PAGE_SIZE = 100


class StrictParams(serializers.Serializer):
    """Unknown parameters are refused by name rather than ignored."""

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: f"Unknown parameter; use one of {', '.join(self.fields)}." for name in unknown}
            )
        return attrs


class ContentParamsSerializer(StrictParams):
    type = CodeListField(required=False, help_text=f"One of {', '.join(CONTENT_TYPES)}.")
    product = CodeListField(required=False, help_text="Product code(s), e.g. CARDIO.")
    market = CodeListField(required=False, help_text="Market code(s), e.g. US-en.")
    channel = CodeListField(required=False, help_text="Channel code(s), e.g. email.")
    audience = CodeListField(required=False, help_text="Audience code(s), e.g. hcp.")
    updated_since = serializers.DateTimeField(required=False, help_text="ISO 8601; approvals at or after it.")
    cursor = serializers.CharField(
        required=False, max_length=400, help_text="`next_cursor` of the previous page."
    )
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=20)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        errors = unknown_code_errors(attrs, ("product", "market", "channel", "audience"))
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def filters(self) -> dict:
        data = self.validated_data
        return {
            name: data[name]
            for name in ("type", "product", "market", "channel", "audience")
            if data.get(name)
        }


class NoParamsSerializer(StrictParams):
    pass


class ChangesParamsSerializer(StrictParams):
    cursor = serializers.CharField(
        required=False, max_length=400, help_text="`next_cursor` of the previous page."
    )
    limit = serializers.IntegerField(required=False, min_value=1, max_value=500, default=100)


class ModuleRefSerializer(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.CharField()


class ContentItemSerializer(serializers.Serializer):
    """One approved item (the JSON is built in delivery/payloads.py; this documents it)."""

    id = serializers.CharField(help_text="<type>-<object id>, stable across revisions, e.g. email-12.")
    type = serializers.CharField()
    title = serializers.CharField()
    job_code = serializers.CharField()
    approval_id = serializers.IntegerField()
    revision_id = serializers.IntegerField()
    content_hash = serializers.CharField(
        help_text="SHA-256 of the canonical content, as on the approval record."
    )
    approved_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    products = serializers.ListField(child=serializers.CharField())
    markets = serializers.ListField(child=serializers.CharField())
    channels = serializers.ListField(child=serializers.CharField())
    audiences = serializers.ListField(child=serializers.CharField())
    fields = serializers.DictField(
        help_text="Per type: claim statement and citations, safety text, CTA url, "
        "email subject/preheader/modules, slides, event details…"
    )
    links = serializers.DictField(help_text="self, canonical (the exact hashed bytes) and renders by format.")


class ContentDetailSerializer(ContentItemSerializer):
    canonical_content = serializers.DictField(
        help_text="The document the content hash was computed over: SHA-256 of its JSON with sorted keys, "
        "separators (',', ':') and UTF-8 (not ASCII-escaped) equals content_hash."
    )


class ContentPageSerializer(serializers.Serializer):
    results = ContentItemSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class ChangeEventSerializer(serializers.Serializer):
    id = serializers.CharField(source="pk", help_text="Also the webhook idempotency key's event part.")
    kind = serializers.ChoiceField(choices=["published", "superseded", "withdrawn", "expired"])
    item_id = serializers.CharField(source="item.item_id")
    type = serializers.CharField(source="item.type")
    revision_id = serializers.IntegerField()
    job_code = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    tombstone = serializers.BooleanField(
        help_text="True: delete this revision (and the item unless a newer one is published)."
    )


class ChangesPageSerializer(serializers.Serializer):
    events = ChangeEventSerializer(many=True)
    next_cursor = serializers.CharField(help_text="Pass back as ?cursor= to resume; opaque.")
    has_more = serializers.BooleanField()


RENDER_FORMATS = ALL_FORMATS
