"""Kruzhok settings: everything comes from environment variables with safe defaults.

`KRUZHOK_ENV=production` switches to production mode: DEBUG off, a secret key is required,
secure cookies are on. Without `DATABASE_URL` the embedded SQLite database in the project
folder is used.
"""

import datetime
import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("KRUZHOK_HOME", PACKAGE_DIR.parent.parent))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


PRODUCTION = os.environ.get("KRUZHOK_ENV", "development") == "production"
DEBUG = _env_bool("DJANGO_DEBUG", not PRODUCTION)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when KRUZHOK_ENV=production")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "*").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    # The admin site is the superuser's only (kruzhok.common.admin_site).
    "kruzhok.common.admin_site.SuperuserAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "axes",
    "django_tasks",
    "django_tasks_db",
    # django-ninja: its Swagger UI assets come from the project's static files (no CDN).
    "ninja",
    # The portal's apps, bottom layer first: each imports only the apps above it in this list
    # (README, «Architecture»; `lint-imports` enforces it).
    "kruzhok.common",
    "kruzhok.accounts",
    "kruzhok.notifications",
    "kruzhok.families",
    "kruzhok.providers",
    "kruzhok.catalog",
    "kruzhok.certificates",
    "kruzhok.enrollment",
    "kruzhok.billing",
    "kruzhok.attendance",
    "kruzhok.cabinet",
    "kruzhok.oversight",
    "kruzhok.reports",
    "kruzhok.api",
    "kruzhok.demo",
]

MIDDLEWARE = [
    # First: a body too large is refused from its Content-Length before anything reads it.
    "kruzhok.common.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files straight from gunicorn: compressed, with far-future caching of hashed names.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # The portal's Russian 404 page under DEBUG too (outside CommonMiddleware's slash redirect).
    "kruzhok.common.middleware.NotFoundPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during log-in into its response.
    "axes.middleware.AxesMiddleware",
]

# The largest request body accepted (RequestSizeLimitMiddleware): the largest upload (an XLSX
# import or a bank statement, 5 MiB each) and its form. Behind nginx, set client_max_body_size
# to the same, so the proxy refuses it first. Bodies that are not files are capped lower by
# Django when read (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB, and at most 1,000 fields); an upload
# is kept in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE, then in a temporary file.
KRUZHOK_REQUEST_MAX_BYTES = int(os.environ.get("KRUZHOK_REQUEST_MAX_BYTES", str(6 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Project templates may override Django's form templates (Bootstrap field markup).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

ROOT_URLCONF = "kruzhok.urls"
WSGI_APPLICATION = "kruzhok.wsgi.application"

TEMPLATE_CONTEXT_PROCESSORS = [
    "django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
    "kruzhok.notifications.context_processors.unread_notifications",
    "kruzhok.oversight.menu.operator_menu_context",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": TEMPLATE_CONTEXT_PROCESSORS,
            "builtins": ["kruzhok.common.templatetags.kruzhok_tags"],
        },
    },
    # The hottest pages (a program's page, the catalogue's frame) in Jinja2, from `jinja2/`
    # folders: kruzhok.jinja_env.
    {
        "NAME": "jinja2",
        "BACKEND": "kruzhok.jinja_env.Jinja2",
        "DIRS": [PACKAGE_DIR / "jinja2"],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "kruzhok.jinja_env.environment",
            "context_processors": TEMPLATE_CONTEXT_PROCESSORS,
            "trim_blocks": True,
            "lstrip_blocks": True,
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and os.environ.get(
        "KRUZHOK_DB_PREPARED", "1"
    ) not in ("0", ""):
        # A statement a connection runs a fifth time is prepared: PostgreSQL parses and plans
        # it once (a program page's read of the program with its groups took 0.5 ms to plan
        # and 0.2 ms to run), and the pages' reads cost it half the CPU they did. Needs the
        # parameters bound by the server. Off (KRUZHOK_DB_PREPARED=0) behind a pooler that
        # does not keep prepared statements (PgBouncer before 1.21 in transaction mode).
        DATABASES["default"]["OPTIONS"] = {
            **DATABASES["default"].get("OPTIONS", {}),
            "server_side_binding": True,
            "prepare_threshold": 5,
        }
else:
    SQLITE_PATH = Path(os.environ.get("KRUZHOK_SQLITE_PATH", PROJECT_DIR / "kruzhok.sqlite3"))
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "OPTIONS": {
                # Writers serialise on BEGIN IMMEDIATE instead of failing mid-transaction:
                # SQLite has no SELECT ... FOR UPDATE, so this is what keeps money and seats safe.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=20000;"
                    "PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache: rendered catalogue cards (keyed by program version) and a search's matches for a
# few seconds. Each process keeps its own in memory by default (nothing to run); production
# with several workers points KRUZHOK_CACHE_URL at Redis (redis://127.0.0.1:6379/1, Django's
# own backend, which needs the `redis` package) so that the workers share one cache.
CACHE_URL = os.environ.get("KRUZHOK_CACHE_URL", "")
CACHES: dict[str, dict[str, Any]]
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            # Django's Redis backend, for which a Redis that is down is an empty cache: the
            # pages render from the database meanwhile (common.redis_cache).
            "BACKEND": "kruzhok.common.redis_cache.OutageAsMissRedisCache",
            "LOCATION": CACHE_URL,
            # A Redis that hangs instead of refusing costs at most this per try.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            "KEY_PREFIX": "kruzhok",
            # Redis outlives a deployment: keys name the release, so that cards rendered by
            # the previous one are not served by this one.
            "KEY_FUNCTION": "kruzhok.common.release.cache_key",
        }
    }
    # Whole pages kept for anonymous visitors (common.shared_pages): the same Redis, whose
    # least recently used keys go first when it is full.
    CACHES["pages"] = CACHES["default"] | {"KEY_PREFIX": "kruzhok-pages"}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "kruzhok",
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        },
        # Whole pages kept for anonymous visitors (common.shared_pages), 10–30 KB each: few
        # enough that a worker's memory holds them.
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "kruzhok-pages",
            "OPTIONS": {"MAX_ENTRIES": 2_000},
        },
    }

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if _env_bool("KRUZHOK_FAST_PASSWORD_HASHER", False):
    # Tests and benchmarks only: argon2 is deliberately slow.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Behind a reverse proxy every request comes from the proxy's address: name the header it
