"""The development server against PostgreSQL: requests must not pile up idle database connections."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.db import connection

from tests.ports import free_port

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"
    ),
]


def _connections_to(database: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        return cursor.fetchone()[0]


def _get(url: str) -> int:
    # A token that does not exist: the server looks it up in the database and answers 401.
    request = urllib.request.Request(url, headers={"Authorization": "Token not-a-real-token"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_runserver_does_not_keep_a_database_connection_per_request():
    """Issue 10: CONN_MAX_AGE under runserver's thread-per-request leaked one connection per request."""
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.dev",
        "DATABASE_URL": url,
        "ELASTICSEARCH_URL": "",
    }
    env.pop("DATABASE_CONN_MAX_AGE", None)
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                _get(base + "/admin/login/")
                break
            except OSError:
                time.sleep(0.2)
        before = _connections_to(db["NAME"])
        # Each request looks up the token in the database, in a new runserver thread.
        statuses = {_get(f"{base}/api/v1/search?q=x") for _ in range(30)}
        assert statuses == {401}
        time.sleep(0.5)
        assert _connections_to(db["NAME"]) - before <= 2
    finally:
        server.terminate()
        server.wait(timeout=10)
