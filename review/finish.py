"""Wagtail's finish-workflow hook (settings.WAGTAIL_FINISH_WORKFLOW_ACTION).

Wagtail imports this path while its own WorkflowState model class is being defined, before the
review app's models exist, so it imports the service at call time: the one deferred import that
app loading needs (see docs/architecture.md).
"""


def workflow_finish(workflow_state, user=None):
    from .services import workflow_finish as finish

    return finish(workflow_state, user=user)
