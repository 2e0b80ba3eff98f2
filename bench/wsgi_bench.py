"""WSGI entry point for the benchmark's gunicorn (product URLs plus the bare baseline view)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")
application = get_wsgi_application()
