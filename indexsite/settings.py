"""Settings for indexsite, all read from the environment in this one module.

Every variable is documented in README.md ("Configuration").  Secrets have no
production default: without DEBUG, SECRET_KEY must be set.
"""

from pathlib import Path
from urllib.parse import urlparse, urlsplit

from django.core.exceptions import ImproperlyConfigured

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="development-only-key-never-use-in-production-" + "x" * 20)
else:
    SECRET_KEY = env.str("SECRET_KEY")

SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")
SITE_NAME = env.str("SITE_NAME", default="indexsite")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [urlparse(SITE_URL).hostname],
)
CSRF_TRUSTED_ORIGINS = [SITE_URL]

# Number of reverse proxies in front of the site whose X-Forwarded-For entries
# are trusted when recording a client's IP address (0: use REMOTE_ADDR).
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

INSTALLED_APPS = [
    # Django's admin, on a site that requires a second factor from staff.
    "mfa.admin_config.TwoFactorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "rest_framework",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "accounts",
    "mfa",
    "organizations",
    "tokens",
    "packages",
    # The site's composition (indexsite/apps.py): no models; its ready() registers the system
    # checks and attaches the metrics to the apps' signals.
    "indexsite",
]

MIDDLEWARE = [
    "indexsite.observe.RequestLogMiddleware",
    "indexsite.middleware.RefuseNulBytesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "indexsite.middleware.PageLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.sessions.middleware.AccountSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "indexsite.middleware.PermissionsPolicyMiddleware",
    "accounts.ratelimit.middleware.RateLimitUnavailableMiddleware",
]

# Machine endpoints (the simple and JSON APIs, files, uploads) never use a
# session, a CSRF cookie, messages or the logged-in user: indexsite.wsgi sends
# them through this shorter chain.
MACHINE_PATH_PREFIXES = ("/simple/", "/files/", "/pypi/", "/legacy/")
MACHINE_MIDDLEWARE = [
    "indexsite.middleware.ContentLengthMiddleware",
    "indexsite.observe.RequestLogMiddleware",
    "indexsite.middleware.RefuseNulBytesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "indexsite.middleware.PageLocaleMiddleware",  # on these paths: English, no negotiation
    "accounts.ratelimit.middleware.RateLimitUnavailableMiddleware",
]
# Health probes and the metrics page (indexsite/health.py, indexsite/metrics.py) run on
# the machine chain too, and stay outside every gate: no read restriction (PRIVATE_INDEX), rate limit, cache or
# HTTPS redirect may stand between a load balancer or a scraper and these paths.
HEALTH_PATHS = ("/_health/live", "/_health/ready")
OPERATIONS_PATH_PREFIXES = ("/_health/", "/_metrics")
SECURE_REDIRECT_EXEMPT = [r"^_health/", r"^_metrics$"]

