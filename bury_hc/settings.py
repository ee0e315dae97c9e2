"""Settings for the Bury locality plan monitor, driven by the environment.

With no environment at all it runs the embedded default: SQLite and Celery tasks executed
eagerly in-process. With DATABASE_URL and REDIS_URL set it runs on PostgreSQL, with Redis as
Celery broker, result store and cache, and needs a real worker (and beat for schedules).
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-development-key-not-for-production")
else:
    try:
        SECRET_KEY = env("DJANGO_SECRET_KEY")
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(
            "Set DJANGO_SECRET_KEY (a long random string) or DJANGO_DEBUG=true for development."
        ) from exc

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# The address people reach the service at: e-mails (sent by Celery, with no request to hand)
# link to pages with it. Default: http://127.0.0.1:8000 in development, else https:// and the
# first allowed host (with no allowed host, nothing: set it before sending e-mail).
SITE_URL = env(
    "SITE_URL",
    default="http://127.0.0.1:8000"
    if DEBUG
    else (f"https://{ALLOWED_HOSTS[0]}" if ALLOWED_HOSTS and ALLOWED_HOSTS[0] != "*" else ""),
).rstrip("/")
if SITE_URL and not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        "Set SITE_URL to the service's address, e.g. https://performance.bury.example, so that "
        "e-mails can link to its pages."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "axes",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_forms_gds",
    "health_check",
    "simple_history",
    "bury_hc",
    "plans",
    "programmes",
    "performance",
    "finance",
    "scrutiny",
    "board",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "bury_hc.middleware.ResponseHeadersMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bury_hc.urls"
WSGI_APPLICATION = "bury_hc.wsgi.application"
ASGI_APPLICATION = "bury_hc.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bury_hc.context_processors.navigation",
            ],
        },
    },
]

# --- Database: SQLite by default, PostgreSQL (or anything dj-database-url style) from DATABASE_URL
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: a new PostgreSQL connection per request (a fresh backend process, its
# catalogue caches cold) cost more than the rest of a cached page (docs/benchmarks.md). The
# health check replaces a connection the server has dropped (a restart) before it is used, so
# that no page fails; it costs one round trip per request.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault(
    "CONN_HEALTH_CHECKS", env.bool("DATABASE_CONN_HEALTH_CHECKS", default=True)
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL lets readers carry on while one process writes; the busy timeout makes a writer wait
    # for the lock rather than fail; BEGIN IMMEDIATE takes the write lock when a transaction
    # starts, so two racing saves queue up instead of one failing with "database is locked"
    # when it tries to upgrade a read lock (see docs/reliability.md).
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    (BASE_DIR / "var").mkdir(exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker, results and cache when REDIS_URL is set; in-process otherwise


def redis_cache_url_for(redis_url: str) -> str:
    """REDIS_URL with the next database number (db 15, Redis's last by default, gives 14). A
    URL that names no database in its path (a unix socket's) is kept as it is: set
    REDIS_CACHE_URL for it."""
    parts = urlsplit(redis_url)
    number_text = parts.path.strip("/") or "0"
    if not redis_url or parts.scheme not in ("redis", "rediss") or not number_text.isdigit():
        return redis_url
    number = int(number_text)
    return urlunsplit(parts._replace(path=f"/{number + 1 if number < 15 else number - 1}"))


REDIS_URL = env("REDIS_URL", default="")
# Seconds to wait for Redis before giving up: a page or a save must not hang on a dead Redis.
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=1.0)
# The cache lives in a Redis database of its own (by default the next one after REDIS_URL's),
# so that emptying the cache (cache.clear() runs FLUSHDB) cannot take the queued jobs with it.
REDIS_CACHE_URL = env("REDIS_CACHE_URL", default=redis_cache_url_for(REDIS_URL))
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis, but a cache that cannot be reached is a miss (logged), never an error page.
            "BACKEND": "bury_hc.cache.FailSafeRedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="bury_hc"),
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT,
                "socket_timeout": REDIS_TIMEOUT,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# Without a worker (Celery eager), jobs run in this many background threads of each web process,
# so that a request that asks for a long job goes on at once to a page that polls for it
# (bury_hc.background); 0 runs them inside the request. One thread: on SQLite the jobs would
# only queue for the write lock. Which jobs each process holds is kept in JOBS_STATE_DIR.
JOBS_BACKGROUND_THREADS = env.int(
    "JOBS_BACKGROUND_THREADS", default=1 if CELERY_TASK_ALWAYS_EAGER else 0
)
JOBS_STATE_DIR = env.path("JOBS_STATE_DIR", default=BASE_DIR / "var" / "jobs")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# A task is acknowledged only when it has finished (acks_late); a worker killed mid-task leaves
# its message unacknowledged, and Redis hands it to another worker once the visibility timeout
# has passed. The timeout must outlast the longest task (the hard time limit), or a task still
# running would be handed out a second time.
CELERY_BROKER_VISIBILITY_TIMEOUT = env.int(
    "CELERY_BROKER_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 15 * 60
)
# Sending a task must not hold a request when Redis is down: fail within about two seconds;
# `bury_hc.jobs` then records the job as waiting for the worker and the sweep sends it later.
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": REDIS_TIMEOUT,
    "socket_timeout": max(REDIS_TIMEOUT, 5.0),
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = max(REDIS_TIMEOUT, 5.0)
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Europe/London"
# The schedule lives here; `celery -A bury_hc beat` reads it (no database scheduler needed).
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "bury_hc.tasks.sessions_clear_expired",
        "schedule": crontab(hour=3, minute=15),
    },
    # Jobs that cannot get stuck (bury_hc/jobs.py): send the jobs kept while Redis was down,
    # and release imports and pack exports whose worker died. Each expires rather than piling
    # up while no worker runs.
    "jobs-waiting-send": {
        "task": "bury_hc.jobs_waiting_send",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "observation-imports-sweep": {
        "task": "performance.observation_imports_sweep",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "file-uploads-sweep": {
        "task": "bury_hc.file_uploads_sweep",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "pack-exports-sweep": {
        "task": "scrutiny.pack_exports_sweep",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Milestone update digests to leads and approvers; idempotent per day (programmes.tasks).
    "programmes-milestone-reminders": {
        "task": "programmes.reminders_send",
        "schedule": crontab(hour=7, minute=30),
    },
}

# --- Authentication: every page needs login (LoginRequiredMiddleware); roles are groups
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a sign-in while its username and address are locked out.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the person's roles in the same query as the person.
    "bury_hc.auth.RoleModelBackend",
]
# After AXES_FAILURE_LIMIT wrong passwords for one username from one address, that username is
# refused from that address until the cool-off has passed since the last failure.
AXES_FAILURE_LIMIT = env.int("SIGN_IN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SIGN_IN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "bury_hc.sign_in.sign_in_locked_out"
AXES_USERNAME_FORM_FIELD = "username"
# Behind the TLS-terminating proxy the client's address is in X-Forwarded-For; say how many
# proxies set it (0: use the connection's address).
AXES_IPWARE_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0) or None
if AXES_IPWARE_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "overview"
LOGOUT_REDIRECT_URL = "login"

# --- The council whose plan this is: Bury (ONS code). Comparators are ranked against it.
HOME_AREA_ONS_CODE = env("HOME_AREA_ONS_CODE", default="E08000002")

# --- Locale: British English, London time
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

# --- Static files: govuk-frontend compiled with Sass into static/dist, served by WhiteNoise
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"

# --- Uploads: limits enforced while the body streams in (bury_hc/uploads.py). A page that takes
# files sets its own limit (`upload_max_bytes`); UPLOAD_MAX_BYTES is for any other. Files over
# FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file, not memory; a form's other fields may
# total DATA_UPLOAD_MAX_MEMORY_SIZE.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "bury_hc.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Forms: django-crispy-forms with the GOV.UK Design System pack
CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"
# crispy-forms-gds styles text inputs as GOV.UK inputs but not number or date inputs (they had
# browser-default 13 px text and a grey border, and no red border on an error).
CRISPY_CLASS_CONVERTERS = {"numberinput": "govuk-input", "dateinput": "govuk-input"}

# --- E-mail: the console unless an SMTP server is configured
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="Bury locality plan monitor <noreply@bury.gov.uk>"
)

# --- Security headers, including a Content-Security-Policy (Django 6 has it built in)
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    # plotly.js (7.1.0's bundle) adds its rules to an empty <style> element through the CSSOM,
    # and injects the map library's fixed stylesheet: their two hashes allow exactly those and
    # nothing else inline. A browser test fails if a plotly upgrade changes them.
    "style-src": [
        CSP.SELF,
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
        "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='",
    ],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# /healthz runs its checks at most once in this many seconds in each process (ADR 0003).
HEALTH_CHECK_CACHE_SECONDS = env.float("HEALTH_CHECK_CACHE_SECONDS", default=5.0)
# Sent on every response by bury_hc.middleware: no page needs these browser features.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Sessions are written to the database and read through the cache: a signed-in page does not
# query the session table while the cache holds it (and a cache outage falls back to the table).
SESSION_ENGINE = "bury_hc.sessions"  # cached_db; see the module
SESSION_COOKIE_AGE = 8 * 60 * 60
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # HSTS preload commits the whole registrable domain; its owner decides, not this service.
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
