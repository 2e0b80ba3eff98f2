"""The two default workflows: Full MLR for modules and new assemblies, Assembly review otherwise."""

from django.db import migrations

MEDICAL, LEGAL, REGULATORY = "Medical reviewers", "Legal reviewers", "Regulatory reviewers"
CONTENT_MODELS = [
    "claim",
    "reference",
    "visual",
    "safetyinformation",
    "disclaimer",
    "calltoaction",
    "textblock",
    "edetail",
    "email",
    "invitation",
]
WORKFLOWS = [
    ("Full MLR", "Medical, legal and regulatory review", [MEDICAL, LEGAL, REGULATORY], 5),
    ("Assembly review", "Regulatory assembly review", [REGULATORY], 3),
]


def create_workflows(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    MLRTask = apps.get_model("review", "MLRTask")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")

    task_type, _ = ContentType.objects.get_or_create(app_label="review", model="mlrtask")
    workflows = {}
    for workflow_name, task_name, discipline_names, sla_days in WORKFLOWS:
        task, created = MLRTask.objects.get_or_create(
            name=task_name, defaults={"content_type": task_type, "sla_days": sla_days}
        )
        if created:
            task.disciplines.set([Group.objects.get_or_create(name=name)[0] for name in discipline_names])
        workflow, _ = Workflow.objects.get_or_create(name=workflow_name)
        WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
        workflows[workflow_name] = workflow
    for model in CONTENT_MODELS:
        content_type, _ = ContentType.objects.get_or_create(app_label="modules", model=model)
        WorkflowContentType.objects.update_or_create(
            content_type=content_type, defaults={"workflow": workflows["Full MLR"]}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0003_review_workflow"),
        ("modules", "0002_default_taxonomy"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_workflows, migrations.RunPython.noop)]
