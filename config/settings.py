"""The one settings file. Everything that differs between a laptop and production comes
from the environment; with nothing set, the project runs on SQLite and an embedded Valkey."""

import os
import zoneinfo
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.getenv("VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: str = "False") -> bool:
    return os.getenv(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    value = os.getenv(name)
    return int(value) if value not in (None, "") else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG")

SECRET_KEY = os.getenv("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.getenv("SITE_URL", "")  # used in QR codes when set; else the request's own host

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_htmx",
    "django_eventstream",
    "restaurants",
    "waitlist",
    "seating",
    "notifications",
]

MIDDLEWARE = [
    "config.middleware.ServiceUnavailableMiddleware",
    "config.middleware.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "waitlist.diners.BrowserCookieMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.middleware.Utf8FormMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as axes asks: it turns a locked-out sign-in into config.logins.locked_out's answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",  # LANGUAGE_CODE, LANGUAGES
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context.server_clock",
                "config.context.language_next",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# Databases: SQLite under var/ unless DATABASE_URL says otherwise.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# Named explicitly: live test servers (channels' DaphneProcess) switch to the TEST name in
# the forked server, after pytest-django already switched the parent to it.
DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}"}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Browser tests serve from another process, so the test database must be a file; the
    # test plugin names it per test run so two runs on one checkout do not collide.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test{os.getenv('TEST_DB_SUFFIX', '')}.sqlite3")}
    # A waitlist writes from several processes (web, timer worker): wait for the lock
    # instead of failing at once, and let readers run beside the writer.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: the live queue, sessions, cache and event fan-out. With REDIS_URL unset, the
# launcher (`make run`) or the test plugin starts an embedded Valkey and exports its URL.
REDIS_URL = os.getenv("REDIS_URL", "")
if not REDIS_URL:
    _embedded_url = VAR_DIR / "valkey" / "url"
    REDIS_URL = _embedded_url.read_text().strip() if _embedded_url.exists() else "redis://127.0.0.1:6379/0"
REDIS_SENTINELS = [
    (host, int(port)) for host, _, port in (item.rpartition(":") for item in envlist("REDIS_SENTINELS"))
]
REDIS_SENTINEL_MASTER = os.getenv("REDIS_SENTINEL_MASTER", "mymaster")
REDIS_CLUSTER = envbool("REDIS_CLUSTER")
# fsync policy of the embedded server (docker-compose passes the same to its Redis).
REDIS_APPENDFSYNC = os.getenv("REDIS_APPENDFSYNC", "everysec")
REDIS_SOCKET_TIMEOUT = float(os.getenv("REDIS_SOCKET_TIMEOUT", "2"))
# Replicas that must have a change before it is acknowledged (WAIT, pipelined with the
# script in the same round trip). With Sentinel, 1 by default: a failover loses nothing
# a diner or host was told had happened.
REDIS_REPLICA_ACKS = envint("REDIS_REPLICA_ACKS", 1 if REDIS_SENTINELS else 0)
REDIS_REPLICA_ACK_TIMEOUT_MS = envint("REDIS_REPLICA_ACK_TIMEOUT_MS", 500)
# Read replicas for snapshots and party status (waitlist/lua_scripts.py, read): plain
# servers, comma-separated URLs, or with Sentinel REDIS_SENTINEL_REPLICA_READS=1 for the
# replicas Sentinel knows. A read is answered by a replica only when it has caught up to the
# version being built; otherwise, and while a replica is away, by the primary.
REDIS_REPLICA_URLS = envlist("REDIS_REPLICA_URLS")
REDIS_SENTINEL_REPLICA_READS = envbool("REDIS_SENTINEL_REPLICA_READS")

if REDIS_SENTINELS:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://{REDIS_SENTINEL_MASTER}/0",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.SentinelClient",
                "CONNECTION_POOL_CLASS": "redis.sentinel.SentinelConnectionPool",
                "SENTINELS": REDIS_SENTINELS,
                "SOCKET_CONNECT_TIMEOUT": REDIS_SOCKET_TIMEOUT,
                "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            # django-redis does not speak Cluster: with REDIS_CLUSTER, point this at a plain
            # Redis (or one cluster-free node) for sessions and cache.
            "LOCATION": os.getenv("CACHE_REDIS_URL", REDIS_URL),
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": REDIS_SOCKET_TIMEOUT,
                "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            },
        }
    }

# A diner's browser is a key in a cookie of its own (waitlist/diners.py), not a session: no
# session is made for diners, and one made by signing in to admin cannot lose their place.
DINER_COOKIE_NAME = "waitlist_browser"
DINER_COOKIE_AGE = envint("DINER_COOKIE_AGE", 2 * 24 * 3600)
SESSION_ENGINE = "config.sessions"
# A diner's place must survive closing the browser for at least a service day.
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 2 * 24 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True

