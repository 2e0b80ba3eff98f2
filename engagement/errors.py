"""Typed engagement errors, mapped once to HTTP responses in engagement/api/views.py."""


class EngagementError(Exception):
    """Base class for everything the engagement app raises on purpose."""


class BatchRejected(EngagementError):
    """The batch as a whole is unusable (not JSON, not `{"events": [...]}`, too many events); nothing is
    stored. `status` is the HTTP status that fits (400, or 413 for a batch that is too big)."""

    def __init__(self, message: str, *, status: int = 400):
        self.status = status
        super().__init__(message)
