"""Settings for the portal, read from the environment (see .env.example).

Development defaults are safe to run on a laptop: SQLite, an embedded filesystem broker, e-mail
on the console. Production sets DEBUG=false and gets secure cookies, HSTS and SSL redirects
unless told otherwise.
"""

import os
from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.env import (
    check_broker_url,
    check_rate,
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"
elif len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Absolute address printed in e-mails and on dossiers (the verification link).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "accounts",
    "providers",
    "library",
    "assessments",
    "reviews",
    "notifications",
    "audit",
    "dossiers",
    "filing",
    "outbox",
    "api",
    "modeltests",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A Content-Security-Policy on every response, error pages included.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "audit.context.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages (it explains itself) and authentication (it reads the session's user).
    "accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

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

_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {"default": database_from_url("DATABASE_URL", _database_url)}
else:
    # The embedded default: a file under var/, created on first use.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # The web server and the worker write at the same time: WAL lets readers and one writer
    # proceed together, IMMEDIATE transactions take the write lock up front (no deadlocked
    # upgrades), and a writer waits up to 20 s for the other instead of failing.
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out credentials before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Single sign-on with the organisation's OpenID Connect provider (accounts/oidc.py), on when
# OIDC_CLIENT_ID is set. `manage.py oidc_endpoints ISSUER` prints the endpoint variables from
# the provider's discovery document.
OIDC_RP_CLIENT_ID = env_str("OIDC_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_USERINFO_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_JWKS_ENDPOINT")
OIDC_OP_LOGOUT_ENDPOINT = env_str("OIDC_END_SESSION_ENDPOINT")
OIDC_RP_SIGN_ALGO = env_str("OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = "openid email profile"
# An unknown (verified) address gets an account on first sign-in, with no provider membership.
OIDC_CREATE_USER = env_bool("OIDC_CREATE_USERS", False)
# The name on the sign-in button, e.g. 星辰统一身份认证; empty: "single sign-on".
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME")
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True  # for signing out at the provider too (id_token_hint)
OIDC_CALLBACK_CLASS = "accounts.oidc.SSOCallbackView"
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc_callback"
OIDC_TIMEOUT = 15
if OIDC_RP_CLIENT_ID:
    for _name, _url in (
        ("OIDC_AUTHORIZATION_ENDPOINT", OIDC_OP_AUTHORIZATION_ENDPOINT),
        ("OIDC_TOKEN_ENDPOINT", OIDC_OP_TOKEN_ENDPOINT),
        ("OIDC_USERINFO_ENDPOINT", OIDC_OP_USER_ENDPOINT),
        ("OIDC_JWKS_ENDPOINT", OIDC_OP_JWKS_ENDPOINT),
        ("OIDC_END_SESSION_ENDPOINT", OIDC_OP_LOGOUT_ENDPOINT or "https://optional"),
    ):
        if not _url.startswith(("https://", "http://")):
            raise ImproperlyConfigured(
                f"OIDC_CLIENT_ID is set, so {_name} must be the provider's http(s) URL "
                f"(manage.py oidc_endpoints ISSUER prints them), not {_url!r}."
            )
    if not OIDC_RP_CLIENT_SECRET:
        raise ImproperlyConfigured("OIDC_CLIENT_ID is set, so OIDC_CLIENT_SECRET must be too.")
    AUTHENTICATION_BACKENDS.append("accounts.oidc.SSOBackend")
# Local passwords can be turned off when everyone signs in through the provider.
LOCAL_PASSWORDS = env_bool("LOCAL_PASSWORDS", True)
if not LOCAL_PASSWORDS:
    if not OIDC_RP_CLIENT_ID:
        raise ImproperlyConfigured(
            "LOCAL_PASSWORDS=false needs single sign-on: set OIDC_CLIENT_ID."
        )
    AUTHENTICATION_BACKENDS.remove("django.contrib.auth.backends.ModelBackend")

# Two-factor sign-in (accounts/mfa.py): required for administrators and reviewers when on,
# which it is by default in production; optional for everyone else.
MFA_REQUIRED = env_bool("MFA_REQUIRED", not DEBUG)
OTP_TOTP_ISSUER = "合规门户"

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
INVITATION_MAX_AGE = env_int("INVITATION_MAX_AGE_DAYS", 7, minimum=1) * 24 * 60 * 60

# Lockout: five failures for one account from one address lock it for an hour.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 60, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
# Reverse proxies in front of the portal: the client is the address the outermost of them saw
# (portal/client_address.py). Axes gets it from the same function as the audit trail; its own
# ipware default reads REMOTE_ADDR alone and, behind a proxy, found no client at all.
PROXY_COUNT = env_int("PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "portal.client_address.client_address"

# Django's database sessions with their read compiled once (portal/sessions.py).
SESSION_ENGINE = "portal.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_AGE_MINUTES", 8 * 60, minimum=5) * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Evidence and dossiers: outside the static root, served only by access-checked views.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = None
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Four-eyes review: a second reviewer confirms every verdict on a red line before approval.
REVIEW_FOUR_EYES = env_bool("REVIEW_FOUR_EYES", False)
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_MB", 25, minimum=1) * 1024 * 1024
# Analysers stream their input; this caps what one artefact may hold (uncompressed for XLSX).
ANALYSER_MAX_BYTES = 200 * 1024 * 1024
# Uploads are stopped while they arrive (portal/uploads.py): evidence at EVIDENCE_MAX_BYTES,
# the verification page at DOSSIER_VERIFY_MAX_BYTES, anything else at UPLOAD_MAX_BYTES.
# Evidence storage per provider, each distinct file counted once (0: no quota).
EVIDENCE_QUOTA_BYTES = env_int("EVIDENCE_QUOTA_MB", 2048, minimum=0) * 1024 * 1024
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", 200, minimum=1) * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "portal.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "合规门户 <noreply@localhost>")

# Celery: Redis when configured; otherwise an embedded filesystem broker that needs no server,
# so background work stays off the request path even on a laptop.
CELERY_BROKER_URL = check_broker_url(
    "CELERY_BROKER_URL", env_str("CELERY_BROKER_URL") or "filesystem://"
)
# A message taken by a worker that then died whole comes back after visibility_timeout: just
# above the longest task (the dossier's hard limit, set below), not an hour. Unreachable Redis
# fails fast, so a request that queues work answers at once (outbox/services.py keeps the work).
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "socket_timeout": 10}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery"
    # The transport lists these folders on every send and poll: they must exist.
    for _folder in ("queue", "processed", "control"):
        (_queue_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # The exchange tables too: by default kombu writes them to ./control, in the source tree.
        "control_folder": str(_queue_dir / "control"),
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# Periodic work, run by `celery -A portal beat` (the `beat` service of docker-compose.yml).
CELERY_BEAT_SCHEDULE = {
    # Every morning at 08:00 in TIME_ZONE (Asia/Shanghai unless set otherwise).
    "send-due-reminders": {
        "task": "notifications.tasks.send_due_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
}
# Signed checkpoints of the audit chain's head (audit/checkpoints.py), written by beat every
# AUDIT_CHECKPOINT_MINUTES into AUDIT_CHECKPOINT_DIR: storage the database cannot reach (in
# production a separate volume, ideally write-once or another machine's). Checkpoints signed
# by an earlier signing certificate count when its SHA-256 fingerprint is listed.
AUDIT_CHECKPOINT_DIR = Path(env_str("AUDIT_CHECKPOINT_DIR", str(VAR_DIR / "audit-checkpoints")))
AUDIT_CHECKPOINT_MINUTES = env_int("AUDIT_CHECKPOINT_MINUTES", 15, minimum=1)
AUDIT_CHECKPOINT_FINGERPRINTS = env_list("AUDIT_CHECKPOINT_FINGERPRINTS", [])
# The sweeper (outbox/services.py): work that never reached the broker, or whose worker died.
SWEEPER_SECONDS = env_int("SWEEPER_SECONDS", 60, minimum=10)
CELERY_BEAT_SCHEDULE["sweep-lost-work"] = {
    "task": "outbox.tasks.sweep_lost_work",
    "schedule": timedelta(seconds=SWEEPER_SECONDS),
}
CELERY_BEAT_SCHEDULE["write-audit-checkpoint"] = {
    "task": "audit.tasks.write_audit_checkpoint",
    "schedule": timedelta(minutes=AUDIT_CHECKPOINT_MINUTES),
}
# Evidence files no row names any more (removed from a draft) are deleted daily at 03:30.
CELERY_BEAT_SCHEDULE["clean-evidence-files"] = {
    "task": "assessments.tasks.clean_evidence_files",
    "schedule": crontab(hour=3, minute=30),
}
# Mondays at 08:30: each provider member's digest of the week's library changes that affect
# their services (notifications/digest.py; one per person and week).
CELERY_BEAT_SCHEDULE["send-weekly-digests"] = {
    "task": "notifications.tasks.send_weekly_digests",
    "schedule": crontab(day_of_week=1, hour=8, minute=30),
}
# Reviewers are reminded of a review this many days before its due date (0: on the day).
REVIEW_REMINDER_DAYS = env_int("REVIEW_REMINDER_DAYS", 2)

# Filing dossiers (dossiers/): signing key, trust roots, timestamps, limits.
# Signing material: either a PKCS#12 bundle, or a PEM key and certificate (plus chain files).
# With none set, `manage.py ensure_signing_cert` makes a DEVELOPMENT-ONLY CA under
# var/signing/ and the portal uses it while DEBUG is true.
DOSSIER_SIGNING_PKCS12 = env_str("DOSSIER_SIGNING_PKCS12")
DOSSIER_SIGNING_KEY = env_str("DOSSIER_SIGNING_KEY")
DOSSIER_SIGNING_CERT = env_str("DOSSIER_SIGNING_CERT")
DOSSIER_SIGNING_CHAIN = env_list("DOSSIER_SIGNING_CHAIN", [])
DOSSIER_SIGNING_PASSPHRASE = env_str("DOSSIER_SIGNING_PASSPHRASE")
_passphrase_file = env_str("DOSSIER_SIGNING_PASSPHRASE_FILE")
DOSSIER_TRUST_ROOTS = env_list("DOSSIER_TRUST_ROOTS", [])
DOSSIER_TSA_URL = env_str("DOSSIER_TSA_URL")
DOSSIER_SIGNING_LOCATION = env_str("DOSSIER_SIGNING_LOCATION", "")
DOSSIER_DEV_SIGNING_DIR = VAR_DIR / "signing"
DOSSIER_ALLOW_DEV_SIGNING = env_bool("DOSSIER_ALLOW_DEV_SIGNING", DEBUG)
DOSSIER_VERIFY_MAX_BYTES = env_int("DOSSIER_VERIFY_MAX_MB", 200, minimum=1) * 1024 * 1024
DOSSIER_VERIFY_PER_HOUR = env_int("DOSSIER_VERIFY_PER_HOUR", 30, minimum=1)
# How much lower the worker's CPU priority is than the web processes' (nice, inherited by its
# render processes): a build keeps every core busy for seconds, and a page or an autosave on
# the same machine should not wait behind it. 0 leaves them equal.
WORKER_NICENESS = env_int("WORKER_NICENESS", 5, minimum=0)
# Processes one build may use at once (portal/forking.py: the PDFs and workbooks of a filing
# package, the parts of a long dossier); 1 renders everything in the worker process itself.
RENDER_PROCESSES = env_int("RENDER_PROCESSES", os.cpu_count() or 1, minimum=1)
# A dossier of about this many pages or more is laid out in parts by RENDER_PROCESSES processes
# and merged (dossiers/parallel.py); 0 never splits one.
DOSSIER_PARALLEL_MIN_PAGES = env_int("DOSSIER_PARALLEL_MIN_PAGES", 150, minimum=0)
# A filing document (the self-assessment report) of about this many pages or more is laid out
# in runs of chapters by RENDER_PROCESSES processes and merged likewise; 0 never splits one.
DOCUMENT_PARALLEL_MIN_PAGES = env_int("DOCUMENT_PARALLEL_MIN_PAGES", 20, minimum=0)
DOSSIER_TASK_SOFT_TIME_LIMIT = env_int("DOSSIER_TASK_TIME_LIMIT", 600, minimum=30)
DOSSIER_TASK_TIME_LIMIT = DOSSIER_TASK_SOFT_TIME_LIMIT + 60
if "visibility_timeout" not in CELERY_BROKER_TRANSPORT_OPTIONS and not CELERY_BROKER_URL.startswith(
    "filesystem://"
):
    CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = DOSSIER_TASK_TIME_LIMIT + 120
if DOSSIER_SIGNING_PKCS12 and (DOSSIER_SIGNING_KEY or DOSSIER_SIGNING_CERT):
    raise ImproperlyConfigured(
        "Set either DOSSIER_SIGNING_PKCS12 or DOSSIER_SIGNING_KEY with DOSSIER_SIGNING_CERT, "
        "not both."
    )
if bool(DOSSIER_SIGNING_KEY) != bool(DOSSIER_SIGNING_CERT):
    raise ImproperlyConfigured(
        "DOSSIER_SIGNING_KEY and DOSSIER_SIGNING_CERT go together: set both PEM paths."
    )
for _name, _paths in (
    ("DOSSIER_SIGNING_PKCS12", [DOSSIER_SIGNING_PKCS12]),
    ("DOSSIER_SIGNING_KEY", [DOSSIER_SIGNING_KEY]),
    ("DOSSIER_SIGNING_CERT", [DOSSIER_SIGNING_CERT]),
    ("DOSSIER_SIGNING_CHAIN", DOSSIER_SIGNING_CHAIN),
    ("DOSSIER_TRUST_ROOTS", DOSSIER_TRUST_ROOTS),
    ("DOSSIER_SIGNING_PASSPHRASE_FILE", [_passphrase_file]),
):
    for _path in _paths:
        if _path and not Path(_path).is_file():
            raise ImproperlyConfigured(f"{_name} names {_path!r}, which is not a readable file.")
if _passphrase_file:
    if DOSSIER_SIGNING_PASSPHRASE:
        raise ImproperlyConfigured(
            "Set DOSSIER_SIGNING_PASSPHRASE or DOSSIER_SIGNING_PASSPHRASE_FILE, not both."
        )
    DOSSIER_SIGNING_PASSPHRASE = Path(_passphrase_file).read_text(encoding="utf-8").strip()
if DOSSIER_TSA_URL and not DOSSIER_TSA_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"DOSSIER_TSA_URL must be an http(s) URL, not {DOSSIER_TSA_URL!r}.")

# Production hardening: on by default whenever DEBUG is off, each switchable for a proxy set-up.
_secure = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _secure)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", _secure)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", _secure)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if _secure else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _secure)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", _secure)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"

