"""The estimator's helper process (waitlist/estimating.py) ends with its server process."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SERVER = """
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from waitlist import estimating
print(estimating._helper().submit(os.getpid).result(), flush=True)
import time; time.sleep(60)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is gone too
        return stat.read().split(")")[-1].split()[0] != "Z"


def test_the_helper_ends_when_its_server_is_killed():
    env = {**os.environ, "ESTIMATE_IN_PROCESS": "0"}
    server = subprocess.Popen([sys.executable, "-c", SERVER], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        helper = int(server.stdout.readline())
        assert helper != server.pid and alive(helper)
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        deadline = time.monotonic() + 10
        while alive(helper) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(helper), "the estimator helper outlived its server"
    finally:
        server.kill()


def database_name() -> str:
    from django.db import connection

    return str(connection.settings_dict["NAME"])


POINTED = """
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.db import connection
connection.settings_dict["NAME"] = "/nowhere/pointed-after-start.sqlite3"
from tests.test_estimating import database_name
from waitlist import estimating
print(estimating._helper().submit(database_name).result(), flush=True)
"""


def test_the_helper_uses_the_database_its_server_is_connected_to():
    """A test server is pointed at the test database after it starts; the estimates read
    restaurants there too, not from the database the settings name."""
    env = {**os.environ, "ESTIMATE_IN_PROCESS": "0"}
    answer = subprocess.run([sys.executable, "-c", POINTED], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert answer.stdout.strip() == "/nowhere/pointed-after-start.sqlite3", answer.stderr[-2000:]
