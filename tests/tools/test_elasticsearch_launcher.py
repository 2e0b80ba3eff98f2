"""The local Elasticsearch launcher: ports it is given, and clear refusals instead of half-started nodes."""

import os
import socket
import subprocess
import sys

import pytest
from django.conf import settings


def _free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _engine(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "tools.elasticsearch", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_taken_transport_port_is_refused_with_a_message_and_nothing_starts(tmp_path):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        transport = blocker.getsockname()[1]
        env = {"ES_HOME_DIR": str(tmp_path), "ES_PORT": str(transport - 100)}
        if transport < 200 or not _free(transport - 100):
            pytest.skip("no free port pair")
        result = _engine("start", env=env)
    assert result.returncode != 0
    assert f"port {transport}" in result.stderr and "ES_TRANSPORT_PORT" in result.stderr
    assert "Traceback" not in result.stderr
    assert _engine("status", env=env).returncode == 3  # stopped: nothing was left behind


def test_bad_transport_port_setting_is_refused(tmp_path):
    result = _engine("start", env={"ES_HOME_DIR": str(tmp_path), "ES_TRANSPORT_PORT": "http"})
    assert result.returncode != 0 and "ES_TRANSPORT_PORT must be a port number" in result.stderr


@pytest.mark.skipif(
    not os.environ.get("CI") and not os.environ.get("TEST_ENGINE_START"),
    reason="starts a second node (about 30 s); runs in CI or with TEST_ENGINE_START=1",
)
def test_a_node_starts_on_an_http_port_inside_the_default_transport_range(tmp_path):
    """Issue 10: with ES_PORT in 9300-9399 the floating transport port took it and start crashed."""
    # The lowest free one: a floating transport port would take exactly that one first.
    port = next((p for p in range(9300, 9400) if _free(p) and _free(p + 100)), None)
    if port is None:
        pytest.skip("no free port in 9300-9399")
    env = {"ES_HOME_DIR": str(tmp_path), "ES_PORT": str(port), "ES_HEAP": "256m"}
    try:
        result = _engine("start", env=env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().endswith(f":{port}")
        assert not _free(port + 100)  # the transport port is the pinned one
    finally:
        _engine("stop", env=env)
    assert _free(port)
