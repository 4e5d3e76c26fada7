"""Focused Care settings: one module, configured from the environment (see README)."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()


def read_or_create_secret(path: Path) -> str:
    """One secret per installation, kept out of git; several app servers must set SECRET_KEY."""
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or read_or_create_secret(VAR_DIR / "secret_key")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
# The back office's path: another one keeps it out of scripted scans (README, "Production").
ADMIN_URL = (env.str("ADMIN_URL", default="admin/").strip("/") or "admin") + "/"

INSTALLED_APPS = [
    "booking.backoffice.site.BackOfficeAdminConfig",  # django.contrib.admin, its site ours
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "simple_history",
    "crispy_forms",
    "crispy_bootstrap5",
    "booking",
    "content",
    "axes",
    "booking.backoffice",  # last: its post_migrate syncs the roles once every permission exists
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside every middleware that may answer early (the unreadable-request refusal).
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "focusedcare.middleware.UnreadableRequestMiddleware",  # before anything reads the form
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "focusedcare.honeypot.HoneypotMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as axes asks
]

AUTHENTICATION_BACKENDS = [
    "booking.backoffice.lockout.StaffLoginBackend",  # first, as axes asks: locked-out logins
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "focusedcare.urls"
WSGI_APPLICATION = "focusedcare.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # Each template is read and compiled once per process. The cached loader is also
            # Django's default, said here so nobody turns it off by listing loaders; in
            # development runserver empties it when a template changes.
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "content.context_processors.site",
            ],
        },
    },
]

# Databases: SQLite under var/ by default; PostgreSQL (psycopg) when DATABASE_URL says so.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
# Persistent connections: each gunicorn worker (one request at a time) keeps its connection for
# ten minutes instead of opening one per request (6-12 ms of PostgreSQL's CPU each), checked
# before reuse after an error; `?conn_max_age=N` in DATABASE_URL overrides (0: one per request).
DATABASES["default"].setdefault("CONN_MAX_AGE", 600)
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue instead of failing
    # with "database is locked" on a read-to-write upgrade; WAL lets readers run meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=20,
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
    # A file, not shared memory: tests with threads need real, separately locked connections.
    # One per test run, so two runs on one machine never delete each other's database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
else:
    # One test database per run, so two runs on one machine never drop each other's.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": env.cache_url(
        "CACHE_URL", default=env.str("REDIS_URL", default="") or "locmemcache://focusedcare"
    ),
}

if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # The same, keeping its Redis client between calls (focusedcare/cache_backend.py).
    CACHES["default"]["BACKEND"] = "focusedcare.cache_backend.RedisCache"
    # Redis down or unreachable costs each request half a second at most, not a hang.
    CACHES["default"].setdefault("OPTIONS", {}).update(
        socket_connect_timeout=0.5, socket_timeout=0.5
    )

# Abuse limits ("10/h": N per s, m, h or d), per client address or email, counted in the shared
# cache over a sliding window (booking/ratelimit.py). Gift codes tried, at the balance page and
# at booking, share one budget and are refused while the cache is down; the others are not.
GIFT_BALANCE_RATE = env.str("GIFT_BALANCE_RATE", default="10/h")
BOOKING_RATE_PER_ADDRESS = env.str("BOOKING_RATE_PER_ADDRESS", default="10/h")
BOOKING_RATE_PER_EMAIL = env.str("BOOKING_RATE_PER_EMAIL", default="5/h")
GIFT_ORDER_RATE_PER_ADDRESS = env.str("GIFT_ORDER_RATE_PER_ADDRESS", default="10/h")
GIFT_EMAIL_RATE_PER_ADDRESS = env.str("GIFT_EMAIL_RATE_PER_ADDRESS", default="5/h")
# Staff logins (django-axes): locked after this many failures from one address for one
# username, for this many minutes; kept in the database, so every app server sees them.
AXES_FAILURE_LIMIT = env.int("STAFF_LOGIN_FAILURES", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("STAFF_LOGIN_LOCKOUT_MINUTES", default=15))
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "booking.ratelimit.client_address"
AXES_LOCKOUT_CALLABLE = "booking.backoffice.lockout.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False  # registered through the role helper instead (backoffice/admin)
AXES_DISABLE_ACCESS_LOG = True  # failures are enough to lock; no log of every staff login
AXES_VERBOSE = False
# How many proxies in front of the app append to X-Forwarded-For (0: trust only REMOTE_ADDR).
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
# Stripe Checkout for gift certificates; without both keys, certificates are paid at the clinic.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")

# Email: Django 6.1 mailers, built from one URL (smtp+tls://user:pass@host:587). Development
# prints emails on the console; production defaults to the server's own mail relay.
EMAIL_URL = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")


def mailer_from(config: dict) -> dict:
    """Translate django-environ's EMAIL_* keys into a MAILERS entry."""
    options = {
        "host": config.get("EMAIL_HOST"),
        "port": config.get("EMAIL_PORT"),
        "username": config.get("EMAIL_HOST_USER"),
        "password": config.get("EMAIL_HOST_PASSWORD"),
        "use_tls": config.get("EMAIL_USE_TLS"),
        "use_ssl": config.get("EMAIL_USE_SSL"),
        "timeout": config.get("EMAIL_TIMEOUT", 10),
    }
    if config["EMAIL_BACKEND"] != "django.core.mail.backends.smtp.EmailBackend":
        options = {}
    return {"BACKEND": config["EMAIL_BACKEND"], "OPTIONS": {k: v for k, v in options.items() if v}}


MAILERS = {"default": mailer_from(EMAIL_URL)}
# Where this site's source code is offered to its users (AGPL-3.0 section 13): a clinic that
# changes the code and serves it to clients points this at its copy. Empty: no link.
SOURCE_URL = env.str("SOURCE_URL", default="")
# Emails and reminders are written outside any request: links in them start with this.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Focused Care <hello@localhost>")
# Emails to clients are from the clinic's address in Clinic details. Off: from DEFAULT_FROM_EMAIL's
# address under the clinic's name, replies to the clinic (for a mail service with a fixed sender).
EMAIL_FROM_CLINIC = env.bool("EMAIL_FROM_CLINIC", default=True)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("CLINIC_TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Where `make backup` writes (README, "Backups").
BACKUP_DIR = env.path("BACKUP_DIR", default=VAR_DIR / "backups")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security: strict by default; `make run` turns DEBUG on for development.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    # gunicorn runs behind a TLS proxy that sets this header (README, "Production").
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
