"""Every change to review state, one module per flow; import from here (`from review import services`).

The state-change rule every write below follows, in this order, inside one transaction:

1. ``@transaction.atomic`` (or ``with transaction.atomic()`` per item in batch jobs);
2. lock the rows it changes (``select_for_update``), so two people cannot both pass the check;
3. check the state and the user, raising a typed error (``review.errors``) that says what to do;
4. change the state (``full_clean()`` before ``save()`` where a form did not validate it);
5. write the audit entry (``review.audit.audit_record``);
6. for anything other apps follow (the index, channels), write an outbox row (``OutboxEvent``);
   Wagtail's own signals and log entries fire from the Wagtail action it wraps.

Arguments are keyword-only. Reads go through ``review.selectors``; nothing here renders.

Flows: ``submission`` (submit, restart on edit), ``signing`` (e-signatures), ``approval``
(approval record, job code, publish), ``withdrawal`` (withdraw, expire, cascade), ``annotations``
(annotations, replies, citation checks), ``notifications`` (expiry warnings).
"""

from .annotations import annotation_create, annotation_reply, annotation_resolve, citation_verify
from .approval import approval_record_create, workflow_finish
from .notifications import approvals_warn_expiring
from .signing import SIGNING_FAILURE_LIMIT, SIGNING_WINDOW, review_sign, signing_locked_until
from .submission import review_restart_if_edited, review_submit
from .withdrawal import ImpactReport, approvals_expire, content_withdraw

__all__ = [
    "SIGNING_FAILURE_LIMIT",
    "SIGNING_WINDOW",
    "ImpactReport",
    "annotation_create",
    "annotation_reply",
    "annotation_resolve",
    "approval_record_create",
    "approvals_expire",
    "approvals_warn_expiring",
    "citation_verify",
    "content_withdraw",
    "review_restart_if_edited",
    "review_sign",
    "review_submit",
    "signing_locked_until",
    "workflow_finish",
]