# Content-Security-Policy (django-csp): scripts only from the portal's own static files, never
# inline, so injected markup cannot run script. Styles allow inline `style` attributes (progress
# bars, table widths); images also `data:` (Swagger UI's icons); the API docs' Redoc runs a
# web worker from a blob.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # One INFO line per model request (thousands per test run) is noise; retries and
        # failures are counted on the run's items instead.
        "httpx2": {"level": "WARNING"},
        "openai": {"level": "WARNING"},
    },
}

PORTAL_NAME = _("Generative AI compliance portal")

# Model tests (modeltests/): Fernet keys that encrypt endpoint API keys at rest, newest first.
# Unset in development: one is generated under var/. Required when DEBUG is false.
MODEL_ENDPOINT_KEYS = env_list("MODEL_ENDPOINT_KEYS", [])
MODEL_ENDPOINT_ALLOW_DEV_KEY = env_bool("MODEL_ENDPOINT_ALLOW_DEV_KEY", DEBUG)
# Items per chunk task of a run (a chunk is the unit a worker claims and can lose).
MODEL_TEST_CHUNK = env_int("MODEL_TEST_CHUNK", 256, minimum=1)
# A run whose worker has not renewed its lease for this long is taken over by the next one.
MODEL_TEST_LEASE_SECONDS = env_int("MODEL_TEST_LEASE_SECONDS", 30, minimum=1)

