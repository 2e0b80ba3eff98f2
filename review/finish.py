"""Wagtail's finish-workflow hook; imported while Wagtail's models load, so it imports lazily."""


def workflow_finish(workflow_state, user=None):
    from .services import workflow_finish as finish

    return finish(workflow_state, user=user)
