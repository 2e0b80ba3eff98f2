"""Job codes: unique document numbers, assigned at approval from a pattern per product and market."""

import re

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .models import JobCodePattern, JobCodeSequence
from .models.approvals import DEFAULT_JOB_CODE_PATTERN

SEQ = re.compile(r"\{SEQ(?::0?(\d+))?\}")
ALLOWED_PLACEHOLDERS = {"BRAND", "MARKET", "LANG", "YYYY", "YY"}


class JobCodePatternError(ValueError):
    pass


def pattern_for(product, market) -> str:
    candidates = JobCodePattern.objects.filter(
        Q(product=product) | Q(product__isnull=True), Q(market=market) | Q(market__isnull=True)
    )
    best = max(candidates, key=lambda p: (p.product_id is not None, p.market_id is not None), default=None)
    return best.pattern if best else DEFAULT_JOB_CODE_PATTERN


def validate_pattern(pattern: str) -> None:
    if len(SEQ.findall(pattern)) != 1:
        raise JobCodePatternError("A job-code pattern needs exactly one {SEQ} placeholder, e.g. {SEQ:05}.")
    unknown = set(re.findall(r"\{([A-Z]+)\}", SEQ.sub("", pattern))) - ALLOWED_PLACEHOLDERS
    if unknown:
        raise JobCodePatternError(f"Unknown placeholder(s) {', '.join(sorted(unknown))} in job-code pattern.")


def _prefix_and_width(pattern: str, product, market) -> tuple[str, str, int]:
    validate_pattern(pattern)
    today = timezone.now()
    values = {
        "BRAND": product.code.upper() if product else "GEN",
        "MARKET": market.country.upper() if market else "GLOBAL",
        "LANG": market.language.lower() if market else "xx",
        "YYYY": f"{today:%Y}",
        "YY": f"{today:%y}",
    }
    rendered = re.sub(r"\{([A-Z]+)\}", lambda m: values[m.group(1)], SEQ.sub("\x00", pattern))
    width = int(SEQ.search(pattern).group(1) or 1)
    return rendered, rendered.replace("\x00", "{seq}"), width


@transaction.atomic
def job_code_assign(*, product, market) -> str:
    """The next job code for this product and market; concurrent callers get distinct numbers."""
    key, template, width = _prefix_and_width(pattern_for(product, market), product, market)
    key = key.replace("\x00", "#")
    if connection.vendor == "postgresql":
        # Insert-if-missing without racing, then lock the row until this transaction ends.
        JobCodeSequence.objects.bulk_create([JobCodeSequence(prefix=key)], ignore_conflicts=True)
    else:
        JobCodeSequence.objects.get_or_create(prefix=key)
    sequence = JobCodeSequence.objects.select_for_update().get(prefix=key)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return template.replace("{seq}", str(sequence.last_value).zfill(width))