# Served over HTTPS, as production is unless HTTPS=0 says otherwise (a plain-HTTP setup: a
# laptop, a closed network): plain HTTP is redirected (except /healthz, which load
# balancers ask over plain HTTP), browsers are told to use HTTPS only (HSTS), and cookies
# go over HTTPS only. Behind a proxy that ends TLS, TRUST_X_FORWARDED_PROTO=1 lets Django
# see the request was HTTPS (only when that proxy sets the header and drops the client's).
HTTPS = envbool("HTTPS", "False" if DEBUG else "True")
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz(/web)?$"]
SECURE_HSTS_SECONDS = envint("HSTS_SECONDS", 365 * 24 * 3600) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("HSTS_INCLUDE_SUBDOMAINS", "True")
# Preloading commits the whole registered domain to HTTPS in browsers' built-in lists: the
# operator's choice, so check --deploy's reminder (W021) is silenced while it is off.
SECURE_HSTS_PRELOAD = envbool("HSTS_PRELOAD")
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
if envbool("TRUST_X_FORWARDED_PROTO"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = HTTPS

# Events: django-eventstream's send_event() publishes through this Redis, on the pub/sub
# channel every server process listens on (waitlist/eventstream.py), so an event sent with
# the library reaches every open stream as the live queue's own changes do. (With Sentinel
# or Cluster, only the live queue's scripts publish.)
if not REDIS_SENTINELS and not REDIS_CLUSTER:
    from redis.connection import parse_url

    EVENTSTREAM_REDIS = parse_url(REDIS_URL)

# Waitlist behaviour that is not per restaurant.
# Joins allowed, "count/seconds": per client address, a ceiling high enough for a whole
# restaurant's guest Wi-Fi (one address), and per browser, low enough to stop one client.
JOIN_RATE_LIMIT = os.getenv("JOIN_RATE_LIMIT", "60/600")
JOIN_BROWSER_LIMIT = os.getenv("JOIN_BROWSER_LIMIT", "3/600")
# How many proxies in front of the app append to X-Forwarded-For (0: none, REMOTE_ADDR is the
# client). With 1, the client is the address the one trusted proxy saw.
TRUSTED_PROXIES = envint("TRUSTED_PROXIES", 0)
ENDED_PARTY_TTL = envint("ENDED_PARTY_TTL", 12 * 3600)  # how long a finished party's page still answers
# How long a host may undo a no-show, a removal or an offer from the floor.
UNDO_SECONDS = envint("UNDO_SECONDS", 300)
TIMER_POLL_SECONDS = float(os.getenv("TIMER_POLL_SECONDS", "0.5"))
# /healthz fails when the timer or delivery worker has not made a pass for this long.
WORKER_STALE_SECONDS = float(os.getenv("WORKER_STALE_SECONDS", "10"))
# How long a server process may use a restaurant row without reading it again (admin
# changes reach other processes within this).
RESTAURANT_CACHE_SECONDS = float(os.getenv("RESTAURANT_CACHE_SECONDS", "2"))
# Reaching diners away from their page (notifications/, README "Reaching diners").
# Text messages: "console" prints them (make run), "locmem" keeps them in memory (tests),
# "twilio" sends them through Twilio's REST API (TWILIO_BASE_URL: tests point it at a
# local server). Replies come to /notify/sms/twilio, checked against the auth token.
SMS_BACKEND = os.getenv("SMS_BACKEND", "console" if DEBUG else "")
TWILIO_ACCOUNT_SID = os.getenv("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.getenv("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM = os.getenv("TWILIO_FROM", "")  # the sending number (E.164) or a messaging service SID
TWILIO_BASE_URL = os.getenv("TWILIO_BASE_URL", "")
# Email: Django's mailers (console for make run; SMTP from EMAIL_HOST and friends, or any
# backend EMAIL_BACKEND names, such as an Anymail one, in production).
MAILERS = {
    "default": {
        "BACKEND": os.getenv("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend" if DEBUG else
                             "django.core.mail.backends.smtp.EmailBackend"),
        "OPTIONS": {},
    }
}
if MAILERS["default"]["BACKEND"].endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.getenv("EMAIL_HOST", "localhost"), "port": envint("EMAIL_PORT", 25),
        "username": os.getenv("EMAIL_HOST_USER", ""), "password": os.getenv("EMAIL_HOST_PASSWORD", ""),
        "use_tls": envbool("EMAIL_USE_TLS"), "timeout": 10,
    }
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "waitlist@localhost")
# Web push: the VAPID key pair (make run makes one in var/ for the demo) and who runs it.
VAPID_PRIVATE_KEY = os.getenv("VAPID_PRIVATE_KEY", "")  # PEM, or the path of a PEM file
VAPID_PUBLIC_KEY = os.getenv("VAPID_PUBLIC_KEY", "")  # base64url, as browsers take it
VAPID_SUBJECT = os.getenv("VAPID_SUBJECT", "mailto:waitlist@localhost")
# When messages go out, and how long contact details outlive the party.
NOTIFY_LATER_MINUTES = envint("NOTIFY_LATER_MINUTES", 15)  # tell the diner when the quote grows by more
NOTIFY_HOLD_REMINDER_MINUTES = envint("NOTIFY_HOLD_REMINDER_MINUTES", 2)  # before the check-in deadline
CONTACT_RETENTION_SECONDS = envint("CONTACT_RETENTION_SECONDS", 3600)
NOTIFY_THREADS = envint("NOTIFY_THREADS", 8)  # provider calls a delivery worker makes at once
# A message a worker claimed and left this long (it died) is claimed by another worker.
NOTIFY_CLAIM_IDLE_SECONDS = float(os.getenv("NOTIFY_CLAIM_IDLE_SECONDS", "60"))

