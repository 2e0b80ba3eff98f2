"""E-signatures: a reviewer signs approval or changes requested after re-entering their password.

The last approving signature of the review completes Wagtail's task, which finishes the workflow
(see approval.py).
"""

from datetime import timedelta

from django.contrib.auth.models import Group
from django.db import transaction
from wagtail.models import Revision, TaskState

from .. import roles, selectors
from ..errors import (
    ApprovalBlocked,
    NotPermitted,
    ReviewError,
    SegregationOfDuties,
    SignatureRefused,
    SigningLocked,
)
from ..hashing import content_hash
from ..models import Signature, SigningFailure
from ._common import audit_revision, full_name

SIGNING_FAILURE_LIMIT = 5
SIGNING_WINDOW = timedelta(minutes=15)


def signing_locked_until(user):
    """When this user's e-signing lock ends, or None if they may sign."""
    failures = list(SigningFailure.objects.recent_for(user, window=SIGNING_WINDOW)[:SIGNING_FAILURE_LIMIT])
    if len(failures) < SIGNING_FAILURE_LIMIT:
        return None
    return failures[0].failed_at + SIGNING_WINDOW


@transaction.atomic
def _record_signing_failure(*, user, revision: Revision) -> None:
    SigningFailure.objects.create(user=user, revision=revision)
    locked_until = signing_locked_until(user)
    audit_revision(
        "review.signature_failed", revision, user, {"reason": "wrong password", "locked_until": locked_until}
    )


def review_sign(
    *, task_state: TaskState, user, password: str, decision: str, meaning: str, discipline: Group, comment=""
) -> Signature:
    """Sign a review as approved or changes requested, after re-checking the signer's password.

    A wrong password is refused and recorded (in its own transaction, so the refusal itself is kept);
    five in fifteen minutes lock e-signing for fifteen minutes.
    """
    locked_until = signing_locked_until(user)
    if locked_until is not None:
        raise SigningLocked(
            f"E-signing is locked after {SIGNING_FAILURE_LIMIT} wrong passwords. "
            f"Try again after {locked_until:%H:%M} UTC."
        )
    if not user.check_password(password):
        _record_signing_failure(user=user, revision=task_state.revision)
        if signing_locked_until(user) is not None:
            raise SigningLocked(
                f"Wrong password. E-signing is now locked for {SIGNING_WINDOW.seconds // 60} minutes."
            )
        left = SIGNING_FAILURE_LIMIT - SigningFailure.objects.recent_for(user, window=SIGNING_WINDOW).count()
        raise SignatureRefused(
            f"Wrong password: the signature was not recorded. {left} more wrong attempt(s) "
            f"lock e-signing for {SIGNING_WINDOW.seconds // 60} minutes."
        )
    return _sign(
        task_state=task_state,
        user=user,
        decision=decision,
        meaning=meaning,
        discipline=discipline,
        comment=comment,
    )


@transaction.atomic
def _sign(*, task_state, user, decision, meaning, discipline, comment) -> Signature:
    # Signers of one review are serialised, so two "last" approvals cannot both miss each other.
    task_state = TaskState.objects.select_for_update().get(pk=task_state.pk).specific
    _check_can_sign(
        task_state=task_state, user=user, decision=decision, meaning=meaning, discipline=discipline
    )
    revision = task_state.revision
    if decision == Signature.APPROVED:
        _check_approvable(task_state=task_state, discipline=discipline)
    signature = Signature.objects.create(
        task_state=task_state,
        revision=revision,
        discipline=discipline,
        signer=user,
        signer_name=full_name(user),
        decision=decision,
        meaning=meaning,
        comment=comment,
        content_hash=content_hash(revision),
    )
    audit_revision(
        "review.sign",
        revision,
        user,
        {
            "signature_id": signature.pk,
            "decision": decision,
            "meaning": meaning,
            "discipline": discipline.name,
            "content_hash": signature.content_hash,
            "signed_at": signature.signed_at,
        },
    )
    if decision == Signature.CHANGES_REQUESTED:
        task_state.reject(user=user, comment=f"{meaning}: {comment}".strip(": "))
    elif not selectors.missing_disciplines(task_state).exists():
        task_state.approve(user=user, comment=meaning)
    return signature


def _check_can_sign(*, task_state, user, decision, meaning, discipline) -> None:
    if task_state.status != TaskState.STATUS_IN_PROGRESS:
        raise ReviewError("This review is no longer open; it was completed, cancelled or restarted.")
    obj = task_state.revision.content_object
    if obj.get_latest_revision().pk != task_state.revision_id:
        raise ReviewError("The item was edited after this review started; review the newest version.")
    task = task_state.task.specific
    if discipline not in task.disciplines_of(user):
        raise NotPermitted(f"You are not a member of {discipline.name}, a discipline of this review.")
    if user.pk in selectors.revision_editors(task_state.revision):
        raise SegregationOfDuties("You created or edited this version, so you cannot sign its review.")
    if decision not in dict(Signature.DECISIONS):
        raise ReviewError("Choose whether you approve or request changes.")
    if meaning not in roles.meanings_for(discipline.name, decision):
        decision_label = dict(Signature.DECISIONS)[decision]
        raise ReviewError(
            f"“{meaning}” does not fit “{decision_label}”: choose a meaning listed under {decision_label}."
        )
    if (
        decision == Signature.APPROVED
        and selectors.approvals_on(task_state).filter(discipline=discipline).exists()
    ):
        raise ReviewError(f"{discipline.name} has already approved this version.")


def _check_approvable(*, task_state, discipline) -> None:
    revision = task_state.revision
    blocking = selectors.blocking_annotations(revision).count()
    if blocking:
        raise ApprovalBlocked(f"Resolve the {blocking} open must-fix annotation(s) before approving.")
    # Legal and regulatory may sign in parallel with medical's citation check; only medical's own
    # approval, and the signature that would complete the review, wait for every citation verified.
    completes_review = not selectors.missing_disciplines(task_state).exclude(pk=discipline.pk).exists()
    unverified = selectors.unverified_citations(revision)
    if unverified and (discipline.name == roles.MEDICAL or completes_review):
        numbers = ", ".join(str(n + 1) for n in unverified)
        raise ApprovalBlocked(f"A medical reviewer must verify citation(s) {numbers} before approval.")
    # Withdrawal and expiry cascade only to assembly approvals that exist, so an assembly in review
    # must not be approved on a module whose approval ended meanwhile.
    ended = selectors.ended_pin_approvals(revision)
    if ended:
        names = ", ".join(f"“{record.object_title}” ({record.job_code})" for record in ended)
        raise ApprovalBlocked(
            f"Pinned module {names} is no longer approved (withdrawn or expired). Move the pin to an "
            "approved revision or remove the module, then resubmit."
        )
