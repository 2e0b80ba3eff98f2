"""WSGI entry point for the benchmark's gunicorn (product URLs plus the bare baseline view).

It is the product's own entry point (cms/wsgi.py, start-up included) with the bench settings.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")

from cms.wsgi import application  # noqa: E402, F401
