"""Settings shared by every environment; every integration is read from the environment."""

import base64
import hashlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "modules",
    "review",
    "search",
    "delivery",
    "reps",
    "engagement",
    "demo",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our own static files (no CDN)
    "django_tasks",
    "django_tasks_db",
    "ops",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    # First the middleware that only adds response headers, so every response carries them...
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",  # PERMISSIONS_POLICY below
    "cms.csp.SiteCSPMiddleware",  # CONTENT_SECURITY_POLICY below
    # ...then a channel's remembered pull, which needs no session, user or messages.
    "delivery.middleware.RememberedPullMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "reps.middleware.RepsStayInPortalMiddleware",
    "accounts.sessions.SessionLimitsMiddleware",
    # Last, as django-axes requires: it turns a lockout into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Persistent connections only where a fixed pool of worker threads reuses them (production sets 60 s):
# under runserver every request is a new thread, and each kept its own idle connection until
# PostgreSQL ran out of slots.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Hot-path reads (delivery/compiled.py) are prepared on the PostgreSQL server; turn off behind a
# transaction-pooling proxy (e.g. PgBouncer in transaction mode) that cannot keep prepared statements.
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DATABASE_PREPARED_STATEMENTS:
    # psycopg's default here (None) refuses to prepare anything, even when asked. This threshold is never
    # reached in practice, so only statements that ask (prepare=True) are prepared; Django's own
    # cursors bind on the client and never prepare.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 2**31 - 1)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Email: EMAIL_URL such as smtp://user:pass@host:587/?tls=1, or the console in development.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "mlr@localhost")

# Rep portal (/reps/): approved emails go out From this address with the rep's name and Reply-To the rep;
# tracking and unsubscribe links in them start with REPS_PUBLIC_BASE_URL.
REPS_EMAIL_FROM = os.environ.get("REPS_EMAIL_FROM", DEFAULT_FROM_EMAIL)
REPS_PUBLIC_BASE_URL = os.environ.get(
    "REPS_PUBLIC_BASE_URL", os.environ.get("WAGTAILADMIN_BASE_URL", "http://localhost:8000")
)
REPS_MESSAGE_ID_DOMAIN = os.environ.get(
    "REPS_MESSAGE_ID_DOMAIN", REPS_EMAIL_FROM.rpartition("@")[2] or "localhost"
)
REPS_SENDS_PER_HOUR = int(os.environ.get("REPS_SENDS_PER_HOUR", "30"))
# Next-best-content learns from the events of this many recent days (engagement/recommendations.py).
RECOMMENDATIONS_WINDOW_DAYS = int(os.environ.get("RECOMMENDATIONS_WINDOW_DAYS", "180"))

# Search: the approved-content index (issue: search). Wagtail's admin search keeps its database backend.
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
SEARCH_INDEX_PREFIX = os.environ.get("SEARCH_INDEX_PREFIX", "")
SEARCH_TIMEOUT = float(os.environ.get("SEARCH_TIMEOUT", "5"))

