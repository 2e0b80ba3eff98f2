"""The delivery API as deployed on granian (docs/operations.md): a real server process on 127.0.0.1
answers a channel as the Django stack does in-process (same bytes, same headers), serves renders
that hash to the approval's manifest with working ETags, refuses bad tokens, and records the pulls.

The server shares this test's database, so the test commits (transactional) and its data is real.
"""

import hashlib
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from delivery.models import Pull, RenderManifestEntry
from review.models import ApprovalRecord
from tests.ports import free_port

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(__file__).resolve().parents[2]
GRANIAN = Path(sys.executable).with_name("granian")
# What the two paths may differ in: the server's stamp, the time, the connection's fate (urllib
# asks to close it); the policy's directives come in a different order in another process.
SERVER_HEADERS = {"server", "date", "connection"}


class Granian:
    """The product under granian on a free port, sharing this test's database."""

    def __init__(self, log: Path, renders: Path, **env: str):
        db = connection.settings_dict
        port = free_port()
        self.log = log
        self.base = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [
                str(GRANIAN),
                *("--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)),
                *("--workers", "1", "--blocking-threads", "2", "--no-ws", "cms.wsgi:application"),
            ],
            cwd=BASE_DIR,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "cms.settings.test",
                "DATABASE_URL": (
                    f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
                ),
                "DELIVERY_RENDER_CACHE_DIR": str(renders),
                "DELIVERY_RATE_LIMIT": "10000/min",
                **env,
            },
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{self.base}/api/v1/schema", timeout=2)
                return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                assert self.process.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)

    def stop(self) -> int:
        """A graceful stop (SIGTERM, as a service manager sends); the server's exit status."""
        self.process.terminate()
        return self.process.wait(30)


@pytest.fixture
def serve(tmp_path, search_index):
    # search_index: the approvals below commit, so they really index, into this session's own index.
    if connection.vendor != "postgresql":
        pytest.skip("the server process shares the test database only on PostgreSQL")
    servers = []

    def start(**env: str) -> Granian:
        servers.append(Granian(tmp_path / f"granian-{len(servers)}.log", tmp_path / "server-renders", **env))
        return servers[-1]

    yield start
    for server in servers:
        if server.process.poll() is None:
            server.stop()


@pytest.fixture
def granian(serve) -> str:
    return serve(DELIVERY_PULL_LOG_BATCH="1").base  # each pull written when its response has gone


def directives(policy: str) -> set[str]:
    return {directive.strip() for directive in policy.split(";")}


def fetch(url: str, token: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def test_a_channel_pulls_the_same_answer_from_granian_as_from_the_django_stack(
    granian, client, us_client, us_email
):
    channel, token = us_client
    path = f"/api/v1/content/email-{us_email.pk}"
    status, headers, body = fetch(granian + path, token)
    assert status == 200, body
    # The same request through Django's test client, under the host the server answers on.
    expected = client.get(
        path, HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST=granian.removeprefix("http://")
    )
    assert body == expected.content
    served = {k: v for k, v in headers.items() if k not in SERVER_HEADERS}
    in_process = {k.lower(): v for k, v in expected.items()}
    assert directives(served.pop("content-security-policy")) == directives(
        in_process.pop("content-security-policy")
    )
    assert served == in_process
    assert headers["content-type"] == "application/json"
    assert headers["cache-control"] == expected["Cache-Control"]

    approval = ApprovalRecord.objects.current().for_object(us_email).get()
    deadline = time.monotonic() + 10
    recorded = Pull.objects.filter(subject__client=channel, subject__approval=approval, subject__render="")
    while not recorded.exists():
        assert time.monotonic() < deadline, "the server never recorded the pull"
        time.sleep(0.1)


def test_renders_from_granian_hash_to_the_manifest_and_answer_304_on_their_etag(granian, us_client, us_email):
    _channel, token = us_client
    approval = ApprovalRecord.objects.current().for_object(us_email).get()
    url = f"{granian}/api/v1/content/email-{us_email.pk}/render/html"
    status, headers, body = fetch(url, token)
    assert status == 200, body
    entry = RenderManifestEntry.objects.get(approval=approval, format="html")
    assert hashlib.sha256(body).hexdigest() == entry.sha256
    assert headers["etag"]
    status, headers_304, body_304 = fetch(url, token, **{"If-None-Match": headers["etag"]})
    assert (status, body_304) == (304, b"")
    assert headers_304["etag"] == headers["etag"]


def test_granian_refuses_a_garbage_token_and_a_missing_item(granian, us_client, us_email):
    _channel, token = us_client
    status, headers, body = fetch(f"{granian}/api/v1/content/email-{us_email.pk}", "not-a-token")
    assert status == 401
    assert headers["www-authenticate"] == 'Bearer realm="api"'
    assert b"Unknown, revoked or expired channel token." in body
    status, _headers, body = fetch(f"{granian}/api/v1/content/email-{us_email.pk + 1000}", token)
    assert status == 404


def test_a_graceful_stop_writes_the_pulls_still_buffered_in_the_worker(serve, us_client, us_email):
    # As deployed: the writer thread, batches far from due. granian's worker is a multiprocessing
    # child, which never runs atexit handlers: the buffer is written as its main thread ends.
    channel, token = us_client
    server = serve(
        DELIVERY_PULL_LOG_IN_BACKGROUND="true",
        DELIVERY_PULL_LOG_BATCH="1000",
        DELIVERY_PULL_LOG_SECONDS="3600",
    )
    for _ in range(3):
        assert fetch(f"{server.base}/api/v1/content/email-{us_email.pk}", token)[0] == 200
    assert fetch(f"{server.base}/api/v1/content/email-{us_email.pk}/render/txt", token)[0] == 200
    assert not Pull.objects.exists()  # still in the worker's memory
    assert server.stop() == 0, server.log.read_text()
    rows = (
        Pull.objects.filter(subject__client=channel)
        .order_by("pk")
        .values_list("subject__item_id", "subject__render")
    )
    assert list(rows) == [(f"email-{us_email.pk}", "")] * 3 + [(f"email-{us_email.pk}", "txt")]
