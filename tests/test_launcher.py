"""`make run`'s launcher keeps its processes alive: a killed timer worker is started again
and holds still expire on time; a killed embedded Valkey is started again on its port with
its data; /healthz says when the worker is gone."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from domain.durations import MINUTE_MS
from restaurants.models import Restaurant
from tests.support.factories import make_restaurant
from tests.support.redis_servers import ROOT, database_url, die_with_parent, free_port, wait_until
from waitlist import queue, redis_client
from waitlist.clock import now_ms


def children(pid: int) -> dict[int, str]:
    """The command lines of ``pid``'s child processes."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if parent == pid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue
    return found


def child(pid: int, fragment: str) -> int:
    return next(p for p, command in children(pid).items() if fragment in command)


@pytest.mark.own_servers
def test_a_killed_worker_and_valkey_are_started_again_and_holds_expire_on_time(transactional_db, tmp_path,
                                                                               settings):
    port = free_port()
    env = {**os.environ, "VAR_DIR": str(tmp_path), "DATABASE_URL": database_url(), "PORT": str(port),
           "LOG_LEVEL": "WARNING", "ACCESS_LOG_LEVEL": "WARNING", "WORKER_STALE_SECONDS": "3"}
    for name in ("REDIS_URL", "TEST_DB_SUFFIX"):
        env.pop(name, None)
    log = open(tmp_path / "launcher.log", "wb")
    launcher = subprocess.Popen([sys.executable, "-m", "config.launch", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
    try:
        health = f"http://127.0.0.1:{port}/healthz"
        wait_until(lambda: httpx.get(health, timeout=2).status_code == 200, 60, what="make run up")
        settings.REDIS_URL = (tmp_path / "valkey" / "url").read_text().strip()
        redis_client.reset_redis()
        restaurant = make_restaurant("bistro", checkin_timeout_minutes=1)
        party = queue.join(restaurant=restaurant, name="Ann", size=2, preference="table", diner="d",
                           request_id="r-ann-1").party_id
        table = restaurant.tables.get(label="T1").id
        # Offered as if 48 seconds ago: the one-minute hold ends in 12 seconds.
        deadline = queue.offer(restaurant=restaurant, party_id=party, table_ids=[table], kind="table",
                               now_ms=now_ms() - MINUTE_MS + 12000).deadline_ms

        # A frozen worker is noticed by its heartbeat (a killed one may be back before it is
        # missed); then killed, it is started again and the hold still ends on time.
        worker = child(launcher.pid, "run_timers")
        os.kill(worker, signal.SIGSTOP)
        wait_until(lambda: httpx.get(health, timeout=2).json()["timers"].startswith("down"), 10,
                   what="healthz noticing the worker is gone")
        os.kill(worker, signal.SIGKILL)
        wait_until(lambda: queue.status(restaurant=restaurant, party_id=party).state == "expired", 20,
                   what="the hold expiring")
        ended = queue.status(restaurant=restaurant, party_id=party).ended_ms
        assert ended - deadline < 5000, f"expired {ended - deadline} ms late"
        wait_until(lambda: httpx.get(health, timeout=2).status_code == 200, 15, what="healthy again")

        valkey = child(launcher.pid, "valkey-server")
        os.kill(valkey, signal.SIGKILL)
        wait_until(lambda: child(launcher.pid, "valkey-server") != valkey, 15, what="Valkey started again")
        redis_client.reset_redis()
        wait_until(lambda: queue.status(restaurant=restaurant, party_id=party).state == "expired", 15,
                   what="the data back")
        wait_until(lambda: httpx.get(health, timeout=2).status_code == 200, 20, what="healthy after Valkey")
    finally:
        launcher.send_signal(signal.SIGTERM)
        launcher.wait(30)
        log.close()
        redis_client.reset_redis()
    output = (tmp_path / "launcher.log").read_text()
    assert "timer worker stopped" in output and "restarting timer worker" in output
    assert "embedded Valkey stopped" in output and "restarting embedded Valkey" in output
    assert not children(launcher.pid)  # SIGTERM stopped everything it started
    assert Restaurant.objects.filter(slug="bistro").exists()