# REST API (api/): personal access tokens or the browser session, problem-details errors,
# a rate limit per token (per person for the session). Rates read "<count>/<second|minute|
# hour|day>".
API_RATE_LIMIT = check_rate("API_RATE_LIMIT", env_str("API_RATE_LIMIT", "240/minute"))
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365, minimum=1)
# Rate limits (API, verification page) count in the cache, which every process must share:
# Redis when CACHE_URL names it (production), otherwise files under var/cache, which the web
# server's processes and threads on one machine share. Never a per-process memory cache: each
# gunicorn worker would count on its own and grant the limit several times over.
_cache_url = env_str("CACHE_URL")
if _cache_url:
    check_broker_url("CACHE_URL", _cache_url)
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
            # A Redis that is down answers at once with an error, not after the OS timeout.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.AccessTokenAuthentication",
        # The browser session, with Django's CSRF check on unsafe methods.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": API_RATE_LIMIT},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Anonymous callers are counted by the address the proxies saw, as everywhere else.
    "NUM_PROXIES": PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Generative AI compliance portal API",
    "DESCRIPTION": "Self-assessments, evidence, scores, pre-filing checks, dossiers, filing "
    "packages and reviews for pipelines. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {},
    "DISABLE_ERRORS_AND_WARNINGS": False,
}
