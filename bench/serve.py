"""The product under gunicorn on 127.0.0.1 for a benchmark (bench.wsgi_bench: the product's own
entry point plus the bare baseline view), started and stopped around a `with` block."""

import os
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def gunicorn(*, port: int, workers: int, threads: int = 4):
    """Yields the base URL once the server answers `/bench/bare`."""
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "bench.wsgi_bench:application",
            "-b",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/bench/bare", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError("gunicorn exited; see its output above") from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait()
