"""Writes of the delivery app: clients and tokens, the published-item scope and feed, webhook subscriptions.

Every write is keyword-only and atomic, and leaves an audit entry where a person made the change.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from delivery.errors import InvalidDeliveryRequest
from delivery.models import (
    ChannelClient,
    ChannelToken,
    FeedEvent,
    PublishedItem,
    WebhookSubscription,
    token_digest,
)
from delivery.scope import item_id, revision_scope_ids
from modules.models import Audience, Channel, Market, Product
from review.audit import audit_record
from review.models import ApprovalRecord, OutboxEvent


def _taxonomy(model, codes, name: str):
    codes = list(dict.fromkeys(codes or []))
    rows = list(model.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {row.code for row in rows})
    if unknown:
        raise InvalidDeliveryRequest({name: f"Unknown {name} {', '.join(unknown)}."})
    return rows


def _audit(action: str, *, actor, client: ChannelClient, data: dict) -> None:
    audit_record(action=action, actor=actor, obj=client, data=data)


@transaction.atomic
def channel_client_create(
    *,
    name: str,
    market_codes: list[str],
    channel_codes: list[str],
    audience_codes: list[str] = (),
    token_label: str = "default",
    actor=None,
) -> tuple[ChannelClient, str]:
    """A client and its first token; the token is returned once, only its SHA-256 is stored."""
    name = (name or "").strip()
    if not name:
        raise InvalidDeliveryRequest({"name": "Give the client a name."})
    if ChannelClient.objects.filter(name=name).exists():
        raise InvalidDeliveryRequest({"name": f"A channel client named “{name}” already exists."})
    if not market_codes:
        raise InvalidDeliveryRequest({"market": "Give at least one market."})
    if not channel_codes:
        raise InvalidDeliveryRequest({"channel": "Give at least one channel."})
    markets = _taxonomy(Market, market_codes, "market")
    channels = _taxonomy(Channel, channel_codes, "channel")
    audiences = _taxonomy(Audience, audience_codes, "audience")
    client = ChannelClient(name=name)
    client.full_clean()
    client.save()
    client.markets.set(markets)
    client.channels.set(channels)
    client.audiences.set(audiences)
    _audit(
        "delivery.client_created",
        actor=actor,
        client=client,
        data={"markets": market_codes, "channels": channel_codes, "audiences": list(audience_codes)},
    )
    _token, raw = channel_token_create(client=client, label=token_label, actor=actor)
    return client, raw


@transaction.atomic
def channel_token_create(
    *, client: ChannelClient, label: str = "default", expires_at=None, actor=None
) -> tuple[ChannelToken, str]:
    label = (label or "").strip() or "default"
    if len(label) > 80:
        raise InvalidDeliveryRequest({"label": "Keep the label to 80 characters."})
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidDeliveryRequest({"expires_at": "The expiry must be in the future."})
    raw = ChannelToken.new_raw()
    token = ChannelToken.objects.create(
        client=client, label=label, digest=token_digest(raw), expires_at=expires_at
    )
    _audit(
        "delivery.token_created",
        actor=actor,
        client=client,
        data={"token_id": token.pk, "label": label, "expires_at": expires_at},
    )
    return token, raw


@transaction.atomic
def channel_token_revoke(*, token: ChannelToken, actor=None) -> ChannelToken:
    """Revoked at once: the next request with it gets 401."""
    token = ChannelToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        _audit("delivery.token_revoked", actor=actor, client=token.client, data={"token_id": token.pk})
    return token


def rotation_grace() -> timedelta:
    return timedelta(hours=settings.DELIVERY_TOKEN_ROTATION_GRACE_HOURS)


@transaction.atomic
def channel_token_rotate(*, token: ChannelToken, actor=None) -> tuple[ChannelToken, str]:
    """A new token with the same label; the old one keeps working for the grace period, then expires."""
    token = ChannelToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None or (token.expires_at and token.expires_at <= timezone.now()):
        raise InvalidDeliveryRequest({"token": "This token is revoked or expired; create a new one instead."})
    ends = timezone.now() + rotation_grace()
    token.expires_at = min(ends, token.expires_at) if token.expires_at else ends
    token.save(update_fields=["expires_at"])
    new, raw = channel_token_create(client=token.client, label=token.label, actor=actor)
    _audit(
        "delivery.token_rotated",
        actor=actor,
        client=token.client,
        data={"old_token_id": token.pk, "new_token_id": new.pk, "old_expires_at": token.expires_at},
    )
    return new, raw


def channel_scope_versions_bump(*, client_ids) -> None:
    """Invalidate cached scopes (delivery/scope_cache.py): of these clients, or of all when None."""
    clients = (
        ChannelClient.objects.all() if client_ids is None else ChannelClient.objects.filter(pk__in=client_ids)
    )
    clients.update(scope_version=F("scope_version") + 1)


def token_touch(*, token: ChannelToken, now=None) -> None:
    """Record last use at most once a minute per token, so authentication stays a read."""
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ChannelToken.objects.filter(pk=token.pk).update(last_used_at=now)
        # The object may be the one delivery.read_cache hands to the next requests too.
        token.last_used_at = now


# --- following review's outbox: the published items and the change feed ------------------------


def published_item_record(*, approval: ApprovalRecord) -> PublishedItem:
    """The channel view of an approval (id, type, scope), written once; safe to call again."""
    existing = PublishedItem.objects.filter(approval=approval).first()
    if existing is not None:
        return existing
    model_name = approval.content_type.model
    ids = revision_scope_ids(model_name, approval.revision.content)
    try:
        with transaction.atomic():
            item = PublishedItem.objects.create(
                approval=approval,
                item_id=item_id(model_name, approval.object_id),
                type=model_name,
                approved_at=approval.approved_at,
            )
    except IntegrityError:
        return PublishedItem.objects.get(approval=approval)
    item.products.set(Product.objects.filter(pk__in=ids["products"]))
    item.markets.set(Market.objects.filter(pk__in=ids["markets"]))
    item.audiences.set(Audience.objects.filter(pk__in=ids["audiences"]))
    channels = Channel.objects.filter(pk__in=ids["channels"]) | Channel.objects.filter(
        code__in=ids["channel_codes"]
    )
    item.channels.set(channels)
    return item


def feed_events_record(*, outbox_event: OutboxEvent) -> list[FeedEvent]:
    """Feed events for one outbox event, in the approval's own transaction (so they commit with it).

    Review writes no outbox row when a newer approval supersedes an older one; the superseded
    approvals are found here (ended as superseded, no feed event yet) and announced first.
    """
    approval = outbox_event.approval
    events = []
    if outbox_event.kind == OutboxEvent.PUBLISHED:
        superseded = ApprovalRecord.objects.filter(
            base_content_type_id=approval.base_content_type_id,
            object_id=approval.object_id,
            status=ApprovalRecord.SUPERSEDED,
        ).exclude(published_item__events__kind=FeedEvent.SUPERSEDED)
        for old in superseded.select_related("content_type", "revision"):
            events.append(_feed_event(old, FeedEvent.SUPERSEDED))
    events.append(_feed_event(approval, outbox_event.kind))
    return events


def _feed_event(approval: ApprovalRecord, kind: str) -> FeedEvent:
    item = published_item_record(approval=approval)
    return FeedEvent.objects.create(
        kind=kind, item=item, revision_id=approval.revision_id, job_code=approval.job_code
    )


# --- webhooks --------------------------------------------------------------------------------------


def _check_webhook_url(url: str) -> None:
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError as exc:
        raise InvalidDeliveryRequest({"url": "Enter a valid URL."}) from exc
    if not url.startswith("https://") and not settings.DEBUG and not settings.DELIVERY_WEBHOOK_ALLOW_HTTP:
        raise InvalidDeliveryRequest({"url": "Webhook URLs must use https://."})


@transaction.atomic
def webhook_subscription_create(
    *, client: ChannelClient, url: str, events: list[str], actor=None
) -> WebhookSubscription:
    """A subscription and its signing secret (shown to the administrator; receivers verify with it)."""
    _check_webhook_url(url)
    kinds = {kind for kind, _ in FeedEvent.KINDS}
    unknown = sorted(set(events) - kinds)
    if unknown or not events:
        raise InvalidDeliveryRequest({"events": f"Choose one or more of {', '.join(sorted(kinds))}."})
    subscription = WebhookSubscription.objects.create(
        client=client, url=url, events=sorted(set(events)), secret=WebhookSubscription.new_secret()
    )
    _audit(
        "delivery.webhook_created",
        actor=actor,
        client=client,
        data={"subscription_id": subscription.pk, "url": url, "events": subscription.events},
    )
    return subscription
