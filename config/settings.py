"""The one settings file. Everything that differs between a laptop and production comes
from the environment; with nothing set, the project runs on SQLite and an embedded Valkey."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

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
    "django_htmx",
    "django_eventstream",
    "restaurants",
    "waitlist",
    "seating",
]

MIDDLEWARE = [
    "config.middleware.ServiceUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context.server_clock",
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

SESSION_ENGINE = "config.sessions"
# A diner's place must survive closing the browser for at least a service day.
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 2 * 24 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "False")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Events: django-eventstream fans out through Redis pub/sub so every server process
# reaches its own SSE clients. The listener itself is ours (waitlist/stream.py).
EVENTSTREAM_REDIS_CHANNEL = "events_channel"

# Waitlist behaviour that is not per restaurant.
JOIN_RATE_LIMIT = os.getenv("JOIN_RATE_LIMIT", "10/600")  # joins per client per seconds
ENDED_PARTY_TTL = envint("ENDED_PARTY_TTL", 12 * 3600)  # how long a finished party's page still answers
TIMER_POLL_SECONDS = float(os.getenv("TIMER_POLL_SECONDS", "0.5"))
# How long a server process may use a restaurant row without reading it again (admin
# changes reach other processes within this).
RESTAURANT_CACHE_SECONDS = float(os.getenv("RESTAURANT_CACHE_SECONDS", "2"))
# Serves /bench/bare, the do-nothing POST view the join benchmark compares against.
BENCHMARK_ENDPOINTS = envbool("BENCHMARK_ENDPOINTS")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

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
        "daphne": {"level": "WARNING"},
        "django.channels.server": {"level": os.getenv("ACCESS_LOG_LEVEL", "INFO")},
    },
}
