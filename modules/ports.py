"""The one way modules reaches the review process: a port that the review app fills in at start-up.

Imports run one way (modules ← review ← search ← delivery, reps, engagement): modules never imports
review. What content needs from review (which workflow reviews it, whether a revision is frozen, what
to do after an edit, the status line in listings, the approved revision to pin, the editor's status
panel) is asked through `review_port()`; `review.apps.ReviewConfig.ready` registers the answer.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class PinApproval:
    """Where one pinned module revision stands in review, as the assembly editor shows it."""

    approved: bool  # usable for an assembly: the same rule the workflow choice applies
    state: str  # approved, superseded, expired, withdrawn, in_review, changes_requested, not_approved
    label: str  # e.g. "Approved", "In review", "Withdrawn"
    job_code: str = ""
    expires_at: datetime | None = None


@dataclass(frozen=True)
class ReviewRoute:
    """The workflow that would review an item if it were submitted now, and who signs in it."""

    workflow_name: str
    disciplines: tuple[str, ...]


class ReviewPort(Protocol):
    """What content asks of the review process; review/port.py is the implementation."""

    def workflow_for(self, obj):
        """The Wagtail workflow that reviews this item now (or None)."""

    def revision_is_frozen(self, revision) -> bool:
        """Whether this revision is under review, signed, approved or pinned, so it is never rewritten."""

    def revision_saved(self, obj, revision, user) -> None:
        """Called after every saved revision (an edit during review restarts that review)."""

    def status_label(self, obj) -> str:
        """One line for listings: in review, or the latest approval's state and job code."""

    def approved_revision(self, obj):
        """The item's revision whose approval is in force, or None."""

    def editor_panels(self) -> list:
        """Panels shown above every module's and assembly's editor."""

    def pin_approval(self, module, revision) -> PinApproval:
        """Where this pinned revision of the module stands: approved (job code, expiry) or why not."""

    def review_route(self, obj) -> ReviewRoute | None:
        """The workflow a submission would start now (the same choice submit makes), or None."""

    def approved_object_ids(self, model) -> set[str]:
        """Ids of the items of this (base) model whose approval is in force."""

    def new_approval_expires_at(self) -> datetime:
        """When an approval given now would expire."""

    def review_url_for(self, obj, user) -> str | None:
        """The review screen a reader opening this item should see (its latest review), or None."""


_port: ReviewPort | None = None


def register_review_port(port: ReviewPort) -> None:
    global _port
    _port = port


def review_port() -> ReviewPort:
    if _port is None:
        raise ImproperlyConfigured("No review port registered: add the `review` app to INSTALLED_APPS.")
    return _port
