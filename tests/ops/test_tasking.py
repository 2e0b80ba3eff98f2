"""Queueing once and recovering tasks whose worker died, against the real database queue."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ops.tasking import enqueue_once, tasks_recover_stale
from ops.tasks import run_periodic_job
from search.tasks import drain_outbox, enqueue_drain

pytestmark = pytest.mark.django_db


def drains():
    return DBTaskResult.objects.filter(task_path="search.tasks.drain_outbox")


def test_a_drain_is_queued_once_however_many_commits_ask(database_tasks):
    for _ in range(5):
        enqueue_drain()
    assert drains().count() == 1


def test_a_running_or_deferred_drain_does_not_hold_back_a_new_one(database_tasks):
    enqueue_drain()
    drains().update(status=TaskResultStatus.RUNNING, started_at=timezone.now())
    enqueue_drain()  # work committed while a drain runs needs the next drain
    assert drains().filter(status=TaskResultStatus.READY).count() == 1

    drains().filter(status=TaskResultStatus.READY).update(run_after=timezone.now() + timedelta(hours=1))
    enqueue_drain()  # a retry due in an hour must not delay a new approval by an hour
    enqueue_once(drain_outbox, run_after=timezone.now() + timedelta(hours=2))  # the hour-later one will do
    assert drains().filter(status=TaskResultStatus.READY).count() == 2


def test_periodic_jobs_are_queued_once_per_job(database_tasks):
    enqueue_once(run_periodic_job, "expire_approvals")
    enqueue_once(run_periodic_job, "expire_approvals")
    enqueue_once(run_periodic_job, "prune_task_results")
    assert sorted(r.args_kwargs["args"][0] for r in DBTaskResult.objects.all()) == [
        "expire_approvals",
        "prune_task_results",
    ]


def test_seeding_the_demo_queues_at_most_one_drain(database_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert len(callbacks) >= 29  # one per approval's outbox row
    assert drains().count() == 1


def claimed(*, minutes_ago: float, workers: int = 1) -> DBTaskResult:
    result = enqueue_once(run_periodic_job, "expire_approvals").db_result
    DBTaskResult.objects.filter(pk=result.pk).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
        worker_ids=[f"worker-{n}" for n in range(workers)],
    )
    return result


def test_a_task_running_past_its_lease_is_queued_again(database_tasks):
    lost = claimed(minutes_ago=20)
    report = tasks_recover_stale(lease=timedelta(minutes=15), max_attempts=3)
    lost.refresh_from_db()
    assert lost.status == TaskResultStatus.READY and lost.started_at is None
    assert report.requeued == [f"ops.tasks.run_periodic_job id={lost.pk}"]
    assert DBTaskResult.objects.ready().filter(pk=lost.pk).exists()  # a worker will pick it up


def test_a_task_within_its_lease_is_left_running(database_tasks):
    busy = claimed(minutes_ago=5)
    assert tasks_recover_stale(lease=timedelta(minutes=15), max_attempts=3).requeued == []
    busy.refresh_from_db()
    assert busy.status == TaskResultStatus.RUNNING


def test_a_task_that_keeps_losing_its_worker_is_given_up(database_tasks):
    doomed = claimed(minutes_ago=20, workers=3)
    report = tasks_recover_stale(lease=timedelta(minutes=15), max_attempts=3)
    doomed.refresh_from_db()
    assert doomed.status == TaskResultStatus.FAILED
    assert "stopped without finishing it 3 time(s)" in doomed.traceback
    assert report.failed and not report.requeued
