"""Settings for Inuvet Ajanvaraus, read from the environment.

With no environment at all the app runs on SQLite under var/ with DEBUG off; production
additionally needs DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS. See README.md for every variable.
"""

import base64
import hashlib
import os
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str = "") -> str:
    value = os.environ.get(name, default).strip()
    if any(ord(ch) < 32 for ch in value):
        raise ImproperlyConfigured(f"{name} contains control characters")
    return value


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name).lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of on/off, true/false, yes/no, 1/0")


def env_int(name: str, default: int, *, minimum: int = 0, maximum: int = 10**9) -> int:
    value = env_str(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number") from None
    if not minimum <= number <= maximum:
        raise ImproperlyConfigured(f"{name} must be between {minimum} and {maximum}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """`sqlite:///relative/file`, `sqlite:////absolute/file` or `postgres://u:p@host:port/db`."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)[1:]
        if not path:
            raise ImproperlyConfigured("DATABASE_URL: sqlite:///path/to/file needs a file path")
        return sqlite_database(Path(path) if path.startswith("/") else Path.cwd() / path)
    if parts.scheme in {"postgres", "postgresql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured("DATABASE_URL: postgres://user:pass@host:port/db needs a db")
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured("DATABASE_URL: the port is not a number") from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": env_int("DJANGO_CONN_MAX_AGE", 60, maximum=3600),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": dict(parse_qsl(parts.query)),
        }
    raise ImproperlyConfigured("DATABASE_URL must start with sqlite:/// or postgres://")


def sqlite_database(path: Path) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            # Every transaction takes the write lock at BEGIN: bookings are serialised.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
        },
        # Kept open between requests like PostgreSQL's: opening the file and its PRAGMAs cost more
        # than a cached page (bench/results.md).
        "CONN_MAX_AGE": env_int("DJANGO_CONN_MAX_AGE", 60, maximum=3600),
        "TEST": {"NAME": path.with_name(f"test_{path.stem}.sqlite3")},
    }


DEBUG = env_bool("DJANGO_DEBUG", False)
DEMO_MODE = env_bool("DJANGO_DEMO", False)
VAR_DIR = Path(env_str("DJANGO_VAR_DIR") or BASE_DIR / "var")

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (50+ random characters), or DJANGO_DEBUG=on")
    SECRET_KEY = "django-insecure-development-only-key-never-used-with-debug-off"  # noqa: S105
elif not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 random characters")
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS", [])

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
# The URL prefix the app lives under (/ajanvaraus); links, redirects and static files honour it.
FORCE_SCRIPT_NAME = env_str("DJANGO_SCRIPT_NAME").rstrip("/") or None

# HTTPS-only settings are on whenever DEBUG is off; DJANGO_HTTPS=off serves plain http locally.
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    LANGUAGE_COOKIE_SECURE = True
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
# Content Security Policy (django-csp): our own scripts and styles only, nothing inline but the
# error pages' stylesheet, allowed by its hash (they must render when static files do not).
ERROR_PAGE_STYLE_HASH = "'sha256-{}'".format(
    base64.b64encode(
        hashlib.sha256((BASE_DIR / "templates" / "error_page.css").read_bytes()).digest()
    ).decode()
)
# The practice's colour (a hex colour, e.g. #0b5d63) reaches the pages as one inline rule, allowed
# by its hash like the error pages' stylesheet: no 'unsafe-inline', no extra request.
PRACTICE_COLOUR = env_str("DJANGO_PRACTICE_COLOUR", "#0b5d63")
if not re.fullmatch(r"#[0-9a-fA-F]{6}", PRACTICE_COLOUR):
    raise ImproperlyConfigured("DJANGO_PRACTICE_COLOUR must be a colour like #0b5d63")
PRACTICE_STYLE = f":root{{--brand:{PRACTICE_COLOUR}}}"
PRACTICE_STYLE_HASH = (
    f"'sha256-{base64.b64encode(hashlib.sha256(PRACTICE_STYLE.encode()).digest()).decode()}'"
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, ERROR_PAGE_STYLE_HASH, PRACTICE_STYLE_HASH],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

