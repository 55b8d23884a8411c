"""Django settings, read only from the environment (documented in docs/configuration.md).

Secure by default: DEBUG is off unless KCLINIC_DEBUG=1, and a secret key is required unless
KCLINIC_MODE is "dev", "demo" or "test", where a fixed, clearly-named key is used so that
nobody mistakes such an instance for a production one.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(os.environ.get("KCLINIC_HOME", Path.cwd())).resolve()
MODE = os.environ.get("KCLINIC_MODE", "production")
if MODE not in {"production", "dev", "demo", "test"}:
    raise ImproperlyConfigured(f"KCLINIC_MODE={MODE!r}; allowed: production, dev, demo, test")


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r}; allowed: 1/0, true/false, yes/no, on/off")


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={raw!r}; allowed: a whole number {low}-{high}"
        ) from None
    if not low <= value <= high:
        raise ImproperlyConfigured(f"{name}={value}; allowed: {low}-{high}")
    return value


DEBUG = _flag("KCLINIC_DEBUG")
SECRET_KEY = os.environ.get("KCLINIC_SECRET_KEY", "")
if not SECRET_KEY:
    if MODE == "production":
        raise ImproperlyConfigured(
            "KCLINIC_SECRET_KEY is required (or set KCLINIC_MODE=dev|demo|test for a local copy)"
        )
    SECRET_KEY = f"insecure-{MODE}-only-key-never-use-in-production"

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("KCLINIC_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if host.strip()
]
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("KCLINIC_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "kclinic.web.accounts",
    "kclinic.web.audit",
    "kclinic.web.patients",
    "kclinic.web.tasks",
    "kclinic.web.notes",
    "kclinic.web.assessments",
    "kclinic.web.screenings",
    "kclinic.web.courses",
    "kclinic.web.inventory",
    "kclinic.web.infusions",
    "kclinic.web.portal",
    "kclinic.web.reports",
    "django_tasks",
    "django_tasks_db",
    # apps: one line each, in dependency order
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kclinic.web.accounts.middleware.IdleTimeoutMiddleware",
    "kclinic.web.accounts.middleware.RequireSecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kclinic.web.urls"
WSGI_APPLICATION = "kclinic.web.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "patients:list"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kclinic.web.accounts.context.staff",
            ],
        },
    },
]

# SQLite file under ./var/ by default (WAL, immediate transactions so writers queue instead of
# failing); PostgreSQL 15+ when DATABASE_URL is set.
_default_sqlite = f"sqlite:///{BASE_DIR / 'var' / 'kclinic.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_sqlite))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes: lock an account+address after repeated failures.
AXES_FAILURE_LIMIT = _int("KCLINIC_LOCKOUT_FAILURES", 5, 1, 100)
AXES_COOLOFF_TIME = _int("KCLINIC_LOCKOUT_MINUTES", 30, 1, 24 * 60) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

# Idle logout, enforced by the server (middleware), not by a page script.
# A JSON file of protocol overrides (vital-sign thresholds, discharge criteria, pre-checks,
# dosing); empty means the cited defaults. See docs/clinical/monitoring.md.
KCLINIC_PROTOCOL_FILE = os.environ.get("KCLINIC_PROTOCOL_FILE", "")
# Keys the per-patient date shift of the de-identified research export; empty means a salted
# derivation of the secret key. Keep it to re-identify nothing, and the same across exports.
KCLINIC_RESEARCH_EXPORT_KEY = os.environ.get("KCLINIC_RESEARCH_EXPORT_KEY", "")
KCLINIC_IDLE_TIMEOUT_MINUTES = _int("KCLINIC_IDLE_TIMEOUT_MINUTES", 15, 1, 24 * 60)
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
_https = _flag("KCLINIC_HTTPS", default=MODE == "production")
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _https else None

# Content Security Policy: everything from our own origin; no CDN, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Email (self-report links, urgent-task notices). Outside production the console backend
# prints messages instead of sending them.
EMAIL_BACKEND = os.environ.get(
    "KCLINIC_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if MODE == "production"
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("KCLINIC_EMAIL_HOST", "localhost")
EMAIL_PORT = _int("KCLINIC_EMAIL_PORT", 25, 1, 65535)
EMAIL_HOST_USER = os.environ.get("KCLINIC_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("KCLINIC_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _flag("KCLINIC_EMAIL_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("KCLINIC_EMAIL_FROM", "kclinic@localhost")

# Background jobs (self-report reminders, notices) are rows in the database, run by
# `kclinic worker`; they survive restarts of the web server and of the worker.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Patient self-report portal (docs/portal.md).
KCLINIC_SELF_REPORT_HOURS = _int("KCLINIC_SELF_REPORT_HOURS", 72, 1, 30 * 24)
KCLINIC_PUBLIC_URL = os.environ.get("KCLINIC_PUBLIC_URL", "").rstrip("/")
if KCLINIC_PUBLIC_URL and not KCLINIC_PUBLIC_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(
        f"KCLINIC_PUBLIC_URL={KCLINIC_PUBLIC_URL!r}; allowed: an address starting https://"
    )
KCLINIC_SMS_BACKEND = os.environ.get(
    "KCLINIC_SMS_BACKEND", "kclinic.web.portal.delivery.LoggingSms"
)
# Shown to a patient after an answer about suicide or self-harm. The default is US-specific
# (988 Suicide & Crisis Lifeline) and MUST be reviewed by the clinic; staff pages say so while
# it is in use.
KCLINIC_CRISIS_TEXT_IS_DEFAULT = not os.environ.get("KCLINIC_CRISIS_TEXT")
KCLINIC_CRISIS_TEXT = os.environ.get("KCLINIC_CRISIS_TEXT") or (
    "If you are thinking about suicide or harming yourself, or you feel you cannot keep "
    "yourself safe, please get help now: call or text 988 (Suicide & Crisis Lifeline, US), "
    "call 911, or go to your nearest emergency department. You can also call the clinic."
)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("KCLINIC_TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [Path(__file__).parent / "static"]
# collectstatic (run by `kclinic serve` in production) fills STATIC_ROOT; other modes serve
# straight from the apps through whitenoise's finders.
STATIC_ROOT = BASE_DIR / "var" / "static" if MODE == "production" else None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if MODE == "production"
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = MODE != "production"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KCLINIC_LOG_LEVEL", "WARNING")},
}
