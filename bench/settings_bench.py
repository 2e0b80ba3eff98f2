"""Benchmark settings: the test settings (no debug) with the bare baseline view mounted."""

from cms.settings.test import *  # noqa: F403

ROOT_URLCONF = "bench.urls_bench"
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