INSTALLED_APPS = [
    "inuvet.apps.InuvetAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "axes",
    "auditlog",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "inuvet.apps.InuvetConfig",
    "customers",
    "notifications",
    "bookings",
    "waitlist",
    "privacy",
    "online",
    "frontdesk",
    "reports",
]

MIDDLEWARE = [
    "inuvet.middleware.HealthCheckMiddleware",
    "inuvet.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "inuvet.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "inuvet.middleware.StaffSessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "inuvet.middleware.StaffAuditMiddleware",
    "axes.middleware.AxesMiddleware",
]

# No page takes uploads: bodies over this size are refused with 413 (the proxy should cap it too).
MAX_REQUEST_BYTES = env_int("DJANGO_MAX_REQUEST_BYTES", 1_000_000, minimum=10_000)

ROOT_URLCONF = "inuvet.urls"
WSGI_APPLICATION = "inuvet.wsgi.application"

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
                "inuvet.context_processors.practice",
            ],
        },
    }
]

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {"default": sqlite_database(VAR_DIR / "inuvet.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rate-limit counters (inuvet/ratelimit.py) are shared by every worker: in a table of the default
# database, or in Redis when DJANGO_CACHE_URL is set (several app servers; Django's cache too).
CACHE_URL = env_str("DJANGO_CACHE_URL")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL:
    raise ImproperlyConfigured("DJANGO_CACHE_URL must be a redis:// URL (or unset: the database)")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
RATE_LIMIT_STORAGE = CACHE_URL or "database"

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
LOGIN_URL = "admin:login"

LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Helsinki"
USE_I18N = True
USE_TZ = True

# Absolute, prefix included: a relative STATIC_URL would be fixed before the first request knows it.
STATIC_URL = f"{FORCE_SCRIPT_NAME or ''}/static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

from django.contrib.messages import constants as message_constants  # noqa: E402

MESSAGE_TAGS = {message_constants.ERROR: "danger"}
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"

EMAIL_HOST = env_str("DJANGO_EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 587, maximum=65535)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 20, minimum=1, maximum=300)
# Printing emails is for development and demos only: in production they hold client data.
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if (DEBUG or DEMO_MODE) and not env_str("DJANGO_EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "Inuvet <inuvet@inuvet.fi>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Where clients reach the app: links in emails are built on it.
PUBLIC_URL = env_str("DJANGO_PUBLIC_URL", "https://www.inuvet.fi/ajanvaraus/")
# Delivered messages keep their address and text this long, then only the record remains.
OUTBOX_KEEP_DAYS = env_int("DJANGO_OUTBOX_KEEP_DAYS", 30, minimum=1, maximum=3650)
# After commit a message is sent from a background thread (the page never waits for the mail
# server, and its timing says nothing about whether an email was sent), "inline", or only by
# the send_outbox command ("cron").
OUTBOX_DELIVERY = env_str("DJANGO_OUTBOX_DELIVERY", "thread")
if OUTBOX_DELIVERY not in {"thread", "inline", "cron"}:
    raise ImproperlyConfigured("DJANGO_OUTBOX_DELIVERY must be thread, inline or cron")
# Text messages (notifications/sms.py): `console` prints that one would go (demo), `memory` keeps
# them (tests), `gatewayapi` sends through GatewayAPI. Since 2026 Traficom requires every
# alphanumeric sender ID to be registered in advance (normally through the provider).
SMS_BACKEND = env_str("DJANGO_SMS_BACKEND", "console")
if SMS_BACKEND not in {"console", "memory", "gatewayapi"}:
    raise ImproperlyConfigured("DJANGO_SMS_BACKEND must be console, memory or gatewayapi")
SMS_API_URL = env_str("DJANGO_SMS_API_URL", "https://gatewayapi.eu")
SMS_API_TOKEN = env_str("DJANGO_SMS_API_TOKEN")
SMS_SENDER = env_str("DJANGO_SMS_SENDER", "Inuvet")
if not (SMS_SENDER.isascii() and SMS_SENDER.isalnum() and len(SMS_SENDER) <= 11) and not (
    SMS_SENDER.lstrip("+").isdigit() and len(SMS_SENDER.lstrip("+")) <= 15
):
    raise ImproperlyConfigured("DJANGO_SMS_SENDER must be up to 11 letters and digits, or a number")
if SMS_BACKEND == "gatewayapi" and not SMS_API_TOKEN:
    raise ImproperlyConfigured("DJANGO_SMS_BACKEND=gatewayapi needs DJANGO_SMS_API_TOKEN")
SMS_TIMEOUT = env_int("DJANGO_SMS_TIMEOUT", 10, minimum=1, maximum=120)
# The secret of the provider's delivery reports (JWT in X-Gwapi-Signature); empty: not accepted.
SMS_WEBHOOK_SECRET = env_str("DJANGO_SMS_WEBHOOK_SECRET")
# A text message confirms a booking too (reminders, moves and cancellations always go when asked).
SMS_CONFIRMATION = env_bool("DJANGO_SMS_CONFIRMATION", True)

# Reminders go this many hours before the visit (send_reminders, run hourly from cron).
REMINDER_HOURS_BEFORE = env_int("DJANGO_REMINDER_HOURS_BEFORE", 24, minimum=1, maximum=24 * 7)
# Where staff notices go: reception hears of online cancellations for the next 24 hours.
RECEPTION_EMAIL = env_str("DJANGO_RECEPTION_EMAIL", "inuvet@inuvet.fi")

# The controller of the register, as the privacy notice and every page show it.
PRACTICE = {
    "name": env_str("DJANGO_PRACTICE_NAME", "Inuvet Oy"),
    "business_id": env_str("DJANGO_PRACTICE_BUSINESS_ID", "3178068-7"),
    "street": env_str("DJANGO_PRACTICE_ADDRESS", "Härkikuja 1B"),
    # Postcode and city are not in the practice's old notice: set them (README, Settings).
    "postcode": env_str("DJANGO_PRACTICE_POSTCODE"),
    "city": env_str("DJANGO_PRACTICE_CITY"),
    "email": env_str("DJANGO_PRACTICE_EMAIL", "inuvet@inuvet.fi"),
    "phone": env_str("DJANGO_PRACTICE_PHONE", "0400854343"),
    "contact_person": env_str("DJANGO_PRACTICE_CONTACT_PERSON", "Noora Vahvelainen"),
    "contact_title": env_str("DJANGO_PRACTICE_CONTACT_TITLE", "toimitusjohtaja"),
    "register_name": env_str("DJANGO_PRACTICE_REGISTER_NAME", "Ajanvarauskalenteri"),
    # The public pages' look: static files (under static/) and the colour above.
    "logo": env_str("DJANGO_PRACTICE_LOGO", "img/logo.svg"),
    "favicon": env_str("DJANGO_PRACTICE_FAVICON", "favicon.svg"),
    "colour": PRACTICE_COLOUR,
    # Where "show on map" leads: an OpenStreetMap search for the address unless set.
    "map_url": env_str("DJANGO_PRACTICE_MAP_URL"),
    "public_url": env_str("DJANGO_PUBLIC_URL", "http://www.inuvet.fi/ajanvaraus/"),
    # The nearest 24-hour emergency clinic, named in the emergency notice (start page, urgent services).
    "emergency_clinic_name": env_str("DJANGO_EMERGENCY_CLINIC_NAME"),
    "emergency_clinic_phone": env_str("DJANGO_EMERGENCY_CLINIC_PHONE"),
}
# "Street, postcode city" wherever one line is shown (pages, emails, calendar files).
PRACTICE["address"] = ", ".join(
    part for part in [PRACTICE["street"], f"{PRACTICE['postcode']} {PRACTICE['city']}".strip()] if part
)


def env_euros(name: str) -> Decimal | None:
    """ "12.50" or "12,50" → Decimal("12.50"); empty → None. Whole cents, 0–1000."""
    value = env_str(name).replace(",", ".")
    if not value:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name} must be an amount in euros, like 12.50") from None
    if (
        not amount.is_finite()
        or not Decimal(0) <= amount <= Decimal(1000)
        or amount != amount.quantize(Decimal("0.01"))
    ):
        raise ImproperlyConfigured(f"{name} must be between 0 and 1000 euros, in whole cents")
    return amount.quantize(Decimal("0.01"))


# A practice-wide fee per visit (e.g. a clinic fee), shown apart from the service's price and kept
# on each booking. A setting, not a model: one figure for the whole practice, changed rarely and
# deliberately, like the practice's address. Empty: no fee.
PRACTICE_FEE = env_euros("DJANGO_PRACTICE_FEE")

# The practice's cancellation terms (information only: the product charges no fees), per language.
CANCELLATION_TERMS = {
    "fi": env_str(
        "DJANGO_CANCELLATION_TERMS_FI",
        "Peru tai siirrä aikasi viimeistään 24 tuntia ennen käyntiä. Myöhemmin perutusta tai "
        "käyttämättä jätetystä ajasta voimme periä käyntimaksun.",
    ),
    "sv": env_str(
        "DJANGO_CANCELLATION_TERMS_SV",
        "Avboka eller flytta din tid senast 24 timmar före besöket. För en tid som avbokas senare "
        "eller inte används kan vi ta ut en besöksavgift.",
    ),
    "en": env_str(
        "DJANGO_CANCELLATION_TERMS_EN",
        "Cancel or move your visit at least 24 hours before it. For a visit cancelled later or "
        "missed we may charge a visit fee.",
    ),
}

# Data protection: where notices to the DPO go; how long data is kept (0 = until the person deletes
# it, as the privacy notice says); the key of the erasure ledger's hashes (keep it stable: after
# a restore, `reapply_erasures` finds erased persons by it).
DPO_EMAIL = env_str("DJANGO_DPO_EMAIL", PRACTICE["email"])
RETENTION_YEARS = env_int("DJANGO_RETENTION_YEARS", 0, maximum=100)
ERASURE_KEY = env_str("DJANGO_ERASURE_KEY") or SECRET_KEY

# Booking rules that are the practice's, not one service's.
BOOKING_MAX_ACTIVE_PER_PERSON = env_int("DJANGO_MAX_ACTIVE_BOOKINGS", 3, minimum=1, maximum=100)
BOOKING_CLOSED_ON_PUBLIC_HOLIDAYS = env_bool("DJANGO_CLOSED_ON_PUBLIC_HOLIDAYS", True)
BOOKING_WALK_IN_GRACE_MINUTES = 60


def env_rate(name: str, default: str) -> tuple[int, int]:
    """ "20/3600" → at most 20 in 3600 seconds."""
    value = env_str(name, default)
    try:
        limit, window = (int(part) for part in value.split("/"))
    except ValueError:
        raise ImproperlyConfigured(f"{name} must look like 20/3600 (requests/seconds)") from None
    if limit < 1 or window < 1:
        raise ImproperlyConfigured(f"{name} must be positive")
    return limit, window


# A proof-of-work challenge on the booking form (online/proof_of_work.py): `auto` asks it of an
# address, or of everyone, past the thresholds; `always`; or `off`.
PROOF_OF_WORK = env_str("DJANGO_PROOF_OF_WORK", "auto")
if PROOF_OF_WORK not in {"auto", "always", "off"}:
    raise ImproperlyConfigured("DJANGO_PROOF_OF_WORK must be auto, always or off")

# Sliding windows, per client address (per link for "manage_action"); DJANGO_RATE_LIMITS=off
# switches them off (load tests). "manage" counts wrong manage and privacy links only.
RATE_LIMITS_ENABLED = env_bool("DJANGO_RATE_LIMITS", True)
RATE_LIMITS = {
    "booking": env_rate("DJANGO_RATE_LIMIT_BOOKING", "30/3600"),
    "manage": env_rate("DJANGO_RATE_LIMIT_MANAGE", "30/3600"),
    "manage_action": env_rate("DJANGO_RATE_LIMIT_MANAGE_ACTIONS", "20/3600"),
    "lookup": env_rate("DJANGO_RATE_LIMIT_LOOKUP", "10/3600"),
    # New bookings made from one address (an address may try more, e.g. after a taken time).
    "new_booking": env_rate("DJANGO_RATE_LIMIT_NEW_BOOKINGS", "6/3600"),
    # Fetches of practitioners' calendar feeds (a phone polls every 15–60 minutes).
    "feed": env_rate("DJANGO_RATE_LIMIT_FEED", "120/3600"),
    # Thresholds, not limits: past them the booking form asks for a proof of work (PROOF_OF_WORK
    # auto): booking attempts of one address, and of everyone together.
    "proof_of_work_address": env_rate("DJANGO_PROOF_OF_WORK_AFTER", "3/3600"),
    "proof_of_work_site": env_rate("DJANGO_PROOF_OF_WORK_SITE_AFTER", "120/600"),
}

# Every write to business or personal data is logged with actor, time and address. Personal
# fields are masked: the log says *that* a name changed, never what it was (see README).
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_MASK_CALLABLE = "inuvet.audit.mask"
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    {"model": "customers.Customer", "mask_fields": ["name", "phone", "email"]},
    {
        "model": "bookings.Appointment",
        # Staff's reasons are free text that could name the client: masked like the message.
        "mask_fields": ["message", "animal_name", "cancel_reason", "override_reason"],
        "exclude_fields": ["manage_token_hash", "request_key_hash", "updated_at", "reminded_for"],
    },
    "bookings.Service",
    "bookings.SpeciesPrice",
    "bookings.Species",
    {"model": "bookings.Practitioner", "m2m_fields": []},
    "bookings.WorkingHours",
    "bookings.Closure",
    "privacy.ConsentRecord",
    {
        "model": "privacy.DataSubjectRequest",
        "mask_fields": ["subject", "notes", "outcome", "extension_reason"],
    },
    "privacy.ExportRecord",
    "privacy.ErasureReceipt",
    {"model": "frontdesk.CalendarFeed", "exclude_fields": ["token_hash", "last_fetched_at"]},
    {
        "model": "auth.User",
        "exclude_fields": ["password", "last_login"],
        "m2m_fields": ["groups", "user_permissions"],
    },
    {"model": "auth.Group", "m2m_fields": ["permissions"]},
    {
        "model": "otp_totp.TOTPDevice",
        "exclude_fields": ["key", "last_t", "drift", "throttling_failure_timestamp"],
    },
    {"model": "otp_static.StaticDevice", "exclude_fields": ["throttling_failure_timestamp"]},
)

AXES_FAILURE_LIMIT = env_int("DJANGO_AXES_FAILURE_LIMIT", 5, minimum=1, maximum=100)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client's address under the same proxy rule as the rate limits: behind our own proxy, the
# one it appended to X-Forwarded-For (not the proxy's own, which would lock everyone out).
AXES_CLIENT_IP_CALLABLE = "inuvet.ratelimit.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # failed logins are part of the audit trail

# A second factor (authenticator app) for the data-protection officer and the administrator:
# required in production, off in demo and development unless asked.
STAFF_REQUIRE_2FA = env_bool("DJANGO_REQUIRE_2FA", not (DEBUG or DEMO_MODE))
OTP_TOTP_ISSUER = PRACTICE["name"]

# Staff sessions end after 8 hours, or after 30 minutes without a request (inuvet.middleware).
SESSION_COOKIE_AGE = 8 * 3600
STAFF_IDLE_TIMEOUT = env_int("DJANGO_STAFF_IDLE_MINUTES", 30, minimum=1, maximum=24 * 60) * 60

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "inuvet.logs.JsonLineFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO").upper()},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
FORMAT_MODULE_PATH = ["inuvet.formats"]
