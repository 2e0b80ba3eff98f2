"""The MLR review step: disciplines that review the same revision in parallel."""

from datetime import timedelta

from django import forms
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from wagtail.models import Task, TaskState


class MLRTask(Task):
    """Every discipline (a group) must approve the same revision; any discipline can request changes."""

    disciplines = models.ManyToManyField(
        Group,
        related_name="mlr_tasks",
        help_text="Each group is one discipline; one member of each must approve the same revision.",
    )
    sla_days = models.PositiveSmallIntegerField(
        default=5, help_text="Days reviewers have before the review is overdue."
    )

    admin_form_fields = [*Task.admin_form_fields, "disciplines", "sla_days"]
    admin_form_widgets = {"disciplines": forms.CheckboxSelectMultiple}

    class Meta:
        verbose_name = "MLR review"
        verbose_name_plural = "MLR reviews"

    def start(self, workflow_state, user=None):
        # Wagtail reads the latest revision from the object it cached when the request began; after
        # "save and resubmit" that is the revision before the edit, so read it afresh.
        workflow_state.content_object.refresh_from_db(fields=["latest_revision"])
        task_state = super().start(workflow_state, user=user)
        MLRTaskState.objects.filter(pk=task_state.pk).update(
            due_at=timezone.now() + timedelta(days=self.sla_days)
        )
        task_state.refresh_from_db()
        return task_state

    def disciplines_of(self, user) -> list[Group]:
        """The disciplines this user may sign for on this task."""
        if not user.is_authenticated:
            return []
        return list(self.disciplines.filter(pk__in=user.groups.values("pk")))

    def on_action(self, task_state, user, action_name, **kwargs):
        # Approvals are e-signatures made on the review screen, never one-click workflow actions.
        raise PermissionDenied("Sign on the review screen: approvals need your password and a meaning.")

    def get_actions(self, obj, user):
        return []

    def get_task_states_user_can_moderate(self, user, **kwargs):
        if not self.disciplines_of(user):
            return TaskState.objects.none()
        return self.task_states.filter(status=TaskState.STATUS_IN_PROGRESS)

    @classmethod
    def get_description(cls):
        return "Reviewers of every discipline approve the same revision in parallel, with e-signatures."


class MLRTaskState(TaskState):
    due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "MLR review state"

    @property
    def overdue(self) -> bool:
        return (
            self.status == self.STATUS_IN_PROGRESS
            and self.due_at is not None
            and self.due_at < timezone.now()
        )


MLRTask.task_state_class = MLRTaskState
