"""An editor panel that tells everyone opening an item where it stands in review."""

from django.urls import reverse
from wagtail.admin.panels import Panel

from . import roles, selectors
from .models import ApprovalRecord


class ReviewStatusPanel(Panel):
    """Above the editor: the approval in force (job code, expiry), the open review, or why it ended."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "review/panels/review_status.html"

        class Media:
            js = ["review/js/restart-warning.js"]

        def is_shown(self):
            return self.instance is not None and bool(self.instance.pk)

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            obj = self.instance
            status = selectors.item_review_status(obj)
            latest, open_task = status.record, status.open_task
            user = self.request.user
            context.update(
                {
                    "approval": latest,
                    "approval_state": status.state,
                    "review_url": reverse("review:task", args=[open_task.pk]) if open_task else None,
                    "changes_requested": status.changes_requested,
                    "in_review": status.in_review,
                    "signatures_to_void": selectors.approvals_on(open_task).count()
                    if status.in_review
                    else 0,
                    "withdraw_url": reverse(
                        "review:withdraw", args=[obj.get_base_content_type().model, obj.pk]
                    )
                    if status.state == ApprovalRecord.APPROVED
                    and roles.user_in_roles(user, roles.WITHDRAWERS)
                    else None,
                }
            )
            return context
