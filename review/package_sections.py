"""Extra sections of the reviewers' package, contributed by the apps to the right of review.

Review never imports those apps: an app registers a provider from its AppConfig.ready (delivery
adds the render manifest recorded at approval). A provider takes the approval record of the
packaged revision and returns a table for the PDF, or None when it has nothing to say.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from review.models import ApprovalRecord


@dataclass(frozen=True)
class PackageSection:
    """One titled table; `hash_columns` are set in monospace and may break anywhere."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""
    hash_columns: frozenset[int] = field(default_factory=frozenset)


SectionProvider = Callable[[ApprovalRecord], "PackageSection | None"]
_providers: list[SectionProvider] = []


def register(provider: SectionProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def sections_for(record: ApprovalRecord | None) -> list[PackageSection]:
    """Every registered provider's section for this approval, in registration order."""
    if record is None:
        return []
    return [section for provider in _providers if (section := provider(record)) is not None]
