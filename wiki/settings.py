"""Django settings, read from the environment (see .env.example).

Nothing set means development on this machine: an SQLite file under ./data/, Celery tasks run
in process and a local-memory cache. Operators switch on PostgreSQL and Redis with
DATABASE_URL and REDIS_URL.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("WIKI_DATA_DIR", BASE_DIR / "data"))


def _read_dotenv(path: Path) -> None:
    """Load KEY=VALUE lines from .env without overriding the real environment."""
    if not path.is_file():
        return
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))


# WIKI_ENV_FILE names another file; one that is no file (/dev/null) reads none (make check-deploy).
_read_dotenv(Path(os.environ.get("WIKI_ENV_FILE") or BASE_DIR / ".env"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

# Development only: long enough for PyJWT's and Django's checks.
_DEV_SECRET_KEY = "dev-only-insecure-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see .env.example).")
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and (SECRET_KEY == _DEV_SECRET_KEY or SECRET_KEY.startswith("change-me")):
    # Public values (this file, .env.example's placeholder) are no secret: check --deploy
    # cannot tell, as they are long and varied enough.
    raise ImproperlyConfigured("SECRET_KEY is a published example value; set a random one.")

# Old keys that still open what was sealed with them (wiki/secrets.py); see docs/operations.md.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
# Proxies in front that append to X-Forwarded-For; rate limits count by the address the
# outermost of them saw (wiki/clients.py). 0: REMOTE_ADDR, the header is ignored.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Before django.contrib.auth so that its createsuperuser command takes precedence.
    "accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "graphene_django",
    "django_otp",
    "wiki",
    "pages",
    "api",
]

MIDDLEWARE = [
    # First: its request id and timing cover everything below, and every answer echoes the id.
    "wiki.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outside whitenoise and the probes, so that static files and /healthz get the headers too
    # (wiki/security_headers.py).
    "wiki.security_headers.SecurityHeadersMiddleware",
    # /healthz and /readyz, before the ALLOWED_HOSTS check, sessions and cookies: a load
    # balancer probes with a Host of its own (wiki/health.py).
    "wiki.health.HealthCheckMiddleware",
    # A view failing because the database is away answers 503, not 500; handler500
    # (wiki/urls.py) covers one raised in a middleware (wiki/db_unavailable.py).
    "wiki.db_unavailable.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # request.user from the jwt cookie (API.md §1.2), not from a Django session.
    "accounts.middleware.CookieAuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "wiki.urls"
WSGI_APPLICATION = "wiki.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    # Only the default SQLite file needs the data folder (a server on PostgreSQL may run on a
    # read-only file system).
    DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{DATA_DIR / 'wiki.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        # A reused connection is checked before its first query of a request: about a tenth
        # of a pageById under load, and what spares the first request after a database
        # restart an error. DATABASE_CONN_HEALTH_CHECKS=0 trades the one for the other.
        conn_health_checks=os.environ.get("DATABASE_CONN_HEALTH_CHECKS", "1") == "1",
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Short write transactions and a busy timeout keep the dev server and tests from
    # failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and passwords -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    # Imported Wiki.js 2 passwords: checked once, then stored again with Argon2.
    "accounts.hashers.WikiJs2BcryptHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
]
LOGIN_URL = "admin:login"
# Nobody signs in through Django's backends and sessions: the wiki's sign-in services issue the
# jwt cookie (accounts.signin, the /login and /admin/login/ pages). This backend refuses
# everyone, so django.contrib.auth.authenticate() accepts no one, whatever would call it.
AUTHENTICATION_BACKENDS = ["accounts.admin_login.NoDjangoLogin"]

# --- Redis: cache and Celery ----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "wiki"),
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    # No broker: run tasks in process, synchronously, so nothing is silently dropped.
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# With late acknowledgement a worker should hold one message at a time.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A message taken by a worker that dies is handed out again after this many seconds
    # (the periodic re-queue below usually comes first).
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    "socket_connect_timeout": 3,
    "socket_timeout": 10,
}
# A request that queues a task while Redis is down waits about a second, not minutes: the
# message stays in the outbox and the periodic re-queue sends it later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.3,
    "interval_max": 0.5,
}
CELERY_BEAT_SCHEDULE = {
    "requeue-stale-mail": {
        "task": "wiki.tasks.requeue_stale_mail",
        "schedule": float(os.environ.get("MAIL_REQUEUE_INTERVAL", "60")),
    },
    "purge-old-mail": {"task": "wiki.tasks.purge_old_mail", "schedule": 24 * 3600.0},
    "purge-expired-sign-in-state": {
        "task": "accounts.tasks.purge_expired_sign_in_state",
        "schedule": 3600.0,
    },
}
# Beat's record of when each entry last ran: under the data folder (ignored by git), not in the
# working directory; CELERY_BEAT_SCHEDULE_FILE when that folder is not writable.
CELERY_BEAT_SCHEDULE_FILENAME = os.environ.get("CELERY_BEAT_SCHEDULE_FILE") or str(
    DATA_DIR / "celerybeat-schedule"
)
CELERY_BEAT_SCHEDULER = "wiki.celery:Scheduler"

# --- Mail delivery (wiki.outbox) -------------------------------------------------------------
# Attempts per message; the first retry after MAIL_RETRY_DELAY seconds, doubling up to
# MAIL_RETRY_MAX_DELAY, with jitter. A pending message overdue by MAIL_REQUEUE_AFTER seconds
# is queued again (its task was lost).
MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "8"))
MAIL_RETRY_DELAY = float(os.environ.get("MAIL_RETRY_DELAY", "30"))
MAIL_RETRY_MAX_DELAY = float(os.environ.get("MAIL_RETRY_MAX_DELAY", "1800"))
MAIL_REQUEUE_AFTER = float(os.environ.get("MAIL_REQUEUE_AFTER", "300"))
# Delivered and failed messages are deleted after this many days (the outbox is a log too).
MAIL_OUTBOX_KEEP_DAYS = int(os.environ.get("MAIL_OUTBOX_KEEP_DAYS", "90"))

# --- Mail -------------------------------------------------------------------------------------
# The wiki's own SMTP settings (admin, updateMailConfig) are passed to this backend per message.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "wiki@localhost")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))

# --- GraphQL ----------------------------------------------------------------------------------
GRAPHENE = {
    "SCHEMA": "api.schema.schema",
    "ATOMIC_MUTATIONS": False,  # services own their transactions
}
# django-graphql-jwt, used through accounts.tokens only. Keys come from the database
# (generated at installation), so the handlers point at our module.
GRAPHQL_JWT = {
    "JWT_ALGORITHM": "RS256",
    "JWT_AUTH_HEADER_PREFIX": "Bearer",
    "JWT_VERIFY_EXPIRATION": True,
    "JWT_COOKIE_NAME": "jwt",
    "JWT_ENCODE_HANDLER": "accounts.tokens.encode_handler",
    "JWT_DECODE_HANDLER": "accounts.tokens.decode_handler",
    "JWT_EXPIRATION_DELTA": timedelta(minutes=30),
}
GRAPHQL_MAX_QUERY_DEPTH = int(os.environ.get("GRAPHQL_MAX_QUERY_DEPTH", "12"))
GRAPHQL_MAX_ALIASES = int(os.environ.get("GRAPHQL_MAX_ALIASES", "30"))
# Bounds on the work one document costs before it runs (api/core/limits.py): lexical tokens
# (the introspection query has 180), and fields plus fragment spreads (it has 77).
GRAPHQL_MAX_TOKENS = int(os.environ.get("GRAPHQL_MAX_TOKENS", "3000"))
GRAPHQL_MAX_FIELDS = int(os.environ.get("GRAPHQL_MAX_FIELDS", "250"))
# How often one response name may appear in one selection set (validation compares each pair).
GRAPHQL_MAX_FIELD_REPEATS = int(os.environ.get("GRAPHQL_MAX_FIELD_REPEATS", "10"))
# Parsed and validated documents kept per process, and the largest document text cached.
GRAPHQL_DOCUMENT_CACHE_SIZE = int(os.environ.get("GRAPHQL_DOCUMENT_CACHE_SIZE", "500"))
GRAPHQL_DOCUMENT_CACHE_MAX_BYTES = int(os.environ.get("GRAPHQL_DOCUMENT_CACHE_MAX_BYTES", "16384"))
# The document's text in UTF-8 bytes, refused before parsing (page content belongs in variables).
GRAPHQL_MAX_DOCUMENT_BYTES = int(os.environ.get("GRAPHQL_MAX_DOCUMENT_BYTES", str(1024 * 1024)))
# Items of any one list given as input, written in the document or in the variables.
GRAPHQL_MAX_INPUT_LIST_ITEMS = int(os.environ.get("GRAPHQL_MAX_INPUT_LIST_ITEMS", "250"))
# Worst-case objects one operation may return, estimated from list sizes (api/core/cost.py).
GRAPHQL_MAX_NODES = int(os.environ.get("GRAPHQL_MAX_NODES", "10000"))
# Most items of a list the contract leaves unbounded (pages without limit, users without
# pageSize, pageHistoryById's offsetSize).
GRAPHQL_MAX_LIST_ITEMS = int(os.environ.get("GRAPHQL_MAX_LIST_ITEMS", "1000"))
# Time budgets of one GraphQL request (api/core/deadline.py); 0 switches one off.
GRAPHQL_DEADLINE_MS = int(os.environ.get("GRAPHQL_DEADLINE_MS", "10000"))
REQUEST_STATEMENT_TIMEOUT_MS = int(os.environ.get("REQUEST_STATEMENT_TIMEOUT_MS", "5000"))
# Contract §1.1: 5 MB request bodies.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("MAX_BODY_BYTES", str(5 * 1024 * 1024)))
# Operations in one batch at /graphql (a JSON array, API-v2.md §1.1). Each runs under every
# bound above, its own deadline included, so a batch may take this many times as long. The
# Wiki.js 2 web client's batching link sends at most 10.
GRAPHQL_MAX_BATCH_OPERATIONS = int(os.environ.get("GRAPHQL_MAX_BATCH_OPERATIONS", "10"))


# --- GraphQL transport: what /_graphql shows about itself (api/core/transport.py, exposure.py)
def exposure_setting(name: str, default: str) -> str:
    """``on``, ``signed-in`` (guests refused) or ``off``; a typo stops the server."""
    value = os.environ.get(name, "").strip().lower() or default
    if value not in {"on", "signed-in", "off"}:
        raise ImproperlyConfigured(f"{name} must be on, signed-in or off, not {value!r}.")
    return value


# The explorer page at GET /_graphql.
GRAPHQL_EXPLORER = env_bool("GRAPHQL_EXPLORER", True)
# __schema and __type queries, and graphql-core's "Did you mean ...?" hints in error messages:
# in production a guest gets neither, so the schema is not spelt out to anyone who asks.
GRAPHQL_INTROSPECTION = exposure_setting("GRAPHQL_INTROSPECTION", "on" if DEBUG else "signed-in")
GRAPHQL_SUGGESTIONS = exposure_setting("GRAPHQL_SUGGESTIONS", "on" if DEBUG else "signed-in")

# --- Page views in the browser ----------------------------------------------------------------
# Rendered page views each process keeps while nothing they show has changed (pages.view_cache),
# in bytes; 0 renders every view afresh.
PAGE_VIEW_CACHE_BYTES = int(os.environ.get("PAGE_VIEW_CACHE_BYTES", str(32 * 1024 * 1024)))
# Seconds one page's source may take to render (pages/rendering.py); past it the save is
# refused. Ordinary Markdown renders 5 MB in about a second; 0 switches the budget off.
PAGE_RENDER_SECONDS = float(os.environ.get("PAGE_RENDER_SECONDS", "10"))

# --- Internationalisation and static files ----------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Security (manage.py check --deploy is clean with DEBUG off) -----------------------------
SESSION_COOKIE_HTTPONLY = True
# Scripts never read the csrftoken cookie: pages hand them the token (the explorer does).
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # Preload only when the operator asks for it: "preload" lets the host name be submitted to
    # the list built into browsers, which then never speak plain HTTP to it or (with
    # includeSubDomains) to any name below it, for as long as the browser build lives, and
    # leaving that list takes months. A commitment for the whole domain, not a wiki default.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # security.W021 reports exactly this choice ("cannot be submitted to the preload
        # list"); every other HSTS check (W004, W005) still runs.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
if env_bool("SECURE_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True


# --- Passkeys (API.md §4.5.6) -----------------------------------------------------------------
def _webauthn_origins(values: list[str]) -> list[str]:
    """``scheme://host[:port]`` origins, as browsers put them in clientDataJSON."""
    origins = []
    for value in values:
        origin = value.rstrip("/").lower()
        scheme, _, rest = origin.partition("://")
        if scheme not in {"http", "https"} or not rest or any(c in rest for c in "/?#@ "):
            raise ImproperlyConfigured(
                f"WEBAUTHN_ORIGINS: {value!r} is not an origin like https://wiki.example.com"
            )
        origins.append(origin)
    return origins