# Rep/channel API: channels send `Authorization: Bearer …` (or `Token …`), reps use their session.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "delivery.authentication.ChannelTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Per rep or channel, per process (DRF counts in the default cache); over it: 429 with Retry-After.
    "DEFAULT_THROTTLE_RATES": {"search": os.environ.get("SEARCH_API_RATE", "600/minute")},
    # Per channel token (sessions are not throttled); see delivery/throttling.py.
    "DEFAULT_THROTTLE_CLASSES": ["delivery.throttling.ChannelTokenRateThrottle"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Approved content API",
    "VERSION": "1",
    "PREPROCESSING_HOOKS": ["search.api.schema.public_endpoints_only"],
    # The interactive docs (/api/v1/docs) load Swagger UI from drf-spectacular-sidecar's static files.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}
# Channel delivery (delivery/): token rotation grace, render cache, rate limit, webhooks, pull log.
DELIVERY_TOKEN_ROTATION_GRACE_HOURS = int(os.environ.get("DELIVERY_TOKEN_ROTATION_GRACE_HOURS", "24"))
DELIVERY_RENDER_CACHE_DIR = Path(os.environ.get("DELIVERY_RENDER_CACHE_DIR", VAR_DIR / "renders"))
DELIVERY_RATE_LIMIT = os.environ.get("DELIVERY_RATE_LIMIT", "600/min")
# A channel's token-and-item read is answered from memory while the database has not notified a
# change (delivery/read_cache.py); this bounds its age even if a notification were lost. 0: off.
DELIVERY_READ_CACHE_SECONDS = float(os.environ.get("DELIVERY_READ_CACHE_SECONDS", "0.2"))
DELIVERY_WEBHOOK_ALLOW_HTTP = env_bool("DELIVERY_WEBHOOK_ALLOW_HTTP", False)
DELIVERY_WEBHOOK_TIMEOUT = float(os.environ.get("DELIVERY_WEBHOOK_TIMEOUT", "5"))
DELIVERY_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("DELIVERY_WEBHOOK_MAX_ATTEMPTS", "12"))
DELIVERY_PULL_LOG_BATCH = int(os.environ.get("DELIVERY_PULL_LOG_BATCH", "200"))
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")  # CLM thumbnails (Playwright)
DELIVERY_PULL_LOG_SECONDS = float(os.environ.get("DELIVERY_PULL_LOG_SECONDS", "5"))
# Pull-log batches are written by a writer thread per process, not in the thread of a request.
DELIVERY_PULL_LOG_IN_BACKGROUND = env_bool("DELIVERY_PULL_LOG_IN_BACKGROUND", True)
# Engagement events (engagement/): how old and how far ahead of our clock a reported event may be, and
# the largest request body of POST /api/v1/events (1,000 events with attributes fit well within it).
ENGAGEMENT_MAX_EVENT_AGE_DAYS = int(os.environ.get("ENGAGEMENT_MAX_EVENT_AGE_DAYS", "90"))
ENGAGEMENT_MAX_CLOCK_SKEW_SECONDS = int(os.environ.get("ENGAGEMENT_MAX_CLOCK_SKEW_SECONDS", "300"))
ENGAGEMENT_MAX_BATCH_BYTES = int(os.environ.get("ENGAGEMENT_MAX_BATCH_BYTES", str(2 * 1024 * 1024)))
# The per-token rate limit counts in this cache; point it at a shared cache (memcached, Redis) when
# more than one process serves the API, otherwise each process counts on its own.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": {
        "BACKEND": os.environ.get("THROTTLE_CACHE_BACKEND", "cms.cache.LocalMemoryCache"),
        "LOCATION": os.environ.get("THROTTLE_CACHE_LOCATION", "delivery-throttle"),
    },
}
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# Background work: django-tasks with the database backend; `manage.py run_worker` runs it.
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# A task RUNNING longer than this lost its worker (SIGKILL, OOM, deploy) and is queued again by the
# scheduler (`manage.py run_scheduler`, jobs in ops/schedule.py); after TASKS_MAX_ATTEMPTS lost
# workers it is marked failed instead. Every task must be idempotent and finish well within it.
TASKS_LEASE_SECONDS = int(os.environ.get("TASKS_LEASE_SECONDS", "900"))
TASKS_MAX_ATTEMPTS = int(os.environ.get("TASKS_MAX_ATTEMPTS", "3"))
TASKS_KEEP_RESULTS_DAYS = int(os.environ.get("TASKS_KEEP_RESULTS_DAYS", "14"))
# `manage.py outbox_status` and /healthz/outbox report unhealthy past this age of the oldest
# undelivered outbox event (search index and channels lag behind approvals).
OUTBOX_MAX_AGE_SECONDS = int(os.environ.get("OUTBOX_MAX_AGE_SECONDS", "300"))

WAGTAIL_SITE_NAME = "Modular content & MLR review"
# No avatars from gravatar.com: the product runs on closed networks, where they show as broken images.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://localhost:8000")
WAGTAILDOCS_EXTENSIONS = ["pdf"]
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_MODERATION_ENABLED = True
# MLR review: an edit during review voids earlier signatures, and a finished review publishes
# exactly the signed revision after writing its approval record.
WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT = True
WAGTAIL_FINISH_WORKFLOW_ACTION = "review.finish.workflow_finish"
REVIEW_APPROVAL_MONTHS = int(os.environ.get("REVIEW_APPROVAL_MONTHS", "24"))
REVIEW_EXPIRY_WARNING_DAYS = int(os.environ.get("REVIEW_EXPIRY_WARNING_DAYS", "30"))
# Audit checkpoints (review/checkpoints.py): the chain head appended outside the database after every
# approval and on a schedule; production puts the directory on write-once storage (docs/audit-trail.md).
AUDIT_CHECKPOINT_DIR = Path(os.environ.get("AUDIT_CHECKPOINT_DIR", VAR_DIR / "audit-checkpoints"))
AUDIT_CHECKPOINT_EMAIL = env_list("AUDIT_CHECKPOINT_EMAIL")

