"""A worker killed mid-drain (SIGKILL: OOM, a deploy) loses nothing: restarted, every event arrives.

Real processes against real PostgreSQL and the real Elasticsearch node: `manage.py run_worker` is
killed while its drain is delivering thousands of events, then the scheduler and a worker start
again, as `make run` or a process supervisor would, and no one runs a manual command.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from review import roles
from review.models import ApprovalRecord, OutboxEvent
from review.services import content_withdraw
from search.conf import client
from search.mapping import document_id
from tests import factories

pytestmark = [pytest.mark.elasticsearch, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
EXTRA_EVENTS = 6000  # a drain delivers 500 per batch: about 12 batches to be caught in


def manage(*args: str, log: Path, lease_seconds: int = 900) -> subprocess.Popen:
    """A real management command on the test database, with the database task queue (as under make run)."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.dev",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "SEARCH_INDEX_PREFIX": django_settings.SEARCH_INDEX_PREFIX,
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "TASKS_LEASE_SECONDS": str(lease_seconds),
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def wait_for(check, *, timeout: float, interval: float = 0.02, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def test_events_are_all_delivered_after_the_worker_is_killed_mid_drain(
    search_index, product, market, settings, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("other processes share the test database only on PostgreSQL (set DATABASE_URL)")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    blocks = [factories.text_block(product=product, market=market, title=f"Leaflet {n}") for n in range(12)]
    withdrawn = blocks[0]
    content_withdraw(obj=withdrawn, user=factories.reviewer(roles.REGULATORY), reason="Label changed")
    # Repeated events for the same approvals: what a busy day leaves when the worker was down.
    approvals = list(ApprovalRecord.objects.all())
    firsts = [approval.events.first() for approval in approvals]
    OutboxEvent.objects.bulk_create(
        OutboxEvent(
            kind=OutboxEvent.PUBLISHED,
            approval_id=first.approval_id,
            object_type=first.object_type,
            object_id=first.object_id,
            revision_id=first.revision_id,
        )
        for n in range(EXTRA_EVENTS)
        for first in [firsts[n % len(firsts)]]
    )
    total = OutboxEvent.objects.count()
    assert DBTaskResult.objects.filter(task_path="search.tasks.drain_outbox").count() == 1

    worker = manage("run_worker", "--no-startup-delay", "--interval", "0.1", log=tmp_path / "worker1.log")
    try:
        wait_for(
            lambda: 0 < OutboxEvent.objects.filter(delivered_at__isnull=False).count() < total,
            timeout=60,
            what="the drain to be part-way through",
        )
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    left = OutboxEvent.objects.undelivered().count()
    assert 0 < left < total, "the kill must land mid-drain"
    killed = DBTaskResult.objects.get(task_path="search.tasks.drain_outbox")
    assert killed.status == TaskResultStatus.RUNNING  # nothing in django-tasks-db ever clears this

    # Restart as make run (or a supervisor) would: the scheduler and a worker; no manual command.
    scheduler = manage("run_scheduler", log=tmp_path / "scheduler.log", lease_seconds=1)
    worker = manage("run_worker", "--no-startup-delay", "--interval", "0.1", log=tmp_path / "worker2.log")
    try:
        wait_for(
            lambda: not OutboxEvent.objects.undelivered().exists(),
            timeout=120,
            interval=0.5,
            what=f"{left} undelivered events (logs in {tmp_path})",
        )
        recovered = wait_for(
            lambda: (
                (task := DBTaskResult.objects.get(pk=killed.pk)).status == TaskResultStatus.SUCCESSFUL
                and task
            ),
            timeout=30,
            interval=0.2,
            what="the killed drain to be run again",
        )
    finally:
        for process in (worker, scheduler):
            process.terminate()
            process.wait(20)
    assert len(recovered.worker_ids) == 2  # the killed worker, then the new one

    search_index.refresh()
    ids = [
        document_id(e.object_type, e.object_id) for e in OutboxEvent.objects.filter(approval__in=approvals)
    ]
    found = {
        d["_id"] for d in client().mget(index=search_index.alias, ids=sorted(set(ids)))["docs"] if d["found"]
    }
    withdrawn_id = document_id(f"modules.{withdrawn._meta.model_name}", str(withdrawn.pk))
    assert withdrawn_id not in found
    assert len(found) == len(blocks) - 1
