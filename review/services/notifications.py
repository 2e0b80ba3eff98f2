"""Emails the review process sends itself: expiry warnings to owners."""

from datetime import timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from ..audit import audit_record
from ..labels import object_type_label
from ..models import ApprovalRecord


def approvals_warn_expiring(*, days: int, now=None) -> list[ApprovalRecord]:
    """Email each owner once about approvals expiring within `days`; returns the records warned about."""
    now = now or timezone.now()
    due = ApprovalRecord.objects.filter(
        status=ApprovalRecord.APPROVED,
        expires_at__gt=now,
        expires_at__lte=now + timedelta(days=days),
        expiry_warning_sent_at__isnull=True,
    ).select_related("revision")
    warned = []
    for record in due:
        owner = getattr(record.revision.content_object, "owner", None)
        if owner is None or not owner.email:
            continue
        send_mail(
            subject=f"Approval {record.job_code} expires on {record.expires_at:%Y-%m-%d}",
            message=(
                f"Hello {owner.get_full_name() or owner.get_username()},\n\n"
                f"The approval of “{record.object_title}” ({record.job_code}) expires on "
                f"{record.expires_at:%Y-%m-%d}. After that it is withdrawn from search, the channel API "
                "and every assembly that uses it. Submit an updated version for review before then.\n"
            ),
            from_email=None,
            recipient_list=[owner.email],
        )
        with transaction.atomic():
            record.expiry_warning_sent_at = timezone.now()
            record.save(update_fields=["expiry_warning_sent_at"])
            audit_record(
                action="review.expiry_warning_sent",
                object_type=object_type_label(record.content_type),
                object_id=record.object_id,
                object_repr=record.object_title,
                revision_id=record.revision_id,
                data={"approval_id": record.pk, "job_code": record.job_code, "to": owner.email},
            )
        warned.append(record)
    return warned
