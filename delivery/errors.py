"""Typed delivery errors, mapped once to HTTP responses in delivery/api/views.py and to CLI/admin messages."""


class DeliveryError(Exception):
    """Base class for everything the delivery app raises on purpose."""


class InvalidDeliveryRequest(DeliveryError):
    """A parameter or field is malformed or names an unknown value; `errors` maps field to message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))


class ContentNotFound(DeliveryError):
    """Missing, withdrawn, expired or out of scope: callers cannot tell which."""

    def __init__(self, message: str = "No approved content with this id is available to you."):
        super().__init__(message)


class RenderNotOffered(DeliveryError):
    """The item's type has no render in this format."""


class RenderMismatch(DeliveryError):
    """A render no longer hashes to the manifest recorded for the approval; it is never served."""


class ScopeDenied(DeliveryError):
    """A filter names a market, channel or audience outside the caller's scope."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)