# appends the client's address to (`X-Forwarded-For`) and how many proxies stand in front, and
# log-in throttling and contract acceptances see the real client (accounts.permissions.client_ip).
# Unset, REMOTE_ADDR is the client: never set it when nothing in front rewrites the header.
KRUZHOK_TRUSTED_PROXY_HEADER = os.environ.get("KRUZHOK_TRUSTED_PROXY_HEADER", "")
KRUZHOK_TRUSTED_PROXIES = int(os.environ.get("KRUZHOK_TRUSTED_PROXIES", "1"))
# Login throttling (django-axes): ten wrong passwords for one e-mail from one client lock that
# pair out for 15 minutes; the same e-mail from other clients, and other people on the same
# school or library network, are not affected. One client's wrong passwords over all e-mails
# are capped too (KRUZHOK_LOGIN_CLIENT_FAILURE_LIMIT, accounts.views.LoginView).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # accounts.backends.LOGIN_BACKEND names it for log-ins without a password.
    "django.contrib.auth.backends.ModelBackend",
]
# Django's database sessions as they ship: logging out deletes the row, so the old cookie stops
# working for every worker at once (a per-process cache in front, as cached_db with local memory,
# would keep it alive in the other workers until their cache expires).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
AXES_FAILURE_LIMIT = int(os.environ.get("KRUZHOK_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Registrations and password-reset letters per client address per hour (accounts.views).
KRUZHOK_REGISTRATIONS_PER_HOUR = int(os.environ.get("KRUZHOK_REGISTRATIONS_PER_HOUR", "10"))
KRUZHOK_PASSWORD_RESETS_PER_HOUR = int(os.environ.get("KRUZHOK_PASSWORD_RESETS_PER_HOUR", "10"))
# A parent may be refused a СНИЛС registered in another family this many times a day.
KRUZHOK_SNILS_REFUSALS_PER_DAY = int(os.environ.get("KRUZHOK_SNILS_REFUSALS_PER_DAY", "5"))
AXES_CLIENT_IP_CALLABLE = "kruzhok.accounts.permissions.axes_client_ip"
# Axes logs who failed; the log gets a masked e-mail, never the address itself.
AXES_CLIENT_STR_CALLABLE = "kruzhok.accounts.log_masking.axes_client_str"
KRUZHOK_LOGIN_CLIENT_FAILURE_LIMIT = int(os.environ.get("KRUZHOK_LOGIN_CLIENT_FAILURE_LIMIT", "50"))
AXES_RESET_ON_SUCCESS = True
# The log-in form posts the e-mail as `username` (Django's AuthenticationForm), not `email`.
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский")]
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("KRUZHOK_STATIC_ROOT", PROJECT_DIR / "staticfiles"))
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# WhiteNoise serves STATIC_ROOT (filled by `kruzhok collectstatic`); production names files by
# their content's hash so that browsers may cache them for a year.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Every letter is queued first: Django's send_mail (the portal's and Django's own password
# reset) writes a row of the outbox in the request's transaction, and `kruzhok
# notifications_send` delivers it through DJANGO_EMAIL_BACKEND. A request never waits for, nor
# fails with, the mail server.
EMAIL_BACKEND = "kruzhok.notifications.outbox.OutboxBackend"
KRUZHOK_EMAIL_DELIVERY_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _env_bool("DJANGO_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "noreply@kruzhok.local")
# Backends that print letters or keep them in memory: letters carry links that log people in,
# so production refuses to start with one of them, and without a mail server named.
_NOT_DELIVERING = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}
# Benchmarks run production mode on one machine and throw the letters away on purpose.
KRUZHOK_BENCH_DISCARDS_MAIL = _env_bool("KRUZHOK_BENCH_DISCARDS_MAIL", False)
if PRODUCTION and not DEBUG and not KRUZHOK_BENCH_DISCARDS_MAIL:
    if KRUZHOK_EMAIL_DELIVERY_BACKEND in _NOT_DELIVERING:
        raise ImproperlyConfigured(
            f"DJANGO_EMAIL_BACKEND={KRUZHOK_EMAIL_DELIVERY_BACKEND} does not deliver letters: "
            "set an SMTP backend when KRUZHOK_ENV=production"
        )
    if "DJANGO_EMAIL_HOST" not in os.environ:
        raise ImproperlyConfigured(
            "DJANGO_EMAIL_HOST must name the mail server when KRUZHOK_ENV=production"
        )

# HTTPS: in production the portal is served over HTTPS only (usually a proxy terminates TLS
# and says so in DJANGO_SECURE_PROXY_SSL_HEADER, e.g. X-Forwarded-Proto): plain HTTP is
# redirected, browsers are told to stay on HTTPS (HSTS) and cookies never travel in clear.
HTTPS = _env_bool("KRUZHOK_HTTPS", PRODUCTION)
_ssl_header = os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER", "")
if _ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _ssl_header.upper().replace("-", "_"), "https")
SECURE_SSL_REDIRECT = HTTPS
# A load balancer's health probe may come over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz"]
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading is a promise for the whole domain that its owner makes at hstspreload.org first.
SECURE_HSTS_PRELOAD = _env_bool("DJANGO_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content Security Policy (django-csp): scripts and styles only from the portal's own static
# files — no inline script anywhere, nothing from another site. Inline style attributes stay
# allowed for progress bars' widths (style-src-attr); a <style> element does not.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        # Bootstrap draws some icons as data: SVG images.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Domain settings.
KRUZHOK_REGION_CODE = os.environ.get("KRUZHOK_REGION_CODE", "26")
# The portal's public address (scheme and host, as parents open it): every link in a letter
# sent outside a request (notifications, background tasks) is built from it. Production must
# say it; `make run` passes the address it serves on.
KRUZHOK_SITE_URL = os.environ.get("KRUZHOK_SITE_URL", "").strip().rstrip("/")
if not KRUZHOK_SITE_URL:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "KRUZHOK_SITE_URL must be set when KRUZHOK_ENV=production: the portal's public "
            "address, e.g. https://kruzhok.example.ru, used in every e-mail's links"
        )
    KRUZHOK_SITE_URL = "http://127.0.0.1:8000"
