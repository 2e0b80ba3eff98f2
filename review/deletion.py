"""Why content may not be deleted: approved, signed and pinned revisions are kept as evidence."""

from django.db import router
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from modelcluster.fields import ParentalKey
from wagtail.models import TaskState

from modules.models import Placement

from .models import ApprovalRecord, Signature

RETIRE_ADVICE = "Approved, signed or pinned content is retired by withdrawal, not deleted."


def deletion_blockers(obj) -> list[str]:
    """What deleting obj would destroy or orphan, as phrases ("it is approved"); empty when it may go."""
    # The collector finds exactly what the database would refuse, without deleting anything.
    collector = Collector(using=router.db_for_write(type(obj)))
    try:
        collector.collect([obj])
    except ProtectedError as error:
        blocking = error.protected_objects
    except RestrictedError as error:
        blocking = error.restricted_objects
    else:
        return []
    # The weightiest reason first: approved, then signed, pinned, reviewed, anything else.
    return [text for _, text in sorted({_describe(blocker) for blocker in blocking})]


def deletion_refusal(objects) -> str | None:
    """One message naming every object that may not be deleted and why, or None when all may go."""
    refusals = []
    for obj in objects:
        blockers = deletion_blockers(obj)
        if blockers:
            refusals.append(f"“{obj}” cannot be deleted: {', '.join(blockers)}.")
    if not refusals:
        return None
    return " ".join([*refusals, RETIRE_ADVICE])


def _describe(blocker) -> tuple[int, str]:
    if isinstance(blocker, ApprovalRecord):
        return 0, f"it is approved (job code {blocker.job_code})"
    if isinstance(blocker, Signature):
        return 1, "it has e-signatures"
    if isinstance(blocker, Placement):
        assembly = next(getattr(blocker, f.name) for f in blocker._meta.fields if isinstance(f, ParentalKey))
        return 2, f"it is pinned by “{assembly}”"
    if isinstance(blocker, TaskState):
        return 3, "it has a review history"
    return 4, f"{blocker._meta.verbose_name} “{blocker}” depends on it"
