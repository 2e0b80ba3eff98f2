"""Writes of the rep portal: approved-email sends, their delivery, tracking events and unsubscribes.

Each follows the house shape: atomic → lock → check → change → audit entry. A send request is also
the outbox row: the delivery task reads it after commit and re-checks everything before sending.
"""

import uuid
from datetime import timedelta
from email.utils import make_msgid
from functools import partial
from smtplib import SMTPException

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from review.audit import audit_record

from .errors import ContentUnavailable, SendRateLimited, SendRefused, TrackingLinkInvalid
from .models import HCP, EmailSend, EngagementEvent
from .rendering import personalised_email
from .selectors import ApprovedItem, approved_item


def _refuse_unless_sendable(*, rep, approval_id: int, hcp_id, now) -> tuple[ApprovedItem, HCP]:
    """Every rule a send must pass, checked when the rep asks and again just before delivery."""
    try:
        item = approved_item(user=rep, approval_id=approval_id, now=now)
    except ContentUnavailable as error:
        raise SendRefused(str(error)) from error
    if not item.is_email:
        raise SendRefused("Only approved emails can be sent from the portal.")
    hcp = HCP.objects.select_for_update().select_related("market").filter(pk=hcp_id).first()
    if hcp is None or not hcp.assignments.filter(rep=rep).exists():
        raise SendRefused("This HCP is not in your territory; you can only email your own HCPs.")
    if not hcp.has_consent:
        raise SendRefused(f"{hcp.name} has not given email consent (or withdrew it); nothing was sent.")
    if hcp.market.code not in item.markets:
        raise SendRefused(
            f"{item.approval.job_code} is approved for {', '.join(sorted(item.markets))}, "
            f"but {hcp.name} is in {hcp.market.code}; nothing was sent."
        )
    if not rep.email:
        raise SendRefused("Your account has no email address for replies; ask an administrator to add one.")
    return item, hcp


def _check_rate(rep, now) -> None:
    limit = settings.REPS_SENDS_PER_HOUR
    recent = EmailSend.objects.filter(rep=rep, created_at__gt=now - timedelta(hours=1)).count()
    if recent >= limit:
        raise SendRateLimited(
            f"You have sent {recent} emails in the last hour (limit {limit}); try again later."
        )


def parse_send_token(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as error:
        raise SendRefused("The send form expired; open it again.") from error


@transaction.atomic
def email_send_request(*, rep, approval_id: int, hcp_id, send_token, now=None) -> EmailSend:
    """Record a rep's send of an approved email to one HCP and queue it; the same token sends once."""
    now = now or timezone.now()
    token = parse_send_token(send_token)
    # One rep's sends are serialised, so the rate limit and the token check cannot race.
    get_user_model().objects.select_for_update().filter(pk=rep.pk).first()
    existing = EmailSend.objects.filter(send_token=token).first()
    if existing is not None:
        if existing.rep_id != rep.pk:
            raise SendRefused("The send form expired; open it again.")
        return existing
    _check_rate(rep, now)
    item, hcp = _refuse_unless_sendable(rep=rep, approval_id=approval_id, hcp_id=hcp_id, now=now)
    message = personalised_email(item=item, hcp=hcp, rep=rep, send_token=str(token))
    send = EmailSend.objects.create(
        send_token=token,
        rep=rep,
        hcp=hcp,
        approval=item.approval,
        revision_id=item.approval.revision_id,
        to_address=hcp.email,
        subject=message.subject[:200],
        message_id=make_msgid(domain=settings.REPS_MESSAGE_ID_DOMAIN),
        link_targets=message.link_targets,
    )
    audit_record(
        action="reps.email_send_requested",
        actor=rep,
        obj=send,
        revision_id=send.revision_id,
        data=_audit_data(send, item),
    )
    from .tasks import deliver_email_send

    transaction.on_commit(partial(deliver_email_send.enqueue, send.pk))
    return send


def _audit_data(send: EmailSend, item: ApprovedItem) -> dict:
    return {
        "approval": send.approval_id,
        "job_code": item.approval.job_code,
        "revision": send.revision_id,
        "hcp": str(send.hcp.pseudonym),
        "to": send.to_address,
        "message_id": send.message_id,
    }


def _event(send: EmailSend, type_: str, now, url: str = "") -> EngagementEvent:
    return EngagementEvent.objects.create(
        type=type_,
        hcp_pseudonym=send.hcp.pseudonym,
        approval_id=send.approval_id,
        revision_id=send.revision_id,
        send=send,
        occurred_at=now,
        url=url,
    )


@transaction.atomic
def email_send_deliver(*, send_id: int, now=None) -> EmailSend:
    """Re-check a queued send and deliver it over the email backend; record the outcome."""
    now = now or timezone.now()
    send = EmailSend.objects.select_for_update().select_related("rep", "hcp").get(pk=send_id)
    if send.status != EmailSend.PENDING:
        return send
    try:
        item, hcp = _refuse_unless_sendable(
            rep=send.rep, approval_id=send.approval_id, hcp_id=send.hcp_id, now=now
        )
    except SendRefused as error:
        return _end_send(send, EmailSend.REFUSED, str(error))
    message = personalised_email(item=item, hcp=hcp, rep=send.rep, send_token=str(send.send_token))
    mail = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text,
        from_email=message.from_email,
        to=[hcp.email],
        reply_to=[message.reply_to],
        headers={**message.headers, "Message-ID": send.message_id},
    )
    mail.attach_alternative(message.html, "text/html")
    try:
        mail.send()
    except (SMTPException, OSError) as error:
        return _end_send(send, EmailSend.FAILED, f"The mail server did not accept the message: {error}")
    send.status, send.sent_at = EmailSend.SENT, now
    send.save(update_fields=["status", "sent_at"])
    _event(send, EngagementEvent.SENT, now)
    audit_record(
        action="reps.email_sent",
        actor=send.rep,
        obj=send,
        revision_id=send.revision_id,
        data=_audit_data(send, item),
    )
    return send