# Uploads: the type is decided from the bytes (python-magic), never from the name.
MAX_REFERENCE_UPLOAD_BYTES = int(os.environ.get("MAX_REFERENCE_UPLOAD_BYTES", str(25 * 1024 * 1024)))
MAX_IMAGE_UPLOAD_BYTES = int(os.environ.get("MAX_IMAGE_UPLOAD_BYTES", str(10 * 1024 * 1024)))
MAX_IMAGE_PIXELS = int(os.environ.get("MAX_IMAGE_PIXELS", str(40_000_000)))
MAX_IMAGE_SIDE = int(os.environ.get("MAX_IMAGE_SIDE", "10000"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Wagtail logs every edit at INFO; the audit trail, not the console, is where that belongs.
    "loggers": {
        "wagtail": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        # APScheduler logs every job run at INFO; the scheduler logs failures itself.
        "apscheduler": {"level": "WARNING"},
        # The Elasticsearch client logs every request at INFO.
        "elastic_transport": {"level": "WARNING"},
        # WeasyPrint logs every layout step of every PDF page at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # pypdf warns about every repaired cross-reference table of an uploaded reference PDF.
        "pypdf": {"level": "ERROR"},
        # django-axes logs every sign-in at INFO; failures and lockouts are in the audit trail.
        "axes": {"level": "WARNING"},
    },
}

# Sign-in, sessions and security headers (issue 9). Each setting is in the README's settings table.
# Login lockout (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one username or from one
# address, sign-in is refused (HTTP 429) for LOGIN_LOCKOUT_MINUTES or until a superuser unlocks it
# (Settings → Sign-in lockouts, or `manage.py axes_reset_username NAME`). Failures and lockouts are
# audited.
INSTALLED_APPS += ["accounts", "axes", "csp", "django_permissions_policy"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
# Either limit locks: guessing one account's password, or trying many accounts from one address.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# Behind a reverse proxy every request comes from the proxy; the address it forwards is the client's.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "accounts.addresses.client_address"
AXES_ENABLE_ADMIN = False  # Django's admin site is not routed; the Wagtail admin has the screen.
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Sessions end SESSION_IDLE_TIMEOUT seconds after the last request, SESSION_MAX_AGE seconds after
# signing in at the latest, and when the browser closes.
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", str(30 * 60)))
SESSION_MAX_AGE = int(os.environ.get("SESSION_MAX_AGE", str(12 * 60 * 60)))
SESSION_COOKIE_AGE = SESSION_MAX_AGE
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
# HTTPS: off by default here (development serves plain HTTP); cms.settings.production turns both on.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
EDETAIL_SCRIPT = (BASE_DIR / "templates" / "modules" / "edetail_deck.js").read_bytes()
EDETAIL_SCRIPT_HASH = f"'sha256-{base64.b64encode(hashlib.sha256(EDETAIL_SCRIPT).digest()).decode()}'"
# Content-Security-Policy (django-csp). Wagtail's admin sets style attributes, so inline styles stay
# allowed; scripts come only from this origin (the e-detail deck's one inline script by its hash),
# except in the admin, whose edit forms carry Wagtail's inline widget scripts (cms/csp.py). No eval,
# no third-party sources anywhere (Wagtail's Gravatar avatars and update check are off), no plugins,
# no framing by other sites.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, EDETAIL_SCRIPT_HASH],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "frame-ancestors": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}
CONTENT_SECURITY_POLICY_ADMIN_SCRIPT_SRC = [SELF, UNSAFE_INLINE]
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False  # the admin would call releases.wagtail.org from every browser
# Permissions-Policy (django-permissions-policy): no page here needs a device or sensor.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "browsing-topics",
    )
}