ROOT_URLCONF = "indexsite.urls"
WSGI_APPLICATION = "indexsite.wsgi.application"

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
                "indexsite.context_processors.site",
            ],
            "libraries": {"site": "indexsite.templatetags"},
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Connections are kept between requests (seconds; 0 closes each at the end of
# its request) and checked before reuse, so a restarted database costs one error-free reconnect.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DB_CONN_HEALTH_CHECKS", default=True)
# The upload's own statements go as prepared statements on PostgreSQL (packages/upload/statements.py).
# Off behind a connection pooler in transaction mode that does not keep prepared statements
# (PgBouncer before 1.21, or without max_prepared_statements).
DB_PREPARED_STATEMENTS = env.bool("DB_PREPARED_STATEMENTS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the server read while a long upload commits.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL;")
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds the projects' generations, so it must be shared by every process:
# the database by default, Redis (redis://...) in production.
CACHES = {"default": env.cache_url("CACHE_URL", default="dbcache://indexsite_cache")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
    # The same table, with an `incr` that holds under parallel requests (accounts/cache.py).
    CACHES["default"]["BACKEND"] = "accounts.cache.DatabaseCache"
elif CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # The same, with one Redis client kept per connection pool instead of one made per call (accounts/cache.py).
    CACHES["default"]["BACKEND"] = "accounts.cache.RedisCache"
# Rate-limit counters live in a store that never evicts one still in use (accounts/ratelimit/stores.py):
# `database` (a table of their own), or a redis:// URL, by default the cache's Redis server when the cache is Redis.
_cache_location = CACHES["default"].get("LOCATION", "")
if isinstance(_cache_location, (list, tuple)):
    _cache_location = _cache_location[0] if _cache_location else ""
RATE_LIMIT_URL = env.str(
    "RATE_LIMIT_URL", default=_cache_location if "redis" in CACHES["default"]["BACKEND"].lower() else "database"
)

# Email: each message is written as a file under var/mail/ unless EMAIL_URL
# names a real server (smtp://user:password@host:587 or smtp+tls://...).
_email = env.email_url("EMAIL_URL", default="filemail://")
vars().update(_email)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"{SITE_NAME} <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameOrEmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:manage"
LOGOUT_REDIRECT_URL = "home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 6
EMAIL_VERIFICATION_MAX_AGE = 60 * 60 * 24

# Called after a correct password: decides whether a second factor is needed.
LOGIN_SECOND_STEP = "mfa.login.second_step"
# Sensitive pages ask for the password again after this many seconds (PyPI: ~30 minutes).
REAUTH_MAX_AGE = 30 * 60
# The decorator that asks for it; accounts' own sensitive pages (email addresses, password) use it by this name.
REAUTHENTICATION_REQUIRED = "mfa.decorators.reauthentication_required"
# A sign-in by password and code from a browser new to the account waits for a link mailed to its
# primary address (mfa/new_device.py); security keys and passkeys are exempt.
NEW_DEVICE_CONFIRMATION = env.bool("NEW_DEVICE_CONFIRMATION", default=True)
# A password-checked login waiting for its second factor expires after this many seconds.
MFA_HALF_LOGIN_MAX_AGE = 5 * 60

# A signed-in session ends after this many seconds without a request, and this many after it began
# whatever it does (PyPI: 12 hours); accounts/sessions/middleware.py enforces both.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=2 * 60 * 60)
SESSION_MAX_AGE = env.int("SESSION_MAX_AGE", default=12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_MAX_AGE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# The pages speak English, German and Spanish (locale/<language>/LC_MESSAGES/django.po);
# the browser's Accept-Language or the footer's switcher chooses. Machine endpoints never vary.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORM_RENDERER = "indexsite.forms.SiteFormRenderer"
CSRF_FAILURE_VIEW = "indexsite.errors.csrf_failure"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "files"))
# Upload size limits in bytes (REFERENCE §1): per file and per project; staff
# can raise them for one project in the admin.
FILE_UPLOAD_LIMIT = env.int("FILE_UPLOAD_LIMIT", default=100 * 1024 * 1024)
PROJECT_SIZE_LIMIT = env.int("PROJECT_SIZE_LIMIT", default=10 * 1024 * 1024 * 1024)

# Off: nobody registers on their own; staff invite people by email from the admin (accounts/account_invitations).
REGISTRATION_OPEN = env.bool("REGISTRATION_OPEN", default=True)
# New organisations wait in the admin for a staff member's approval.
ORGANIZATIONS_REQUIRE_APPROVAL = env.bool("ORGANIZATIONS_REQUIRE_APPROVAL", default=False)
# Rate limits on resources (the ones on guessing secrets are fixed in code).
UPLOAD_RATE_LIMIT = env.int("UPLOAD_RATE_LIMIT", default=20)  # files a minute, per token and per IP
PROJECT_CREATION_RATE_LIMIT = env.int("PROJECT_CREATION_RATE_LIMIT", default=20)  # new projects a day, per user
REGISTRATION_RATE_LIMIT = env.int("REGISTRATION_RATE_LIMIT", default=10)  # registration submissions an hour, per IP
# Refused trusted-publishing exchanges (POST /_/oidc/mint-token) an hour, per IP; successes do not count.
OIDC_MINT_REFUSAL_RATE_LIMIT = env.int("OIDC_MINT_REFUSAL_RATE_LIMIT", default=100)
INVITATION_RATE_LIMIT = env.int("INVITATION_RATE_LIMIT", default=50)  # invitations a day, per person, every kind
# The upstream index served through this one (packages/upstream); empty: off.
UPSTREAM_INDEX_URL = env.str("UPSTREAM_INDEX_URL", default="")
if UPSTREAM_INDEX_URL and not UPSTREAM_INDEX_URL.endswith("/"):
    UPSTREAM_INDEX_URL += "/"
_upstream = urlsplit(UPSTREAM_INDEX_URL) if UPSTREAM_INDEX_URL else None
if _upstream is not None and not (
    _upstream.scheme == "https"
    or (_upstream.scheme == "http" and _upstream.hostname in ("localhost", "127.0.0.1", "::1"))
):
    raise ImproperlyConfigured("UPSTREAM_INDEX_URL must be https:// (http:// only on a loopback host)")
# Hosts the upstream's file links may point to (pypi.org's files are on files.pythonhosted.org).
UPSTREAM_FILE_HOSTS = env.list("UPSTREAM_FILE_HOSTS", default=[_upstream.netloc] if _upstream else [])
UPSTREAM_CACHE_SECONDS = env.int("UPSTREAM_CACHE_SECONDS", default=600)
UPSTREAM_PAGE_TIMEOUT = env.float("UPSTREAM_PAGE_TIMEOUT", default=10.0)  # seconds for a whole page fetch
UPSTREAM_PAGE_LIMIT = env.int("UPSTREAM_PAGE_LIMIT", default=20 * 1024 * 1024)  # bytes of one page
UPSTREAM_FILE_TIMEOUT = env.float("UPSTREAM_FILE_TIMEOUT", default=600.0)  # seconds for a whole file fetch
# The largest upstream file fetched; the upload limit unless staff raise it for upstream files.
UPSTREAM_FILE_LIMIT = env.int("UPSTREAM_FILE_LIMIT", default=FILE_UPLOAD_LIMIT)
# Private reading (packages/reading): on, every read needs a signed-in person or a read token.
PRIVATE_INDEX = env.bool("PRIVATE_INDEX", default=False)
# Bytes of machine responses each process keeps to replay without Django, and of the latest documents it
# keeps beside the shared cache (packages/index/fastpath/caches.py).
INDEX_FASTPATH_BYTES = env.int("INDEX_FASTPATH_BYTES", default=64 * 1024 * 1024)
INDEX_LOCAL_BYTES = env.int("INDEX_LOCAL_BYTES", default=64 * 1024 * 1024)
# Worker processes that serve the site (deploy/gunicorn.conf.py reads the same variable); 0: not said, so
# gunicorn's default of several, or the one process of the development server under DEBUG.
# The checks refuse a per-process cache (locmem://) when more than one could run (indexsite/checks.py).
SERVER_WORKERS = env.int("GUNICORN_WORKERS", default=0)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Distribution files: local files under MEDIA_ROOT, or with FILE_STORAGE=s3 any
# S3-compatible bucket through django-storages (README.md, "Storage").
if env.str("FILE_STORAGE", default="local") == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET"),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default=None),
            "region_name": env.str("S3_REGION", default=None),
            "access_key": env.str("S3_ACCESS_KEY_ID", default=None),
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default=None),
            "location": env.str("S3_PREFIX", default=""),
            # Paths are content-addressed: the same name always holds the same bytes.
            "file_overwrite": True,
            "default_acl": None,
            # Every object is opaque bytes, as /files/ streams them. Left to guess, the backend
            # marks a .tar.gz "Content-Encoding: gzip" (browsers and HTTP libraries then unpack
            # it, and its hash no longer matches) and keeps the uploader's own Content-Type.
            "object_parameters": {"ContentType": "application/octet-stream"},
        },
    }

