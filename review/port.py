"""review's side of modules/ports.py: what content asks of the review process, answered here."""

from django.urls import reverse
from wagtail.models import Revision, Workflow

from . import selectors, services
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

    def review_url_for(self, obj, user) -> str | None:
        task_state = selectors.latest_review_of(obj)
        return reverse("review:task", args=[task_state.pk]) if task_state else None
