"""Opaque, signed cursors: a client can hand them back, never forge or edit them."""

import base64
import json

from django.core import signing

from delivery.errors import InvalidDeliveryRequest


def cursor_encode(kind: str, position: list) -> str:
    signed = signing.Signer(salt=f"delivery.cursor.{kind}").sign(json.dumps(position, separators=(",", ":")))
    return base64.urlsafe_b64encode(signed.encode()).decode().rstrip("=")


def cursor_decode(kind: str, cursor: str, *, field: str = "cursor") -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        signed = base64.urlsafe_b64decode(padded.encode()).decode()
        position = json.loads(signing.Signer(salt=f"delivery.cursor.{kind}").unsign(signed))
    except (ValueError, signing.BadSignature, UnicodeDecodeError) as exc:
        raise InvalidDeliveryRequest(
            {field: "Not a cursor from this API; start without one or use `next_cursor`."}
        ) from exc
    if not isinstance(position, list):
        raise InvalidDeliveryRequest({field: "Not a cursor from this API."})
    return position
