"""Errors the review process raises; each message tells the user what to do next."""

from django.core.exceptions import PermissionDenied


class ReviewError(Exception):
    """The review action cannot be done in the item's current state."""


class NotPermitted(ReviewError, PermissionDenied):
    """The user may not do this (HTTP 403)."""


class SegregationOfDuties(NotPermitted):
    """The signer created or edited the revision under review."""


class SignatureRefused(ReviewError):
    """Wrong password at signing."""


class SigningLocked(NotPermitted):
    """Too many wrong passwords: e-signing is locked for a while."""


class ApprovalBlocked(ReviewError):
    """Something about the revision must be resolved before it can be approved."""
