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
