"""Settings for motcua, read from environment variables (see docs/configuration in README).

Defaults give the embedded mode that `make run` uses: SQLite in var/, the database task queue,
files on disk. DATABASE_URL switches to PostgreSQL without code changes.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

from motcua.env import (
    env_bool,
    env_database_url,
    env_int,
    env_list,
    env_secret,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MOTCUA_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("MOTCUA_DEBUG", False)
SECRET_KEY = env_secret("MOTCUA_SECRET_KEY", VAR_DIR / "secret_key")
ALLOWED_HOSTS = env_list("MOTCUA_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("MOTCUA_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_htmx",
    # django-ninja's templates and static files: /api/docs serves Swagger UI from our own static
    # files (without it in INSTALLED_APPS, ninja loads Swagger UI from a CDN).
    "ninja",
    "org",
    "dossiers",
    "notifications",
    "workdays",
    "catalog",
    "demo",
    "portal",
    "access",
    "backoffice",
    "paperwork",
    "stats",
    "service_index",
    "oversight",
    "citizens",
    "applications",
    "intake",
    "tracking",
    "ratings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "motcua.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "access.middleware.OTPMiddleware",  # django-otp's, its device read compiled once
    "django.contrib.messages.middleware.MessageMiddleware",
    "motcua.middleware.NulInPathMiddleware",  # after the language and user: its 404 page uses them
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it counts failures and refuses locked-out sign-ins before a password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend whose user read also brings the official and the TOTP devices.
    "access.backends.AccountBackend",
    # Citizens sign in by email on the portal only (they pass portal="citizen"), or through the
    # identity provider (OpenID Connect, mozilla-django-oidc); neither ever returns an official.
    "citizens.backends.CitizenPasswordBackend",
    "citizens.oidc.CitizenOIDCBackend",
]
AXES_FAILURE_LIMIT = env_int("MOTCUA_LOCKOUT_FAILURES", 5, minimum=1)
# Hours a locked-out (user name, address) pair waits.
AXES_COOLOFF_TIME = env_int("MOTCUA_LOCKOUT_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "access/locked_out.html"
OTP_TOTP_ISSUER = "motcua"
LOGIN_URL = "access:sign_in"

# Citizens' sign-in through an OpenID Connect provider (the national identity provider in
# production). Off unless MOTCUA_OIDC_CLIENT_ID is set; then the endpoints are required.
OIDC_RP_CLIENT_ID = env_str("MOTCUA_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_str("MOTCUA_OIDC_CLIENT_SECRET", "")
OIDC_OP_ISSUER = env_str("MOTCUA_OIDC_ISSUER", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("MOTCUA_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("MOTCUA_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("MOTCUA_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("MOTCUA_OIDC_JWKS_ENDPOINT", "")
OIDC_RP_SCOPES = env_str("MOTCUA_OIDC_SCOPES", "openid profile email")
OIDC_RP_SIGN_ALGO = env_str("MOTCUA_OIDC_SIGN_ALGO", "RS256")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env_int("MOTCUA_OIDC_TIMEOUT", 10, minimum=1)
OIDC_AUTHENTICATION_CALLBACK_URL = "citizens:oidc_callback"
# Which claims carry the personal ID number and say that the provider verified it (an empty
# MOTCUA_OIDC_ID_VERIFIED_CLAIM trusts every number the provider sends), and the button's name.
OIDC_CITIZEN_ID_CLAIM = env_str("MOTCUA_OIDC_ID_CLAIM", "personal_id")
OIDC_CITIZEN_ID_VERIFIED_CLAIM = env_str("MOTCUA_OIDC_ID_VERIFIED_CLAIM", "personal_id_verified")
OIDC_CITIZEN_NAME_CLAIM = env_str("MOTCUA_OIDC_NAME_CLAIM", "name")
OIDC_PROVIDER_NAME = env_str("MOTCUA_OIDC_PROVIDER_NAME", "VNeID")
if OIDC_RP_CLIENT_ID:
    for _name, _value in [
        ("MOTCUA_OIDC_ISSUER", OIDC_OP_ISSUER),
        ("MOTCUA_OIDC_AUTHORIZATION_ENDPOINT", OIDC_OP_AUTHORIZATION_ENDPOINT),
        ("MOTCUA_OIDC_TOKEN_ENDPOINT", OIDC_OP_TOKEN_ENDPOINT),
        ("MOTCUA_OIDC_USERINFO_ENDPOINT", OIDC_OP_USER_ENDPOINT),
        ("MOTCUA_OIDC_JWKS_ENDPOINT", OIDC_OP_JWKS_ENDPOINT),
    ]:
        if not _value:
            raise ImproperlyConfigured(f"{_name} is required when MOTCUA_OIDC_CLIENT_ID is set")

ROOT_URLCONF = "motcua.urls"
WSGI_APPLICATION = "motcua.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": env_database_url("DATABASE_URL", f"sqlite:///{VAR_DIR / 'motcua.sqlite3'}")}
# Keep connections between requests (a new PostgreSQL connection costs more than most pages),
# checked before reuse so a restarted database server is not an error page.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("MOTCUA_DB_CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, the check skipped for a connection handed back moments ago
    # (`MOTCUA["DB_CHECK_AFTER_MS"]`; see the module).
    DATABASES["default"]["ENGINE"] = "motcua.db.postgresql"
# PostgreSQL: the hot pages' queries (motcua.compiled_sql) run as prepared statements, which
# psycopg keeps per connection; Django turns psycopg's preparing off unless `prepare_threshold`
# is set. Only those queries ask for it: the ORM's others bind on the client, never prepared.
# Turn off behind a pooler that cannot keep them (PgBouncer in transaction mode before 1.21, or
# without max_prepared_statements).
PREPARED_STATEMENTS = env_bool("MOTCUA_DB_PREPARED_STATEMENTS", True)
if PREPARED_STATEMENTS and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The task worker's CPU priority (`manage.py run_worker`, decision 0017). On PostgreSQL it yields
# the cores to the web server and the moves (nice 19). On SQLite it does not: its claims and
# deliveries take the database-wide write lock, and a worker put aside while holding it would
# stall every writer behind it (priority inversion).
WORKER_NICE = env_int(
    "MOTCUA_WORKER_NICE",
    19 if DATABASES["default"]["ENGINE"].endswith("postgresql") else 0,
    minimum=0,
    maximum=19,
)
# The nice value of the thread in which the task worker draws its PDFs (the receipt of every
# reception email, about 100 ms of CPU each; decision 0018). That thread holds no database lock,
# so it may yield the cores on SQLite too. Never below WORKER_NICE: a thread starts at its
# process's value and cannot go lower without privileges.
WORKER_PDF_NICE = env_int("MOTCUA_WORKER_PDF_NICE", 19, minimum=0, maximum=19)

# The default cache holds the rate-limit counters and the oversight figures; it is each
# process's own memory, as Django's default is (configure a shared one when several web
# processes must share the limits). The tracking page's rendered dossiers
# (`tracking.rendered`, decision 0010) have their own store in each process: anonymous lookups
# of many codes never evict a counter or a figure, and the entries end with the process, so a
# new release never serves an older release's HTML.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "tracking": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "motcua-tracking",
        "TIMEOUT": 3600,
        # About 5 KB each: some 10 MB per process when full.
        "OPTIONS": {"MAX_ENTRIES": env_int("MOTCUA_TRACKING_CACHE_ENTRIES", 2000, minimum=1)},
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Source maps (megabytes for django-ninja's Swagger UI and Redoc) are fetched only by developer
# tools: compressing them would triple collectstatic's time for nothing.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "files")},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Tasks are rows in the same database: enqueued inside the business transaction, they commit
# or roll back with it (a transactional outbox); `manage.py db_worker` runs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}

EMAIL_BACKEND = env_str("MOTCUA_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("MOTCUA_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("MOTCUA_EMAIL_PORT", 25, minimum=1)
EMAIL_TIMEOUT = env_int("MOTCUA_EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_str("MOTCUA_FROM_EMAIL", "motcua@localhost")

# Django's database sessions, the per-request read compiled once (access/sessions.py).
SESSION_ENGINE = "access.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("MOTCUA_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = env_int("MOTCUA_SESSION_SECONDS", 8 * 3600, minimum=300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("MOTCUA_LOG_LEVEL", "WARNING")},
}

# Domain settings (defaults from ../shared/docs/domain-rules.md).
MOTCUA = {
    # How many administrative levels may take part in one internal process (two-tier rule).
    "MAX_PROCESS_LEVELS": env_int("MOTCUA_MAX_PROCESS_LEVELS", 2, minimum=1),
    "CATALOG_PAGE_SIZE": env_int("MOTCUA_CATALOG_PAGE_SIZE", 20, minimum=5),
    # The calendar used where an agency has none of its own (created by `demo` / admins).
    "DEFAULT_CALENDAR": env_str("MOTCUA_DEFAULT_CALENDAR", "tinh"),
    # Largest accepted upload (a dossier component or result), in bytes.
    "MAX_UPLOAD_BYTES": env_int("MOTCUA_MAX_UPLOAD_BYTES", 20 * 1024 * 1024, minimum=1024),
    # Deadline warnings: how many working days before a due moment to warn.
    "WARN_WORKING_DAYS": env_int("MOTCUA_WARN_WORKING_DAYS", 1, minimum=0),
    # Working days another agency has to answer a consultation, by default.
    "CONSULTATION_WORKING_DAYS": env_int("MOTCUA_CONSULTATION_WORKING_DAYS", 5, minimum=1),
    # Outbox: a claim older than this is taken to belong to a dead worker and retried.
    "OUTBOX_STALE_SECONDS": env_int("MOTCUA_OUTBOX_STALE_SECONDS", 120, minimum=1),
    "OUTBOX_MAX_ATTEMPTS": env_int("MOTCUA_OUTBOX_MAX_ATTEMPTS", 8, minimum=1),
    # Upstream intake API: how far (seconds) a request's signed timestamp may be from our clock,
    # and the largest request body accepted (files travel base64-encoded inside the JSON).
    "INTAKE_WINDOW_SECONDS": env_int("MOTCUA_INTAKE_WINDOW_SECONDS", 300, minimum=1),
    "INTAKE_MAX_BODY_BYTES": env_int(
        "MOTCUA_INTAKE_MAX_BODY_BYTES", 64 * 1024 * 1024, minimum=1024
    ),
    "PREPARED_STATEMENTS": PREPARED_STATEMENTS,  # see DATABASES above
    # PostgreSQL: a kept connection handed back in good order less than this many
    # milliseconds ago is reused without Django's health check (0: always check).
    "DB_CHECK_AFTER_MS": env_int("MOTCUA_DB_CHECK_AFTER_MS", 1000, minimum=0),
    # Password of the demo staff accounts that `manage.py demo` creates (demo data only).
    "DEMO_PASSWORD": env_str("MOTCUA_DEMO_PASSWORD", "motcua-demo-2026"),
    # Portal account forms (sign-up, password reset, new verification link) accepted per hour
    # from one address, each form counted on its own.
    "ACCOUNT_FORMS_PER_HOUR": env_int("MOTCUA_ACCOUNT_FORMS_PER_HOUR", 10, minimum=1),
    # Public address of the portal, for links in emails and SMS (and the receipt's QR code).
    "SITE_URL": env_url("MOTCUA_SITE_URL", "http://127.0.0.1:8000"),
    # Public tracking (/tra-cuu/): lookups allowed per visitor address (REMOTE_ADDR) and minute,
    # counted in the default cache (configure a shared cache when several web processes run).
    "TRACKING_LOOKUPS_PER_MINUTE": env_int("MOTCUA_TRACKING_LOOKUPS_PER_MINUTE", 20, minimum=1),
    # SMS gateway: JSON POST to this address (no address, no SMS), the token in this header.
    "SMS_URL": env_url("MOTCUA_SMS_URL", "", required=False),
    "SMS_TOKEN": env_str("MOTCUA_SMS_TOKEN", ""),
    "SMS_TOKEN_HEADER": env_str("MOTCUA_SMS_TOKEN_HEADER", "Authorization"),
    "SMS_TIMEOUT": env_int("MOTCUA_SMS_TIMEOUT", 10, minimum=1),
    # Vietnamese gateways often take unaccented text only, and unaccented text fits 160
    # characters in one GSM-7 segment (with accents: 70 in UCS-2). On by default.
    "SMS_UNACCENTED": env_bool("MOTCUA_SMS_UNACCENTED", True),
    "SMS_MAX_CHARS": env_int("MOTCUA_SMS_MAX_CHARS", 160, minimum=70),
    # Serve the benchmark's floor views and thin submission view under /bench/ (bench/README.md).
    # Only `make bench` turns this on; never in production (the views skip sign-in and CSRF).
    "BENCH": env_bool("MOTCUA_BENCH", False),
}

_SLOWEST_SEND = max(EMAIL_TIMEOUT, MOTCUA["SMS_TIMEOUT"] if MOTCUA["SMS_URL"] else 0)
if MOTCUA["OUTBOX_STALE_SECONDS"] <= _SLOWEST_SEND:
    # A send still waiting on the mail server or the SMS gateway must not look abandoned, or
    # it would be sent twice.
    raise ImproperlyConfigured(
        "MOTCUA_OUTBOX_STALE_SECONDS must be greater than MOTCUA_EMAIL_TIMEOUT and, with an SMS "
        f"gateway, MOTCUA_SMS_TIMEOUT ({MOTCUA['OUTBOX_STALE_SECONDS']} <= {_SLOWEST_SEND})"
    )
