"""`make run`'s last step (bin/serve): logins last, three processes, and Ctrl-C stops all three."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.db import connection

from tests.ports import free_port

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(__file__).resolve().parents[2]


def processes_with(marker: str) -> list[int]:
    """Our own processes, found by an environment variable only this test sets."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f"SERVE_TEST={marker}".encode() in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_ctrl_c_stops_server_worker_and_scheduler_and_says_so(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the served processes share the test database only on PostgreSQL")
    db = connection.settings_dict
    port, marker = free_port(), uuid.uuid4().hex
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.dev",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "PYTHON": sys.executable,
        "LOGINS": "  admin  secret-for-test  http://127.0.0.1/admin/",
        "ENGINE_NOTE": "Elasticsearch note for the test.",
        "SERVE_TEST": marker,
    }
    log = tmp_path / "serve.log"
    serve = subprocess.Popen(
        ["bin/serve", f"127.0.0.1:{port}"],
        cwd=BASE_DIR,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/outbox", timeout=2) as response:
                    assert response.status == 200
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.5)
        assert len(processes_with(marker)) >= 4  # bash, worker, scheduler, runserver (+ its reloader child)
        os.killpg(serve.pid, signal.SIGINT)  # what Ctrl-C sends to the foreground job
        assert serve.wait(60) == 130
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
        leftover = processes_with(marker)
        deadline = time.monotonic() + 10
        while leftover and time.monotonic() < deadline:
            time.sleep(0.2)
            leftover = processes_with(marker)
        for pid in leftover:  # never leave a worker behind, even when the test fails
            os.kill(pid, signal.SIGKILL)
    output = log.read_text()
    assert leftover == [], output
    assert output.index("secret-for-test") < output.index("Starting development server")
    assert output.rstrip().endswith(
        "Stopped the web server, the background worker and the scheduler.\nElasticsearch note for the test."
    )
