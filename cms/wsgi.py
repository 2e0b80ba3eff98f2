import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.production")

application = get_wsgi_application()

# What start-up loaded (Django, Wagtail, DRF, the URL conf, the schema) lives as long as the
# process: take it out of the cyclic garbage collector's generations, so the full collections that
# a large request triggers (a 1,000-event batch allocates tens of thousands of objects) do not
# rescan all of it each time. Measured: about 8 ms of a 1,000-event batch (bench/RESULTS.md).
gc.freeze()
