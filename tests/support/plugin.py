"""Pytest plugin (loaded with ``-p tests.support.plugin``): real servers for the test session.

With REDIS_URL unset, it starts an embedded Valkey before pytest-django imports the
settings, so the whole suite runs on a machine with no services. The test database is
SQLite under var/ unless DATABASE_URL says otherwise (the second CI pass uses PostgreSQL).
"""

import os

import pytest

_server = None


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    global _server
    os.environ.setdefault("DEBUG", "1")  # dev secret key; tests still run with DEBUG off
    os.environ.setdefault("TEST_DB_SUFFIX", f"-{os.getpid()}")
    # Tests delete and recreate restaurants with the same slug within a second, which a
    # live server's per-process cache would not notice (tests/test_caches.py covers it).
    os.environ.setdefault("RESTAURANT_CACHE_SECONDS", "0")
    # Test servers estimate as production does, in their helper process (waitlist/estimating.py);
    # ESTIMATE_IN_PROCESS=1 runs them in the server process instead.
    os.environ.setdefault("ESTIMATE_IN_PROCESS", "0")
    # Users are made with a cheap hasher (PBKDF2 costs about a second per user); the live
    # servers the tests start inherit it, so their logins check the same hashes.
    os.environ.setdefault("PASSWORD_HASHERS", "django.contrib.auth.hashers.MD5PasswordHasher")
    # A VAPID key pair for the session, so pages offer web push as a configured site does.
    if not os.environ.get("VAPID_PRIVATE_KEY"):
        from tests.support.push_service import vapid_keys

        os.environ["VAPID_PRIVATE_KEY"], os.environ["VAPID_PUBLIC_KEY"] = vapid_keys()
    # The translations as `make install` compiles them, for a run started with pytest alone.
    from config import locales

    locales.compile_all()
    if os.environ.get("REDIS_URL"):
        return
    from waitlist import embedded_valkey  # imports no Django: settings are not loaded yet

    _server = embedded_valkey.start(prefix="waitlist-test-valkey-")
    os.environ["REDIS_URL"] = _server.url
    early_config.add_cleanup(_stop)


def _stop():
    global _server
    if _server is not None:
        _server.stop()
        _server = None


def pytest_report_header(config):
    return f"redis: {os.environ.get('REDIS_URL')}" + (" (embedded valkey)" if _server else "")

