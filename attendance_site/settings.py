"""Settings, all read from the environment (see the table in README.md).

With nothing set, the app runs for local development: a SQLite file and Celery
tasks run eagerly in the web process, so `make run` needs no servers.
`DJANGO_ENV=production` turns on every check that `manage.py check --deploy` makes.
"""

import datetime as dt
from pathlib import Path

import django_stubs_ext
import environ
from csp.constants import NONCE, NONE, SELF

# Lets the typed generics (ModelAdmin[School], QuerySet[Pupil]) run, not only type-check.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production"}:
    raise environ.ImproperlyConfigured(
        f"DJANGO_ENV must be 'development' or 'production', not {DJANGO_ENV!r}"
    )
IS_PRODUCTION = DJANGO_ENV == "production"

if IS_PRODUCTION:
    # No default: a production server must never start with a key from the source.
    SECRET_KEY = env.str("SECRET_KEY")
    DEBUG = env.bool("DEBUG", default=False)
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="development-only-key-not-for-production")
    DEBUG = env.bool("DEBUG", default=True)
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The admin site behind the product's sign-in and its second factor
    # (accounts/admin_site.py), in place of "django.contrib.admin".
    "accounts.apps.ProductAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rules.apps.AutodiscoverRulesConfig",
    "csp",
    "axes",
    # Two-factor authentication: TOTP codes from an authenticator app, and
    # single-use recovery codes (accounts/services/two_factor.py).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "crispy_forms",
    "crispy_forms_gds",
    "rest_framework",
    "drf_spectacular",
    "core",
    "accounts",
    "pupils",
    "cases",
    "attendance",
    "pathway",
    "notices",
    "documents",
    "records",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.headers.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.input_guard.RefuseControlCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks request.user.is_verified() from the device the session's code was checked on.
    "django_otp.middleware.OTPMiddleware",
    "core.sessions.IdleSessionMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After the password, a session that owes its second factor reaches only
    # the code, set-up and sign-out pages (accounts/middleware.py).
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into the page that explains it.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy (django-csp): our own scripts and styles only, the one
# inline script (GOV.UK Frontend's "js-enabled" line in base.html) by nonce, no
# unsafe-inline; nothing may frame the service or be posted elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

if IS_PRODUCTION:
    # Gunicorn serves the collected, hashed, compressed assets itself; in
    # development runserver serves them straight from static/build.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "attendance_site.urls"
WSGI_APPLICATION = "attendance_site.wsgi.application"

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
                "core.context_processors.service",
                "core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if IS_PRODUCTION else 0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out account or address is refused before any password check.
    "accounts.backends.SignInLockoutBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    # Argon2id at OWASP's parameters (accounts/hashers.py); hashes made with
    # Django's defaults are still read, and re-stored at the next sign-in.
    "accounts.hashers.OwaspArgon2PasswordHasher",
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
# Staff work with safeguarding data on shared school computers: sign out after a
# working day at the latest, and when the browser closes.
# A session ends after 30 minutes without a request (school computers are
# shared; core/sessions.py), and after 8 hours whatever happens.
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one
# account, or from one address, further attempts are refused for the cool-off,
# even with the right password. A successful sign-in clears the account's count.
AXES_FAILURE_LIMIT = env.int("SIGN_IN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("SIGN_IN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2

# Two-factor authentication (django-otp). LA officers and managers, DSLs and
# system administrators must use it; everyone else may (accounts.services.two_factor).
# SECOND_FACTOR_REQUIRED=0 lifts the requirement for `make run`'s demo only: a
# production server refuses to start with it off.
SECOND_FACTOR_REQUIRED = env.bool("SECOND_FACTOR_REQUIRED", default=True)
if IS_PRODUCTION and not SECOND_FACTOR_REQUIRED:
    raise environ.ImproperlyConfigured(
        "SECOND_FACTOR_REQUIRED=0 is for the local demo; production always asks for it"
    )
# Wrong codes (authenticator or recovery) have their own pause, like passwords.
SECOND_FACTOR_FAILURE_LIMIT = env.int("SECOND_FACTOR_FAILURE_LIMIT", default=5)
SECOND_FACTOR_LOCKOUT_MINUTES = env.int("SECOND_FACTOR_LOCKOUT_MINUTES", default=15)
# The pause above replaces django-otp's own growing delays, which would tell a
# user "wait" without saying how long.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
OTP_TOTP_ISSUER = "Attendance Pathway"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static" / "build"]
# Generated letters and notices, and their uploaded translations. Never served
# as static files: each download goes through a scoped, audited view.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/documents/files/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="attendance-pathway@localhost")
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))

SERVICE_NAME = "Attendance Pathway"

# The JSON API (/api/v1/): token authentication for other systems, session
# authentication for the browser. Reads are scoped like every page.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_auth.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["accounts.api_auth.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api_token": env.str("API_TOKEN_THROTTLE_RATE", default="120/minute"),
    },
}
# API tokens are stored hashed, shown once, and stop working after this many days.
API_TOKEN_LIFETIME_DAYS = env.int("API_TOKEN_LIFETIME_DAYS", default=90)
SPECTACULAR_SETTINGS = {
    "TITLE": "Attendance Pathway API",
    "DESCRIPTION": "Attendance figures and pathway verdicts, scoped to the caller's school or LA.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# Celery: with no REDIS_URL, tasks run in the calling process so nothing else
# needs to be running. The beat schedule lives in attendance_site/schedule.py.
REDIS_URL = env.str("REDIS_URL", default="")
# The cache holds only the API's throttle counts, which every web process must
# share. Short timeouts: with Redis down the throttle lets requests through
# (accounts/api_auth.py) and the pages never wait on it.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "attendance-pathway",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# An eager task still takes a producer from the broker's pool: "memory://" with no
# host made kombu warn "No hostname was supplied" on every command that queued one.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
# Libraries speak from WARNING, so that a command prints only its own output:
# WeasyPrint logs each step of each PDF (and parses its own stylesheet as soon as
# it is imported, which every command does), fontTools each font it subsets.
# LOG_LEVEL=DEBUG hears them again. With tasks run eagerly in the calling process
# (no REDIS_URL), Celery's "Task ... succeeded" lines are noise there too; a
# worker's own log keeps them.
_LIBRARY_LOG_LEVEL = LOG_LEVEL if LOG_LEVEL in {"DEBUG", "ERROR", "CRITICAL"} else "WARNING"
_QUIET_LIBRARIES = ["weasyprint", "fontTools", "PIL", "pydyf"]
if CELERY_TASK_ALWAYS_EAGER:
    _QUIET_LIBRARIES.append("celery.app.trace")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        **{name: {"level": _LIBRARY_LOG_LEVEL} for name in _QUIET_LIBRARIES},
    },
}

if IS_PRODUCTION:
    # X-Forwarded-Proto says "this came over HTTPS" only when a proxy we run
    # sets it; without one, any client could send it. Off unless the deployment
    # says a TLS-terminating proxy is in front.
    if env.bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # /healthz is polled over plain HTTP by load balancers inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"
    SECURE_REFERRER_POLICY = "same-origin"
