"""review's side of modules/ports.py: what content asks of the review process, answered here."""

from django.urls import reverse
from wagtail.models import Revision, Workflow

from modules.ports import PinApproval, ReviewRoute

from . import selectors, services
from .models import ApprovalRecord, MLRTask
from .panels import ReviewStatusPanel


class ReviewPortAdapter:
    """Registered into modules at start-up (ReviewConfig.ready); modules never imports review."""

    def workflow_for(self, obj) -> Workflow | None:
        return selectors.workflow_for(obj)

    def revision_is_frozen(self, revision: Revision) -> bool:
        return selectors.revision_is_frozen(revision)

    def revision_saved(self, obj, revision: Revision, user) -> None:
        services.review_restart_if_edited(obj=obj, revision=revision, user=user)

    def status_label(self, obj) -> str:
        return selectors.item_review_status(obj).label

    def approved_revision(self, obj) -> Revision | None:
        record = selectors.approval_in_force(obj)
        return record.revision if record else None

    def editor_panels(self) -> list:
        return [ReviewStatusPanel()]

    def pin_approval(self, module, revision: Revision) -> PinApproval:
        # `approved` is revision_is_approved, exactly what workflow_for asks of every pin.
        approved = selectors.revision_is_approved(revision)
        record = selectors.revision_approval(revision)
        if record is not None:
            state = selectors.approval_state(record)
            if approved or state in (ApprovalRecord.WITHDRAWN, ApprovalRecord.EXPIRED):
                label = "Approved" if approved else selectors.STATE_NAMES[state]
                return PinApproval(approved, state, label, record.job_code, record.expires_at)
        status = selectors.item_review_status(module)
        on_pin = status.open_task is not None and status.open_task.revision_id == revision.pk
        if on_pin and status.in_review:
            return PinApproval(False, "in_review", "In review")
        if on_pin and status.changes_requested:
            return PinApproval(False, "changes_requested", "Changes requested")
        return PinApproval(False, "not_approved", "Not approved")

    def review_route(self, obj) -> ReviewRoute | None:
        workflow = selectors.workflow_for(obj)
        if workflow is None:
            return None
        disciplines = (
            MLRTask.objects.filter(workflow_tasks__workflow=workflow)
            .values_list("disciplines__name", flat=True)
            .order_by("workflow_tasks__sort_order", "disciplines__name")
        )
        return ReviewRoute(workflow.name, tuple(name for name in disciplines if name))

    def approved_object_ids(self, model) -> set[str]:
        records = ApprovalRecord.objects.in_force().filter(base_content_type=model.get_base_content_type())
        return set(records.values_list("object_id", flat=True))

    def new_approval_expires_at(self):
        return selectors.new_approval_expires_at()

    def review_url_for(self, obj, user) -> str | None:
        task_state = selectors.latest_review_of(obj)
        return reverse("review:task", args=[task_state.pk]) if task_state else None
