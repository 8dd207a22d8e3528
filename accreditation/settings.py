"""Settings for the accreditation portal.

Everything that differs between a laptop and production is read from the
environment; README.md lists each variable with its default. The defaults are
the embedded setup: SQLite and files under ``var/``, mail to the console and to
``var/mail/``, a local-memory cache.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DJANGO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random value "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DJANGO_DEBUG=1 on a development machine to use a development key."
        )
    SECRET_KEY = "django-insecure-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")

# The absolute address used in links that are mailed. Never built from the
# request's Host header, which a client controls.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_countries",
    "bootstrap",
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "events",
    "accreditation",
    "registration",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "accounts.middleware.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Around everything below, so that each answer to a signed-in person is kept from caches.
    "accounts.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: its refusal still gets the headers and cookies of everything above.
    "accounts.middleware.ForbiddenCharactersMiddleware",
]

ROOT_URLCONF = "accreditation.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
                "reviews.context_processors.lists",
            ],
        },
    },
]

WSGI_APPLICATION = "accreditation.wsgi.application"

# Database ------------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    # The embedded default: a SQLite file that a fresh clone can create.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock when a transaction begins, so that two requests
    # writing at once wait for each other instead of failing as "locked".
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Accounts ------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "accreditation:dashboard"

# The notice says the emailed link "is valid only 20 minutes"; docs/security.md
# records why this is longer than OWASP advises and what makes up for it.
SIGN_IN_LINK_MINUTES = int(os.environ.get("SIGN_IN_LINK_MINUTES", "20"))
TOTP_ISSUER = os.environ.get("TOTP_ISSUER", "UN accreditation portal")
SESSION_IDLE_MINUTES_STAFF = int(os.environ.get("SESSION_IDLE_MINUTES_STAFF", "30"))
SESSION_IDLE_MINUTES_APPLICANT = int(os.environ.get("SESSION_IDLE_MINUTES_APPLICANT", str(8 * 60)))
SESSION_ABSOLUTE_MINUTES = int(os.environ.get("SESSION_ABSOLUTE_MINUTES", str(12 * 60)))
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_MINUTES * 60
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages and time --------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Stored and compared in UTC; shown in the venue's time zone (see events.timefmt).
TIME_ZONE = "UTC"
USE_TZ = True

# Static files and uploads --------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
FILE_UPLOAD_PERMISSIONS = 0o640
# Each uploaded document, and the pixels an image may have (checked before decoding).
MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_MB", "10")) * 1024 * 1024
# 25 megapixels is what a scanned document needs: A4 at 400 dpi is 15.5 MP, A3 at
# 300 dpi 17.4 MP, US Legal at 400 dpi 19.0 MP, a 24-MP camera's photo 24 MP. Each
# full-size copy of the pixels costs 3 or 4 bytes a pixel (100 MB at the limit), so
# the limit is also what bounds the memory and time of rebuilding an image.
MAX_IMAGE_PIXELS = 25_000_000
# A PDF is inspected in a child process (accreditation/pdfcheck.py) that limits its
# own address space and CPU time, and is killed past the wall-clock timeout: a file
# that inflates to gigabytes is refused instead of filling the worker's memory.
# Measured (Python 3.11, pikepdf 10.18): the child starts at 39 MB of address space
# with pikepdf imported (28 MB resident); a 10 MB scan peaks at 49 MB, a 1,000-page
# text PDF at 57 MB, a tagged PDF of 100,000 objects at 220 MB (qpdf keeps about
# 2 KB per object it has read). 384 MB leaves that file room to spare, and an object
# stream bomb is refused having used at most that (255 to 275 MB measured: qpdf
# doubles its buffer, and the doubling past the limit fails).
PDF_CHECK_MEMORY_MB = 384
# That tagged PDF takes 2 s of CPU, the 1,000-page one 0.6 s, a usual one milliseconds.
PDF_CHECK_CPU_SECONDS = 5
PDF_CHECK_TIMEOUT_SECONDS = 10
# Far above any document an application needs, and what the budget above allows.
PDF_MAX_PAGES = 1_000
PDF_MAX_OBJECTS = 100_000
# Signed object-storage links to a document expire after this long.
DOCUMENT_URL_EXPIRY_SECONDS = 300
# Requests can carry the documents of one application page at once.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    # S3-compatible object storage through django-storages. Uploaded documents
    # are private: links are signed and expire.
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
    AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID") or None
    AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY") or None
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    AWS_QUERYSTRING_EXPIRE = int(os.environ.get("AWS_QUERYSTRING_EXPIRE", "300"))
    AWS_S3_FILE_OVERWRITE = False
    AWS_S3_SIGNATURE_VERSION = "s3v4"
    DEFAULT_FILE_STORAGE_BACKEND = "storages.backends.s3.S3Storage"
else:
    DEFAULT_FILE_STORAGE_BACKEND = "django.core.files.storage.FileSystemStorage"

STORAGES = {
    "default": {"BACKEND": DEFAULT_FILE_STORAGE_BACKEND},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Cache ---------------------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "accreditation"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Mail ----------------------------------------------------------------------

DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Accreditation portal <no-reply@accreditation.localhost>"
)
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
    EMAIL_TIMEOUT = 30
else:
    # Mail to the console and to files is for a laptop: it prints sign-in links, which
    # are credentials, where any server log would keep them. Without debug it must be
    # asked for by name, and then the console copy hides the links.
    if not DEBUG and not env_bool("DJANGO_EMBEDDED_MAIL"):
        raise ImproperlyConfigured(
            "EMAIL_HOST is not set. Set EMAIL_HOST (and the other EMAIL_* variables) to an "
            "SMTP server, or set DJANGO_EMBEDDED_MAIL=1 to keep mail in files on this machine."
        )
    EMAIL_BACKEND = "accreditation.mail.ConsoleAndFileBackend"
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH", VAR_DIR / "mail"))

# Every message is a task (accounts/mail.py, accounts/tasks.py), queued when the
# transaction that caused it commits. "database": tasks are rows in the database, run by
# `manage.py db_worker`, and a message the SMTP server refuses or that cannot reach it is
# tried again after each of MAIL_RETRY_DELAYS, then kept for administrators. "immediate":
# each task runs in the process that queued it, as the transaction commits, and a failure
# keeps the message at once; no worker to run. The default follows the mail: a real SMTP
# server gets the database queue, the embedded console and files the immediate one.
TASKS_BACKEND = os.environ.get("DJANGO_TASKS_BACKEND", "database" if EMAIL_HOST else "immediate")
TASKS_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if TASKS_BACKEND not in TASKS_BACKENDS:
    raise ImproperlyConfigured(
        f"DJANGO_TASKS_BACKEND is {TASKS_BACKEND!r}: it must be one of "
        + ", ".join(sorted(TASKS_BACKENDS))
        + "."
    )
TASKS = {"default": {"BACKEND": TASKS_BACKENDS[TASKS_BACKEND]}}
# After each failed attempt, the wait before the next; after the last, the message is kept
# (status "Not sent, kept" in the admin's Outgoing mail) until someone sends it again.
MAIL_RETRY_DELAYS = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
    timedelta(hours=24),
]

# Security ------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Secure cookies with __Host- names (no Domain, Path=/, HTTPS only) wherever
# the site is served over HTTPS, which is everywhere but a laptop.
SECURE_COOKIES = env_bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
if SECURE_COOKIES:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    LANGUAGE_COOKIE_NAME = "__Host-language"
    LANGUAGE_COOKIE_SECURE = True
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
if not DEBUG:
    # Production runs behind HTTPS. A proxy that terminates TLS must set
    # X-Forwarded-Proto; DJANGO_SECURE_PROXY_SSL_HEADER=1 trusts it.
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
    if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# W003 looks for Django's CSRF middleware by its dotted path; ours is a
# subclass of it (accounts.middleware.CsrfViewMiddleware, see docs/security.md).
SILENCED_SYSTEM_CHECKS = ["security.W003"]
# How many reverse proxies in front of the site append to X-Forwarded-For;
# rate limits count by the client address they saw.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))

# Forms ---------------------------------------------------------------------

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Logging -------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # WeasyPrint tells each step of every PDF it draws; only its problems are worth a line.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# Domain --------------------------------------------------------------------

# Where organizations in consultative status with ECOSOC are sent instead of
# special accreditation.
NGO_BRANCH_URL = os.environ.get("NGO_BRANCH_URL", "https://esango.un.org/")

# The balance panel beside a draft list (reviews/balance.py) warns when one country holds more
# than this share of the list's organizations (on a list of at least 4), and when women, or men,
# are under this share of the proposed participants whose gender is female or male.
LIST_COUNTRY_SHARE_MAX = float(os.environ.get("LIST_COUNTRY_SHARE_MAX", "0.25"))
LIST_GENDER_SHARE_MIN = float(os.environ.get("LIST_GENDER_SHARE_MIN", "0.4"))
# A participants' PDF is laid out in the request (WeasyPrint, about 2.5 ms and 80 kB a
# person): past this many people the office is asked to narrow the filters or take the XLSX.
# Each registration or replacement of a representative mails the person named: so many a day
# per organization and call.
REGISTRATION_MAILS_PER_DAY = int(os.environ.get("REGISTRATION_MAILS_PER_DAY", "20"))
PARTICIPANT_PDF_MAX_ROWS = int(os.environ.get("PARTICIPANT_PDF_MAX_ROWS", "3000"))
