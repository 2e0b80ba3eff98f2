import os

from .base import *  # noqa: F403

# Each test session writes to its own indices, never to the development alias.
SEARCH_INDEX_PREFIX = os.environ.get("SEARCH_INDEX_PREFIX") or f"test-{os.getpid()}-"

SECRET_KEY = "test-only-key"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
WAGTAILADMIN_BASE_URL = "http://testserver"
REPS_PUBLIC_BASE_URL = "http://testserver"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

# Flushing a test database truncates every table; the audit table refuses TRUNCATE unless its owner
# asks for it in the session (review/migrations/0005_audit_refuse_truncate.py).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c review.allow_audit_truncate=on"  # noqa: F405

# Test transactions are rolled back, never committed, so the database never notifies a change:
# the delivery read cache stays off here (tests/delivery/test_read_cache.py turns it on).
DELIVERY_READ_CACHE_SECONDS = 0

# A test's rows live in its own uncommitted transaction, which the pull-log writer thread's connection
# cannot see: tests write the log in the request's thread (tests/delivery/test_pulls.py runs the thread;
# tests/delivery/test_served_by_granian.py turns it on in a server process by the environment).
DELIVERY_PULL_LOG_IN_BACKGROUND = env_bool("DELIVERY_PULL_LOG_IN_BACKGROUND", False)  # noqa: F405