# How file bytes leave the site: "stream" (by this process), "x-accel-redirect"
# (nginx serves FILE_ACCEL_PREFIX + path from an internal location),
# "x-sendfile" (Apache/lighttpd serve MEDIA_ROOT/path) or "redirect" (to the
# storage's own URL; the default with FILE_STORAGE=s3).
FILE_SERVE = env.str(
    "FILE_SERVE", default="redirect" if env.str("FILE_STORAGE", default="local") == "s3" else "stream"
)
if FILE_SERVE not in ("stream", "x-accel-redirect", "x-sendfile", "redirect"):
    raise ValueError(f"FILE_SERVE={FILE_SERVE!r}: expected stream, x-accel-redirect, x-sendfile or redirect")
FILE_ACCEL_PREFIX = env.str("FILE_ACCEL_PREFIX", default="/_stored/")
# Edge caches (Varnish) to purge after a project changes: URLs that accept
# PURGE with an xkey-purge header (deploy/varnish.vcl). Empty: no purges.
CACHE_PURGE_URLS = env.list("CACHE_PURGE_URLS", default=[])

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
}

# Production hardening: on whenever the site is not in DEBUG.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): scripts, styles and images only from this
# site, no inline script or style anywhere (JSON data blocks are not scripts).
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features the site never uses; WebAuthn ("publickey-credentials-*") stays allowed for this origin.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"

# Error reports hide the Authorization header and any POST field that looks like a secret.
DEFAULT_EXCEPTION_REPORTER_FILTER = "indexsite.reporting.CredentialSafeReporterFilter"

# Metrics (indexsite/metrics.py): /_metrics answers only when METRICS_ENABLED, to a
# scraper presenting METRICS_TOKEN as a Bearer token or connecting from METRICS_ALLOWED_IPS
# (addresses or networks). Under several worker processes PROMETHEUS_MULTIPROC_DIR must
# name an empty directory the workers share (prometheus_client reads it from the environment too).
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=False)
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")

