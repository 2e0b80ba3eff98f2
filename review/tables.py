"""The review desk's listings as Wagtail table components (approvals, open reviews).

Each title cell carries the row's actions (Withdraw, Open review), so they stay next to the item
on a phone; the templates put each table in a horizontally scrollable wrapper, so no column is
ever cut off by the admin's content area.
"""

import datetime

from django.urls import reverse
from django.utils import dateformat, timezone
from wagtail.admin.ui.tables import Column, Table, TitleColumn
from wagtail.admin.widgets import ListingButton

from .models import ApprovalRecord, Signature


class ActionsTitleColumn(TitleColumn):
    """A title column whose cell also lists the row's action buttons (given by `get_buttons`)."""

    def __init__(self, name, *, get_buttons=None, **kwargs):
        super().__init__(name, **kwargs)
        self._get_buttons = get_buttons

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["buttons"] = self._get_buttons(instance) if self._get_buttons else []
        return context


class TemplateColumn(Column):
    """A column rendered by its own small template (status lines, hashes, due dates)."""

    def __init__(self, name, *, template_name, **kwargs):
        super().__init__(name, **kwargs)
        self.cell_template_name = template_name


def _utc(moment, fmt="Y-m-d H:i") -> str:
    return dateformat.format(timezone.localtime(moment, datetime.UTC), fmt) if moment else ""


def _signers(record: ApprovalRecord) -> str:
    return ", ".join(
        s.signer_name for s in record.revision.signatures.all() if s.decision == Signature.APPROVED
    )


def approvals_table(records, *, may_withdraw: bool) -> Table:
    def buttons(record):
        if not (may_withdraw and record.status == ApprovalRecord.APPROVED):
            return []
        url = reverse("review:withdraw", args=[record.base_content_type.model, record.object_id])
        return [ListingButton("Withdraw", url=url, classname="no", priority=10)]

    return Table(
        [
            ActionsTitleColumn(
                "object_title",
                label="Item",
                get_url=lambda record: record.review_url,
                get_buttons=buttons,
            ),
            Column("job_code", label="Job code", classname="review-nowrap"),
            Column("type", label="Type", accessor=lambda r: r.content_type.name.capitalize()),
            Column("revision", label="Revision", accessor=lambda r: f"#{r.revision_id}"),
            Column("approved_at", label="Approved (UTC)", accessor=lambda r: _utc(r.approved_at)),
            Column("expires_at", label="Expires", accessor=lambda r: _utc(r.expires_at, "Y-m-d")),
            TemplateColumn("status", label="Status", template_name="review/tables/approval_status_cell.html"),
            Column("signed_by", label="Signed by", accessor=_signers),
            TemplateColumn(
                "content_hash", label="Content hash", template_name="review/tables/hash_cell.html"
            ),
        ],
        records,
        caption="Approvals",
    )


def reviews_table(states, *, compact: bool = False, show_started: bool = False) -> Table:
    """Open MLR reviews; `compact` (the home panel) keeps only item, review and due date."""
    columns = [
        ActionsTitleColumn(
            "item",
            label="Item",
            accessor=lambda state: state.revision.object_str,
            get_url=lambda state: reverse("review:task", args=[state.pk]),
        )
    ]
    if not compact:
        columns += [
            Column("type", label="Type", accessor=lambda s: s.revision.content_type.name.capitalize()),
            Column("revision", label="Revision", accessor=lambda s: f"#{s.revision_id}"),
        ]
    columns.append(Column("review", label="Review", accessor=lambda s: s.task.name))
    if not compact:
        columns.append(Column("waiting_for", label="Waiting for"))
    if show_started:
        columns.append(Column("started_at", label="Started (UTC)", accessor=lambda s: _utc(s.started_at)))
    columns.append(TemplateColumn("due_at", label="Due (UTC)", template_name="review/tables/due_cell.html"))
    return Table(columns, states, caption="Open reviews")