# Background work (a month close) goes through Django's tasks framework: the database backend
# keeps the queue in the portal's own database, and `kruzhok db_worker` runs it (`make run`
# starts one; in production run it as a service beside gunicorn).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("KRUZHOK_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

KRUZHOK_OFFER_VALID_DAYS = int(os.environ.get("KRUZHOK_OFFER_VALID_DAYS", "5"))
# A mark set or changed more than this many days after the lesson needs a reason, and the
# provider's administrators are told.
KRUZHOK_LATE_MARK_DAYS = int(os.environ.get("KRUZHOK_LATE_MARK_DAYS", "7"))

# Every line passes the masking filter: no full e-mail address and no token of a link that
# logs in (accounts.log_masking). Django's own request and development-server loggers write
# through the same handler.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_secrets": {"()": "kruzhok.accounts.log_masking.MaskingFilter"}},
    "formatters": {
        "server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_secrets"]},
        "server": {
            "class": "logging.StreamHandler",
            "formatter": "server",
            "filters": ["mask_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("KRUZHOK_LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
    },
}

# The API's rate limits: requests a minute per token or signed-in person, and per address of
# anonymous callers of the public catalogue (api.throttling).
KRUZHOK_API_RATE_PER_MINUTE = int(os.environ.get("KRUZHOK_API_RATE_PER_MINUTE", "600"))
KRUZHOK_API_ANONYMOUS_RATE_PER_MINUTE = int(
    os.environ.get("KRUZHOK_API_ANONYMOUS_RATE_PER_MINUTE", "300")
)