# Browsers without a party (the join page): open live streams allowed per client address in
# each server process, and how long one streams before it pauses (a tap resumes it).
PUBLIC_STREAMS_PER_ADDRESS = envint("PUBLIC_STREAMS_PER_ADDRESS", 20)
PUBLIC_STREAM_IDLE_SECONDS = float(os.getenv("PUBLIC_STREAM_IDLE_SECONDS", "600"))
PUBLIC_STREAM_EVERY_SECONDS = float(os.getenv("PUBLIC_STREAM_EVERY_SECONDS", "3"))  # at most one update this often
# Share of a server process's open-file limit (raised to the hard limit at start) that open
# streams may take; past it, new streams get a 503 with Retry-After (waitlist/hub.py), so
# Redis, the database and page requests keep descriptors in reserve.
STREAM_FD_SHARE = float(os.getenv("STREAM_FD_SHARE", "0.8"))
# A built view's wait estimates and quotes are computed in a helper process of each server
# process, at this niceness, so that simulating a long line never holds the server's GIL
# (waitlist/estimating.py); ESTIMATE_IN_PROCESS=1 computes them in the server process.
ESTIMATE_IN_PROCESS = envbool("ESTIMATE_IN_PROCESS")
ESTIMATOR_NICE = envint("ESTIMATOR_NICE", 10)

# How often an open host dashboard stream checks that its browser may still host there
# (signed in, a member, active): a host who lost the right stops receiving within this.
STAFF_STREAM_RECHECK_SECONDS = float(os.getenv("STAFF_STREAM_RECHECK_SECONDS", "5"))
# Serves /bench/bare, the do-nothing POST view the join benchmark compares against.
BENCHMARK_ENDPOINTS = envbool("BENCHMARK_ENDPOINTS")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# The first hasher makes new password hashes. Django's own list unless set (the test plugin
# sets a fast one, for the test process and the servers it starts alike).
if envlist("PASSWORD_HASHERS"):
    PASSWORD_HASHERS = envlist("PASSWORD_HASHERS")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
# Sign-in throttling (config/logins.py): axes' backend first, so that a locked-out attempt
# is refused before Django's backend hashes the password.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_HANDLER = "config.logins.LoginAttempts"
AXES_LOCKOUT_CALLABLE = "config.logins.locked_out"
# The address is REMOTE_ADDR, which ClientAddressMiddleware has already made the client's
# (TRUSTED_PROXIES): the join limits and the sign-in lockout count the same address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 10)
LOGIN_ADDRESS_FAILURE_LIMIT = envint("LOGIN_ADDRESS_FAILURE_LIMIT", 30)
AXES_COOLOFF_TIME = timedelta(minutes=float(os.getenv("LOGIN_COOLOFF_MINUTES", "15")))
AXES_RESET_ON_SUCCESS = True
# Attempts while locked out are not recorded: the cool-off runs from the last failure that
# counted, and a client hammering a locked form writes nothing to the database.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language a browser chose on a page (Django's set_language), remembered for a year;
# until it chooses, its Accept-Language decides. A cookie, not a session: no Redis write.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
# The server's zone, and the one a new restaurant starts with (each restaurant sets its own).
TIME_ZONE = os.getenv("TIME_ZONE", "UTC")
if TIME_ZONE not in zoneinfo.available_timezones():
    raise ImproperlyConfigured(f"TIME_ZONE={TIME_ZONE!r} is not a time zone name such as Europe/Madrid.")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.getenv("STATIC_ROOT", VAR_DIR / "static"))
# Static files are served by WhiteNoise (the middleware below SecurityMiddleware). With DEBUG
# off, from STATIC_ROOT as collectstatic left them (the launcher and the Dockerfile run it):
# names carry a hash of the content, so they are cached for a year, and each has gzip and
# Brotli twins. With DEBUG on (make run, the tests and their live servers), straight from
# the source folders, re-read on change, with plain names: nothing to collect first.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG else
                    "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = DEBUG

CSRF_FAILURE_VIEW = "config.views.csrf_failure"  # JSON for JSON clients, as every error page
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every page: scripts and styles only from our own files (htmx and
# its SSE extension, static/js, static/css), no inline script, style attribute or eval; the
# one inline <style> (the 500 page, which loads nothing) carries the request's nonce. Live
# updates (SSE) and htmx requests go to this origin only.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "line"},
    },
    "root": {"handlers": ["stdout"], "level": os.getenv("LOG_LEVEL", "INFO")},
    "loggers": {
        "django_eventstream": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # its warnings name each failed sign-in and each lockout
        "daphne": {"level": "WARNING"},
        "django.channels.server": {"level": os.getenv("ACCESS_LOG_LEVEL", "INFO")},
    },
}
