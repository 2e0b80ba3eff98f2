import pytest


@pytest.fixture
def database_tasks(settings):
    """Tasks go to the database queue, as under `make run`, instead of running immediately."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
