"""Kruzhok settings: everything comes from environment variables with safe defaults.

`KRUZHOK_ENV=production` switches to production mode: DEBUG off, a secret key is required,
secure cookies are on. Without `DATABASE_URL` the embedded SQLite database in the project
folder is used.
"""

import datetime
import os
from pathlib import Path

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
    "django.contrib.admin",
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
    "kruzhok.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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

# Project templates may override Django's form templates (Bootstrap field markup).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

ROOT_URLCONF = "kruzhok.urls"
WSGI_APPLICATION = "kruzhok.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kruzhok.notifications.context_processors.unread_notifications",
            ],
            "builtins": ["kruzhok.common.templatetags.kruzhok_tags"],
        },
    }
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
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

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if _env_bool("KRUZHOK_FAST_PASSWORD_HASHER", False):
    # Tests and benchmarks only: argon2 is deliberately slow.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Login throttling (django-axes): ten wrong passwords for one e-mail from one address lock that
# pair out for 15 minutes; other people on the same school or library network are not affected.
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

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "noreply@kruzhok.local")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KRUZHOK_LOG_LEVEL", "INFO")},
}
