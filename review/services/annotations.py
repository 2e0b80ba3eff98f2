"""Reviewers' annotations and replies, and medical verification of a claim's citations."""

from django.db import transaction
from django.utils import timezone
from wagtail.models import Revision, TaskState

from modules import snapshots

from .. import roles, selectors
from ..errors import NotPermitted, ReviewError, SegregationOfDuties
from ..models import Annotation, AnnotationReply, CitationCheck
from ._common import audit_revision


def _check_reviewer(user, revision: Revision) -> None:
    open_states = TaskState.objects.filter(
        revision__base_content_type_id=revision.base_content_type_id,
        revision__object_id=revision.object_id,
        status=TaskState.STATUS_IN_PROGRESS,
    )
    if not any(state.task.specific.disciplines_of(user) for state in open_states):
        raise NotPermitted("Only reviewers of an open review of this item can do that.")


@transaction.atomic
def annotation_create(
    *,
    revision: Revision,
    user,
    field_path: str,
    body: str,
    kind=Annotation.MUST_FIX,
    quote="",
    quote_start=None,
) -> Annotation:
    _check_reviewer(user, revision)
    if not body.strip():
        raise ReviewError("Write what needs attention.")
    if field_path.split(".")[0] not in selectors.annotatable_fields(revision):
        raise ReviewError(f"“{field_path}” is not a field of this {revision.content_type.name}.")
    if kind not in dict(Annotation.KINDS):
        raise ReviewError("Unknown annotation kind.")
    annotation = Annotation(
        revision=revision, field_path=field_path, body=body.strip(), kind=kind, author=user, quote=quote
    )
    if quote:
        text = snapshots.field_text(revision.content, field_path.split(".")[0])
        start = text.find(quote) if quote_start is None else quote_start
        if start < 0 or text[start : start + len(quote)] != quote:
            raise ReviewError(f"The quoted text does not appear in “{field_path}” of this version.")
        annotation.quote_start, annotation.quote_end = start, start + len(quote)
    annotation.full_clean()
    annotation.save()
    _audit_annotation("review.annotate", annotation, user, {"kind": kind, "field_path": field_path})
    return annotation


@transaction.atomic
def annotation_resolve(*, annotation: Annotation, user) -> Annotation:
    annotation = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if annotation.status == Annotation.RESOLVED:
        raise ReviewError("This annotation is already resolved.")
    if user.pk != annotation.author_id:
        _check_reviewer(user, annotation.revision)
    annotation.status, annotation.resolved_by, annotation.resolved_at = (
        Annotation.RESOLVED,
        user,
        timezone.now(),
    )
    annotation.save(update_fields=["status", "resolved_by", "resolved_at"])
    _audit_annotation("review.annotation_resolved", annotation, user, {})
    return annotation


@transaction.atomic
def annotation_reply(*, annotation: Annotation, user, body: str) -> AnnotationReply:
    """Reviewers of an open review of the item, and the people who wrote it, discuss an annotation."""
    if user.pk not in selectors.revision_editors(annotation.revision) and user.pk != annotation.author_id:
        _check_reviewer(user, annotation.revision)
    if not body.strip():
        raise ReviewError("Write a reply.")
    reply = AnnotationReply.objects.create(annotation=annotation, author=user, body=body.strip())
    _audit_annotation("review.annotation_reply", annotation, user, {"reply_id": reply.pk})
    return reply


def _audit_annotation(action, annotation, user, extra) -> None:
    audit_revision(action, annotation.revision, user, {"annotation_id": annotation.pk, **extra})


@transaction.atomic
def citation_verify(*, revision: Revision, position: int, user) -> CitationCheck:
    """A medical reviewer confirms one citation of a claim revision supports the claim."""
    if not roles.user_in_roles(user, [roles.MEDICAL]):
        raise NotPermitted("Only medical reviewers verify citations.")
    _check_reviewer(user, revision)
    if not 0 <= position < selectors.citation_count(revision):
        raise ReviewError("That citation is not in this version.")
    if user.pk in selectors.revision_editors(revision):
        raise SegregationOfDuties("You created or edited this version, so you cannot verify its citations.")
    check, created = CitationCheck.objects.get_or_create(
        revision=revision, position=position, defaults={"verified_by": user}
    )
    if created:
        audit_revision("review.citation_verified", revision, user, {"position": position})
    return check
