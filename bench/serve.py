"""The product on 127.0.0.1 for a benchmark (bench.wsgi_bench: the product's own entry point plus the
bare baseline view), started and stopped around a `with` block, under granian or gunicorn.

granian (the server docs/operations.md recommends) parses HTTP and keeps connections in Rust and
calls the WSGI application from `threads` Python threads per worker process. gunicorn's gthread
worker does all of that in Python: under load, profiled with py-spy, its request handling, HTTP
parsing and connection bookkeeping took about twice the CPU of the Django application itself for a
4 kB JSON answer (bench/RESULTS.md, 2026-12-08).

For gunicorn, `listeners="per-worker"` starts one single-worker gunicorn per worker, all bound to
the port with SO_REUSEPORT, so the kernel spreads connections over the processes. With one shared
listening socket (`"shared"`, gunicorn's usual arbiter and workers) whichever worker wakes first
accepts: at 32 keep-alive connections a run sometimes had all 32 on one worker (counted with
`ss -tnp`), and then it served 1,830 requests/s on one core instead of about 5,000 on two, whichever
view it measured. granian's workers accept from one socket and kept the connections even (17/15).
"""

import os
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = "bench.wsgi_bench:application"
SERVERS = ("granian", "gunicorn")


def _command(server: str, *, port: int, workers: int, threads: int, reuse_port: bool) -> list[str]:
    if server == "granian":
        return [
            str(ROOT / ".venv/bin/granian"),
            *("--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)),
            *("--workers", str(workers), "--blocking-threads", str(threads)),
            *("--log-level", "warning", "--no-ws", APP),
        ]
    return [
        str(ROOT / ".venv/bin/gunicorn"),
        *(APP, "-b", f"127.0.0.1:{port}", "--workers", str(workers)),
        *("--worker-class", "gthread", "--threads", str(threads), "--log-level", "warning"),
        *(["--reuse-port"] if reuse_port else []),
    ]


def _start(server: str, **options) -> subprocess.Popen:
    return subprocess.Popen(_command(server, **options), cwd=ROOT, env={**os.environ})


@contextmanager
def serving(*, server: str = "granian", port: int, workers: int, threads: int = 1, listeners: str = "shared"):
    """Yields the base URL once the server (every instance of it) answers `/bench/bare`.

    `listeners` applies to gunicorn only (see the module's docstring)."""
    if server not in SERVERS:
        raise ValueError(f"server must be one of {', '.join(SERVERS)}, not {server!r}")
    if server == "gunicorn" and listeners == "per-worker":
        servers = [
            _start(server, port=port, workers=1, threads=threads, reuse_port=True) for _ in range(workers)
        ]
    else:
        servers = [_start(server, port=port, workers=workers, threads=threads, reuse_port=False)]
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
                if any(process.poll() is not None for process in servers):
                    raise RuntimeError("the server exited; see its output above") from None
                time.sleep(0.2)
        yield base
    finally:
        for process in servers:
            process.terminate()
        for process in servers:
            process.wait()


def gunicorn(*, port: int, workers: int, threads: int = 4, listeners: str = "shared"):
    """The product under gunicorn's gthread workers (the engagement benchmark's server)."""
    return serving(server="gunicorn", port=port, workers=workers, threads=threads, listeners=listeners)
