"""Typed errors of the rep portal, each with a message a rep can act on; mapped to HTTP once in views."""


class RepError(Exception):
    """Base class for everything the reps app raises on purpose."""


class NotARep(RepError):
    """The user has no rep scope, so the portal shows them nothing."""


class ContentUnavailable(RepError):
    """The approval is not in force (withdrawn, expired, superseded) or outside the rep's scope."""


class SendRefused(RepError):
    """A send failed a check: consent, territory, market, approval in force."""


class SendRateLimited(SendRefused):
    """The rep sent too many emails in the last hour."""


class TrackingLinkInvalid(RepError):
    """A tracking, click or unsubscribe token was forged, altered or names nothing."""