def _end_send(send: EmailSend, status: str, reason: str) -> EmailSend:
    send.status, send.error = status, reason
    send.save(update_fields=["status", "error"])
    audit_record(
        action=f"reps.email_{status}",
        actor=send.rep,
        obj=send,
        revision_id=send.revision_id,
        data={"approval": send.approval_id, "reason": reason},
    )
    return send


def sent_email(send_token: str) -> EmailSend:
    """The delivered send a tracking or unsubscribe token names; anything else is an invalid link."""
    try:
        token = uuid.UUID(send_token)
    except ValueError as error:
        raise TrackingLinkInvalid("This link is not valid.") from error
    send = EmailSend.objects.select_related("hcp").filter(send_token=token, status=EmailSend.SENT).first()
    if send is None:
        raise TrackingLinkInvalid("This link is not valid.")
    return send


def email_open_record(*, send_token: str, now=None) -> EngagementEvent:
    return _event(sent_email(send_token), EngagementEvent.OPENED, now or timezone.now())


def email_click_record(*, send_token: str, url: str, now=None) -> str:
    """Record a click and return where it goes: only a link of the approved revision that was sent."""
    send = sent_email(send_token)
    if url not in send.link_targets:
        raise TrackingLinkInvalid("This link is not valid.")
    _event(send, EngagementEvent.CLICKED, now or timezone.now(), url=url)
    return url


@transaction.atomic
def hcp_unsubscribe(*, send_token: str, now=None) -> HCP:
    """Withdraw the recipient's email consent (once); later sends to them are refused."""
    now = now or timezone.now()
    send = sent_email(send_token)
    hcp = HCP.objects.select_for_update().get(pk=send.hcp_id)
    if hcp.consent == HCP.CONSENT_WITHDRAWN:
        return hcp
    hcp.consent, hcp.consent_date = HCP.CONSENT_WITHDRAWN, now
    hcp.consent_source = f"Unsubscribe link in email {send.message_id}"[:200]
    hcp.save(update_fields=["consent", "consent_date", "consent_source"])
    send.hcp = hcp
    _event(send, EngagementEvent.UNSUBSCRIBED, now)
    audit_record(
        action="reps.consent_withdrawn",
        obj=hcp,
        data={"hcp": str(hcp.pseudonym), "via": "unsubscribe", "message_id": send.message_id},
    )
    return hcp
