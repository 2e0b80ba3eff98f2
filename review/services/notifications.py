"""Emails the review process sends itself: expiry warnings to owners, restarts to reviewers."""

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


def reviewers_notify_restarted(*, obj, signatures, revision_id: int, editor=None) -> list[str]:
    """Tell each reviewer whose signature an edit voided that the review restarted; returns who was told."""
    editor_name = (editor.get_full_name() or editor.get_username()) if editor else "Someone"
    told = []
    for signer in {s.signer_id: s.signer for s in signatures}.values():
        if not signer.email:
            continue
        send_mail(
            subject=f"Review restarted: “{obj}” was edited",
            message=(
                f"Hello {signer.get_full_name() or signer.get_username()},\n\n"
                f"{editor_name} edited “{obj}” while it was in review, so the review restarted on "
                f"revision #{revision_id} and your signature on the earlier version is void. "
                "The review screen shows what changed since the version you reviewed.\n"
            ),
            from_email=None,
            recipient_list=[signer.email],
        )
        told.append(signer.email)
    return told
