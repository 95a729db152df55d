"""Django settings for Okno.

Infrastructure only, read from the environment (or a `.env` file in the data
directory). Policy (SLA, routing, auto-close…) lives in the database.

The embedded default needs no configuration at all: SQLite, Huey on SQLite and the
in-memory channel layer under `var/` (or `OKNO_DATA_DIR`). Setting `DATABASE_URL`
and `REDIS_URL` switches to the scaled-out mode.
"""

import os
import tempfile
from pathlib import Path

import dj_database_url

from okno.core.config import env, env_bool, env_list, load_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("OKNO_DATA_DIR") or BASE_DIR / "var").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("OKNO_DEBUG", False)
SECRET_KEY = load_secret_key(DATA_DIR)
ALLOWED_HOSTS = env_list("OKNO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("OKNO_CSRF_TRUSTED_ORIGINS", [])
BASE_URL = env("OKNO_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "huey.contrib.djhuey",
    "django_htmx",
    "template_partials",
    "okno.core",
    "okno.accounts",
    "okno.contacts",
    "okno.tickets",
    "okno.web",
    "okno.channels",
    "okno.portal",
    "okno.api",
    "okno.sla",
    "okno.kb",
    "okno.assignment",
    "okno.notifications",
    "okno.webhooks",
    "okno.automation",
    "okno.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "okno.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The Web* ones are Django's, left out of /api/ requests (okno.core.middleware).
    "okno.core.middleware.WebSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "okno.core.middleware.WebAuthenticationMiddleware",
    "okno.core.middleware.UserLanguageMiddleware",
    "okno.core.middleware.UserTimezoneMiddleware",
    "okno.core.middleware.WebMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "okno.urls"
ASGI_APPLICATION = "okno.asgi.application"
WSGI_APPLICATION = "okno.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "okno.web.context_processors.okno",
                "okno.assignment.context_processors.availability",
                "okno.notifications.context_processors.bell",
            ],
        },
    }
]

# --- database ---------------------------------------------------------------
_sqlite_path = DATA_DIR / "okno.sqlite3"
# HTTP requests run on a fixed pool of threads per web process (okno/asgi.py,
# OKNO_WEB_THREADS), so a connection kept by a thread serves its next requests and
# the number of connections is bounded by the threads.
OKNO_WEB_THREADS = int(env("OKNO_WEB_THREADS", "8"))
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{_sqlite_path}"), conn_max_age=0, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, plus a quick hand-over of the write lock between writers
    # (okno/core/sqlite/base.py: SQLite's own waits sleep up to 100 ms at a time).
    DATABASES["default"]["ENGINE"] = "okno.core.sqlite"
    # Kept open: a new SQLite connection costs its open and PRAGMAs on every request.
    DATABASES["default"]["CONN_MAX_AGE"] = 600
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers and the single writer work at once; IMMEDIATE makes a
        # write transaction take the lock up front instead of failing on upgrade.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
            "PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A pool per process instead, so a request does not open a PostgreSQL connection
    # (a backend process, authentication, session set-up) of its own. Room for every
    # web thread plus the queue's and the channel layer's threads of `okno run`.
    # Health checks stay on: the pool then tests a connection before lending it.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": int(env("OKNO_DB_POOL_SIZE", str(OKNO_WEB_THREADS + 4))),
        "max_idle": 60,
        # Waiting for a connection when the database is down: fail within seconds
        # (the SMTP server then answers 451 and the sender retries), not half a minute.
        "timeout": float(env("OKNO_DB_POOL_TIMEOUT", "5")),
    }
# Test databases carry the process id so parallel test runs never share one; the
# SQLite one is a file (not :memory:) so a live server thread in the tests sees it.
if DATABASES["default"]["ENGINE"] == "okno.core.sqlite":
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"okno-test-{os.getpid()}.sqlite3")
    }
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- queue, cache, real time ------------------------------------------------
REDIS_URL = env("REDIS_URL", "")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": env("OKNO_QUEUE_NAME", "okno"),
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": 4, "worker_type": "thread"},
    }
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env("OKNO_QUEUE_NAME", "okno")},
        }
    }
else:
    HUEY = {
        "huey_class": "okno.core.queue.SqliteHuey",  # synchronous=NORMAL, as the DB
        "name": "okno",
        "filename": str(DATA_DIR / "queue.sqlite3"),
        "immediate": False,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
if env_bool("OKNO_QUEUE_IMMEDIATE", False):
    HUEY["immediate"] = True

# --- auth ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["okno.accounts.backends.EmailBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:inbox"
LOGIN_ATTEMPTS_LIMIT = int(env("OKNO_LOGIN_ATTEMPTS", "5"))
LOGIN_ATTEMPTS_WINDOW = 15 * 60
# Sessions are read from the cache and written through to the table: a signed-in
# page view saves a query, and a cache flush or restart loses no session.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- security -----------------------------------------------------------------
SECURE = env_bool("OKNO_SECURE", not DEBUG and BASE_URL.startswith("https://"))
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = SECURE and env_bool("OKNO_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
OKNO_MAX_ATTACHMENT_SIZE = int(env("OKNO_MAX_ATTACHMENT_SIZE", str(20 * 1024 * 1024)))

# --- i18n -----------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский"), ("uk", "Українська")]
LOCALE_PATHS = [BASE_DIR / "okno" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("OKNO_TIME_ZONE", "UTC")

# --- files ----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request otherwise
STATICFILES_DIRS = [BASE_DIR / "okno" / "web" / "assets"]
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- mail -------------------------------------------------------------------------
# Until an SMTP server is configured, mail is written to files under var/mail/: a
# demo or a trial never sends to real addresses, and a magic link can be read there.
EMAIL_BACKEND = env(
    "OKNO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env("OKNO_SMTP_HOST")
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = DATA_DIR / "mail"
EMAIL_HOST = env("OKNO_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = int(env("OKNO_SMTP_PORT", "25"))
EMAIL_HOST_USER = env("OKNO_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env("OKNO_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("OKNO_SMTP_STARTTLS", False)
EMAIL_USE_SSL = env_bool("OKNO_SMTP_SSL", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env("OKNO_FROM_EMAIL", "support@okno.localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("OKNO_LOG_LEVEL", "WARNING")},
    "loggers": {"okno": {"level": env("OKNO_LOG_LEVEL", "INFO")}},
}

# Handlers that receive every committed ticket event, in order (see okno/core/events.py).
OKNO_EVENT_HANDLERS = [
    "okno.core.realtime.broadcast_ticket_events",
    "okno.sla.handlers.handle_ticket_events",
    "okno.assignment.handlers.handle_ticket_events",
    "okno.channels.outbound.handlers.on_ticket_events",
    "okno.notifications.handlers.handle_ticket_events",
    "okno.webhooks.handlers.on_ticket_events",
    "okno.automation.handlers.on_ticket_events",
    "okno.reports.csat.on_ticket_events",  # CSAT survey after a solve
    "okno.reports.handlers.on_ticket_events",
]
