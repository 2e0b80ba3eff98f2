"""Periodic jobs of the review app, run by the product's scheduler (registered in ops/schedule.py)."""

from django.conf import settings

from review.checkpoints import checkpoint_write
from review.services import approvals_expire, approvals_warn_expiring


def approvals_expire_and_warn() -> str:
    """What `manage.py expire_approvals` does, every few minutes instead of when someone remembers."""
    reports = approvals_expire()
    warned = approvals_warn_expiring(days=settings.REVIEW_EXPIRY_WARNING_DAYS)
    return f"{len(reports)} approval(s) expired, {len(warned)} warning(s) sent"


def audit_checkpoint() -> str:
    """Vouch for the audit chain's head outside the database, so a later cut or rewrite shows."""
    checkpoint = checkpoint_write(reason="scheduled")
    return f"checkpoint at entry #{checkpoint.sequence} ({checkpoint.entry_hash[:12]}…)"
