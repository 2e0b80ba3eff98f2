"""Benchmark settings: the test settings (no debug) with the bare baseline view mounted."""

import os
from pathlib import Path

from cms.settings.test import *  # noqa: F403

ROOT_URLCONF = "bench.urls_bench"
# The benchmarks run on a database seeded by `manage.py seed_demo` (development settings): its media
# are where those settings put them, not in the test settings' own folder.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))  # noqa: F405
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405

# The test settings run tasks in the request (ImmediateBackend); a bench that times the product as
# deployed (e.g. ingest under gunicorn, where the rollup belongs to the worker) sets the backend here.
if os.environ.get("BENCH_TASKS_BACKEND"):
    TASKS = {"default": {"BACKEND": os.environ["BENCH_TASKS_BACKEND"]}}

# The product as deployed: the delivery read cache on (the test settings turn it off).
DELIVERY_READ_CACHE_SECONDS = float(os.environ.get("DELIVERY_READ_CACHE_SECONDS", "0.2"))
# The pull log as deployed: written by each process's writer thread (the test settings write inline).
DELIVERY_PULL_LOG_IN_BACKGROUND = env_bool("DELIVERY_PULL_LOG_IN_BACKGROUND", True)  # noqa: F405