# Origins a passkey response may come from. Each site (relying party = its hostname) accepts
# the listed origins whose host is its hostname or below it, else only https://<hostname>.
# Development: WEBAUTHN_ORIGINS=http://localhost:8000 (port included) with a site "localhost".
WEBAUTHN_ORIGINS = _webauthn_origins(env_list("WEBAUTHN_ORIGINS"))

# --- Logs (docs/operations.md, "Logs") ---------------------------------------------------------
# One line per request (wiki.request_log) and every other record on stderr, each with the id of
# its request and scrubbed of secret-looking text (wiki.log_format). LOG_FORMAT=json writes one
# JSON object per line for a log collector.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "").strip().lower() or "plain"
# Celery workers log through the same handler (format, scrubbing) instead of replacing it.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "wiki.log_format.RequestIdFilter"},
        "redact": {"()": "wiki.log_format.RedactSecretsFilter"},
    },
    "formatters": {
        "plain": {"()": "wiki.log_format.PlainFormatter"},
        "json": {"()": "wiki.log_format.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers (an unfiltered console copy under DEBUG, mail to ADMINS, which
        # is not set) give way to the one above.
        "django": {"handlers": [], "propagate": True},
        # SQL with its parameters (password hashes, tokens) is never logged, whatever LOG_LEVEL.
        "django.db.backends": {"level": "WARNING"},
        # These write request paths (/login-reset/<token>): scrubbed before any handler.
        "django.request": {"filters": ["redact"]},
        # runserver's own request lines repeat wiki.request's; its warnings and errors stay.
        "django.server": {"filters": ["redact"], "level": "WARNING", "propagate": True},
    },
}

# --- Faults: health checks, the database or Redis away (wiki/health.py, wiki/db_unavailable.py)
# Probes speak plain HTTP to the server behind the TLS proxy (patterns match the path without
# its leading slash).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# A database that does not answer a new connection fails the request (503) after this many
# seconds instead of holding the worker until gunicorn kills it.
DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "3"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", DATABASE_CONNECT_TIMEOUT
    )
# Redis down or hung costs a request a fraction of a second, not a worker: the cache (rate
# limits) gives up after these many seconds, then counts in memory for a while.
REDIS_CONNECT_TIMEOUT = float(os.environ.get("REDIS_CONNECT_TIMEOUT", "0.25"))
REDIS_SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT", "0.5"))
if REDIS_URL:
    CACHES["default"].setdefault("OPTIONS", {}).update(
        socket_connect_timeout=REDIS_CONNECT_TIMEOUT, socket_timeout=REDIS_SOCKET_TIMEOUT
    )
