"""The product under gunicorn on 127.0.0.1 for a benchmark (bench.wsgi_bench: the product's own
entry point plus the bare baseline view), started and stopped around a `with` block.

`listeners="per-worker"` starts one single-worker gunicorn per worker, all bound to the port with
SO_REUSEPORT, so the kernel spreads connections over the processes. With one shared listening socket
(`"shared"`, gunicorn's usual arbiter and workers) whichever worker wakes first accepts: at 32
keep-alive connections a run sometimes had all 32 on one worker (counted with `ss -tnp`), and then
it served 1,830 requests/s on one core instead of about 5,000 on two, whichever view it measured.
"""

import os
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _start(*, port: int, workers: int, threads: int, reuse_port: bool) -> subprocess.Popen:
    return subprocess.Popen(
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
            *(["--reuse-port"] if reuse_port else []),
        ],
        cwd=ROOT,
        env={**os.environ},
    )


@contextmanager
def gunicorn(*, port: int, workers: int, threads: int = 4, listeners: str = "shared"):
    """Yields the base URL once the server (every instance of it) answers `/bench/bare`."""
    if listeners == "per-worker":
        servers = [_start(port=port, workers=1, threads=threads, reuse_port=True) for _ in range(workers)]
    else:
        servers = [_start(port=port, workers=workers, threads=threads, reuse_port=False)]
    base = f"http://127.0.0.1:{port}"
    try:
        answered = 0
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/bench/bare", timeout=2).read()
                answered += 1
                if answered >= 3 * len(servers):  # callers warm up before measuring, so all are bound
                    break
            except OSError:
                if any(server.poll() is not None for server in servers):
                    raise RuntimeError("gunicorn exited; see its output above") from None
                time.sleep(0.2)
        yield base
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait()
