"""An editor panel that tells everyone opening an item where it stands in review."""

from django.urls import reverse
from wagtail.admin.panels import Panel
from wagtail.models import TaskState

from . import roles
from .models import ApprovalRecord


class ReviewStatusPanel(Panel):
    """Above the editor: the approval in force (job code, expiry), the open review, or why it ended."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "review/panels/review_status.html"

        def is_shown(self):
            return self.instance is not None and bool(self.instance.pk)

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            obj = self.instance
            latest = ApprovalRecord.objects.for_object(obj).order_by("-approved_at").first()
            open_task = (
                TaskState.objects.filter(
                    workflow_state__base_content_type=obj.get_base_content_type(),
                    workflow_state__object_id=str(obj.pk),
                    status__in=[TaskState.STATUS_IN_PROGRESS, TaskState.STATUS_REJECTED],
                    workflow_state__status__in=["in_progress", "needs_changes"],
                )
                .order_by("-pk")
                .first()
            )
            user = self.request.user
            context.update(
                {
                    "approval": latest,
                    "review_url": reverse("review:task", args=[open_task.pk]) if open_task else None,
                    "changes_requested": open_task is not None
                    and open_task.status == TaskState.STATUS_REJECTED,
                    "withdraw_url": reverse(
                        "review:withdraw", args=[obj.get_base_content_type().model, obj.pk]
                    )
                    if latest and latest.in_force and roles.user_in_roles(user, roles.WITHDRAWERS)
                    else None,
                }
            )
            return context
