"""The default review set-up, created after every migrate (and after test flushes): roles and workflows."""

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from wagtail.models import Workflow, WorkflowContentType, WorkflowTask

from modules.models import ASSEMBLY_TYPES, MODULE_TYPES

from . import roles
from .models import MLRTask
from .selectors import ASSEMBLY_REVIEW, FULL_MLR

DEFAULT_WORKFLOWS = [
    (FULL_MLR, "Medical, legal and regulatory review", [roles.MEDICAL, roles.LEGAL, roles.REGULATORY], 5),
    (ASSEMBLY_REVIEW, "Regulatory assembly review", [roles.REGULATORY], 3),
]


def ensure_default_workflows() -> dict[str, Workflow]:
    """Full MLR for modules and new assemblies, Assembly review for assemblies of approved modules.

    Existing workflows and tasks are left as configured; only missing ones are created.
    """
    workflows = {}
    for workflow_name, task_name, discipline_names, sla_days in DEFAULT_WORKFLOWS:
        task = MLRTask.objects.filter(name=task_name).first()
        if task is None:
            task = MLRTask.objects.create(name=task_name, sla_days=sla_days)
            task.disciplines.set([Group.objects.get_or_create(name=name)[0] for name in discipline_names])
        workflow, _ = Workflow.objects.get_or_create(name=workflow_name)
        WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
        workflows[workflow_name] = workflow
    for model in (*MODULE_TYPES, *ASSEMBLY_TYPES):
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        WorkflowContentType.objects.get_or_create(
            content_type=content_type, defaults={"workflow": workflows[FULL_MLR]}
        )
    return workflows


def ensure_review_defaults(sender=None, **kwargs) -> None:
    roles.ensure_role_groups()
    ensure_default_workflows()