# Logs: LOG_FORMAT=json writes one JSON object per line (python-json-logger), else plain text.
# Every line carries the request's id; each request ends with one line on the
# "indexsite.access" logger (method, path, status, duration, user or token, client IP).
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise ValueError(f"LOG_FORMAT={LOG_FORMAT!r}: expected text or json")
# The access line costs about 35 microseconds a request in JSON: off when the proxy's own log suffices.
ACCESS_LOG = env.bool("ACCESS_LOG", default=True)

# One console handler, on the root logger. Django's own logging config gives the
# "django" logger a console handler of its own in DEBUG; that logger propagates
# to the root, so every 4xx/5xx line would be printed twice. It keeps only the
# mail to ADMINS (off in DEBUG), as in Django's default.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        "request_context": {"()": "indexsite.logs.RequestContextFilter"},
    },
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "indexsite.logs.json_formatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_context"], "formatter": LOG_FORMAT},
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
        },
    },
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": "INFO", "propagate": True},
        # Django logs a template's missing variables at DEBUG with a traceback that can
        # carry the page's context, e.g. a token shown once: never below INFO, whatever LOG_LEVEL says.
        "django.template": {"level": "INFO", "propagate": True},
        "indexsite.access": {"level": "NOTSET" if ACCESS_LOG else "WARNING", "propagate": True},  # NOTSET: as LOG_LEVEL
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Two-factor authentication. WebAuthn's relying party follows from SITE_URL, so
# the same build works on http://localhost:8000 and in production.
_site = urlparse(SITE_URL)
OTP_WEBAUTHN_RP_ID = _site.hostname
OTP_WEBAUTHN_RP_NAME = SITE_NAME
OTP_WEBAUTHN_ALLOWED_ORIGINS = [f"{_site.scheme}://{_site.netloc}"]
OTP_TOTP_ISSUER = SITE_NAME
# TOTP accepts exactly the current step +-1 (no drift learning); wrong codes are
# limited per account by mfa.services.two_factor_attempts, so django-otp's own
# backoff (which refuses even a right code for a while) is off.
OTP_TOTP_SYNC = False
OTP_TOTP_THROTTLE_FACTOR = 0
# The relying party follows SITE_URL at request time (tests serve on other ports).
OTP_WEBAUTHN_HELPER_CLASS = "mfa.webauthn.SiteWebAuthnHelper"
OTP_WEBAUTHN_RP_ID_CALLABLE = "mfa.webauthn.rp_id"

# Previous SECRET_KEYs: still accepted for signatures, and API token digests made
# under one are upgraded on the token's next use (tokens/secret.py).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

# API tokens (tokens app). The prefix lets secret scanners recognise a leaked token.
API_TOKEN_PREFIX = env.str("API_TOKEN_PREFIX", default="pypi-")
# Leaked-token reports (POST /_/secrets/disclose-token) are signed by the secret
# scanner with ECDSA. TOKEN_DISCLOSURE_KEYS_FILE names a file of one or more PEM
# public keys; with none, reports are accepted unsigned (tokens/disclosure.py says why).
_disclosure_keys_file = env.str("TOKEN_DISCLOSURE_KEYS_FILE", default="")
TOKEN_DISCLOSURE_PUBLIC_KEYS = (
    [
        "-----BEGIN PUBLIC KEY-----" + block
        for block in Path(_disclosure_keys_file).read_text().split("-----BEGIN PUBLIC KEY-----")[1:]
    ]
    if _disclosure_keys_file
    else []
)
# Trusted publishing (tokens/publishing). The audience CI tokens must carry
# (default: SITE_URL's host name), and the issuers of GitHub Actions and
# GitLab (empty: that CI cannot publish). Issuer URLs are https://, except on
# a loopback host. Staff register other issuers in the admin.
OIDC_AUDIENCE = env.str("OIDC_AUDIENCE", default="")
OIDC_GITHUB_ISSUER = env.str("OIDC_GITHUB_ISSUER", default="https://token.actions.githubusercontent.com")
OIDC_GITLAB_ISSUER = env.str("OIDC_GITLAB_ISSUER", default="https://gitlab.com")
# Provenance (PEP 740, packages/provenance): the Sigstore trust root attestations are verified against.
# Unset: Sigstore's public-good instance, its trusted root refreshed over TUF from Sigstore's
# repository (outbound HTTPS, cached under the home directory). A path: that trusted_root.json
# (a private Sigstore deployment, or the tests), read with no network at all.
INTEGRITY_TRUSTED_ROOT = env.str("INTEGRITY_TRUSTED_ROOT", default="")
# The header carrying the base64 DER signature (GitHub secret scanning's name, for compatibility).
TOKEN_DISCLOSURE_SIGNATURE_HEADER = env.str(
    "TOKEN_DISCLOSURE_SIGNATURE_HEADER", default="Github-Public-Key-Signature"
)
