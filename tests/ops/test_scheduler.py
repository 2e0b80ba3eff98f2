"""The product's clock: one job registry, jobs queued once, supervision run by the scheduler itself."""

import logging
from datetime import timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger
from django.core.management import call_command
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ops.schedule import PERIODIC_JOBS, job_named
from ops.tasks import run_periodic_job
from review.models import ApprovalRecord, OutboxEvent
from search.tasks import drain_outbox
from tests import factories

pytestmark = pytest.mark.django_db


def test_every_registered_job_resolves_and_has_a_valid_schedule():
    assert {job.name for job in PERIODIC_JOBS} >= {
        "recover_stale_tasks",
        "outbox_sweep",
        "expire_approvals",
        "prune_task_results",
    }
    assert len({job.name for job in PERIODIC_JOBS}) == len(PERIODIC_JOBS)
    for job in PERIODIC_JOBS:
        assert callable(import_string(job.call)), job.name
        CronTrigger.from_crontab(job.cron, timezone="UTC")


def test_list_shows_each_job_with_its_schedule_and_where_it_runs(capsys):
    call_command("run_scheduler", "--list")
    out = capsys.readouterr().out
    assert "recover_stale_tasks    * * * * *      scheduler" in out
    assert "expire_approvals       */10 * * * *   worker" in out


def test_once_runs_supervision_here_and_queues_the_rest_once(database_tasks, product, market, capsys):
    factories.text_block(product=product, market=market)  # its outbox event is due, nobody drained it
    DBTaskResult.objects.all().delete()  # as if the drain queued on commit had been lost
    lost = drain_outbox.enqueue().db_result
    DBTaskResult.objects.filter(pk=lost.pk).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - timedelta(hours=1), worker_ids=["gone"]
    )

    call_command("run_scheduler", "--once")
    call_command("run_scheduler", "--once")
    out = capsys.readouterr().out
    assert "recover_stale_tasks: 1 re-queued, 0 given up" in out
    assert "expire_approvals: queued" in out and "expire_approvals: already queued" in out

    ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert ready.filter(pk=lost.pk).exists()  # the lost drain runs again; the sweep adds none beside it
    assert ready.filter(task_path="search.tasks.drain_outbox").count() == 1
    jobs = sorted(r.args_kwargs["args"][0] for r in ready.filter(task_path="ops.tasks.run_periodic_job"))
    assert jobs == ["audit_checkpoint", "expire_approvals", "prune_task_results", "recommendations_refresh"]


def test_the_expiry_job_expires_and_warns_without_anyone_running_a_command(product, market, mailoutbox):
    lapsed = factories.text_block(product=product, market=market, title="Old leaflet")
    owner = factories.UserFactory(username="leaflet-owner")
    soon = factories.text_block(product=product, market=market, title="Leaflet expiring soon", user=owner)
    ApprovalRecord.objects.for_object(lapsed).update(expires_at=timezone.now() - timedelta(minutes=1))
    ApprovalRecord.objects.for_object(soon).update(expires_at=timezone.now() + timedelta(days=3))
    result = run_periodic_job.enqueue("expire_approvals")
    assert result.return_value == "1 approval(s) expired, 1 warning(s) sent"
    assert ApprovalRecord.objects.for_object(lapsed).get().status == ApprovalRecord.EXPIRED
    assert OutboxEvent.objects.filter(kind=OutboxEvent.EXPIRED).count() == 1
    assert [m.to for m in mailoutbox] == [["leaflet-owner@example.com"]]


def test_the_checkpoint_job_vouches_for_the_chain_head_outside_the_database(product, market):
    from review.checkpoints import checkpoints_read
    from review.models import AuditEntry

    factories.text_block(product=product, market=market)
    before = len(checkpoints_read())
    result = run_periodic_job.enqueue("audit_checkpoint")
    head = AuditEntry.objects.order_by("-sequence").first()
    checkpoints = checkpoints_read()
    assert len(checkpoints) == before + 1 and checkpoints[-1].reason == "scheduled"
    assert (checkpoints[-1].sequence, checkpoints[-1].entry_hash) == (head.sequence, head.entry_hash)
    assert f"#{head.sequence}" in result.return_value


def test_an_unknown_job_name_is_refused():
    with pytest.raises(LookupError, match="No periodic job is called 'rm -rf'"):
        job_named("rm -rf")


@pytest.mark.django_db(transaction=True)
def test_quiet_worker_logs_a_summary_instead_of_each_task(database_tasks, caplog):
    for name in ("prune_task_results", "expire_approvals"):
        run_periodic_job.enqueue(name)
    run_periodic_job.enqueue("no_such_job")
    with caplog.at_level(logging.INFO):
        call_command("run_worker", "--batch", "--no-startup-delay", "--summary-every", "3600")
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert not any("state=SUCCESSFUL" in line or "state=RUNNING" in line for line in lines)
    assert any("state=FAILED" in line for line in lines)  # a failure is still logged in full
    assert "worker: 3 task(s) finished in the last 3600 s, 2 succeeded, 1 failed" in lines
