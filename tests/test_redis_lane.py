"""The live queue's own path to Redis (redis_client.execute), its tokens, and the server
process tuning (config/tuning.py): the pieces that keep the join path short."""

import os
import re
import subprocess
import sys
import threading
import urllib.request

import pytest
import redis as redis_lib

from config import tuning
from tests.support.factories import make_restaurant
from tests.support.redis_servers import ROOT, AppServer, Server, wait_until
from waitlist import queue, redis_client


def test_each_thread_reads_only_its_own_replies():
    """Sixteen threads sending at once over their own connections: every reply is the
    answer to the command its thread sent (a shared connection would cross them)."""
    client = redis_client.get_redis()
    wrong, errors = [], []

    def worker(number: int) -> None:
        try:
            for step in range(300):
                value = f"{number}:{step}"
                reply = redis_client.execute(client, "ECHO", value)
                if reply != value.encode():
                    wrong.append((value, reply))
        except Exception as exc:  # reported below; a thread's exception would vanish otherwise
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(number,)) for number in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and wrong == []


def test_the_server_errors_reach_the_caller_and_the_connection_stays_usable():
    client = redis_client.get_redis()
    with pytest.raises(redis_lib.ResponseError):
        redis_client.execute(client, "NOSUCHCOMMAND")
    assert redis_client.execute(client, "ECHO", "after") == b"after"


@pytest.mark.own_servers
def test_a_restarted_server_is_reconnected_to_without_an_error(db, own_redis):
    """The thread's connection dies with the server; the next command reconnects (a
    connection error is retried) instead of failing a diner's request."""
    server = own_redis(Server().start())
    restaurant = make_restaurant("bistro", max_party_size=6)
    queue.join(restaurant=restaurant, name="Ada", size=2, preference="table", diner="d1", request_id="r1")
    server.kill()
    server.start()  # same port, empty (no persistence in this server)
    joined = queue.join(restaurant=restaurant, name="Bo", size=2, preference="table", diner="d2", request_id="r2")
    assert joined.created and [p.name for p in queue.snapshot(restaurant=restaurant).waiting] == ["Bo"]


def test_party_tokens_are_unique_url_safe_and_128_bits():
    tokens = {queue.new_token() for _ in range(20_000)}
    assert len(tokens) == 20_000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", token) for token in tokens)


FORK_CHECK = """
import os
import django
django.setup()
from waitlist.queue import new_token
read_end, write_end = os.pipe()
child = os.fork()
if child == 0:  # the child: its next token, then out without running any cleanup
    os.write(write_end, new_token().encode())
    os._exit(0)
os.close(write_end)
parents = new_token()
os.waitpid(child, 0)
print(parents, os.read(read_end, 100).decode())
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_process_does_not_repeat_its_parents_tokens():
    # In a fresh, single-threaded interpreter: forking this multi-threaded test process
    # could deadlock the child on a lock another thread held.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1"}
    result = subprocess.run([sys.executable, "-c", FORK_CHECK], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    parents, childs = result.stdout.split()
    assert len(parents) == len(childs) == 22 and childs != parents


def test_cpu_lists_are_read_as_the_kernel_writes_them():
    assert tuning.parse_cpus("0") == {0}
    assert tuning.parse_cpus("0-2, 5") == {0, 1, 2, 5}
    for bad in ("", " , ", "2-1", "-1", "one"):
        with pytest.raises(ValueError):
            tuning.parse_cpus(bad)


def test_a_server_with_web_cpus_runs_every_thread_on_those_cpus(transactional_db):
    cpus = sorted(os.sched_getaffinity(0))
    app = AppServer(WEB_CPUS=str(cpus[-1])).start()
    try:
        make_restaurant("bistro")
        # Open a page so the page threads exist, then read every thread's CPUs.
        assert urllib.request.urlopen(f"{app.url}/waitlist/bistro/", timeout=30).status == 200
        pid = app.process.pid

        def allowed() -> set[str]:
            return {open(f"/proc/{pid}/task/{thread}/status").read().split("Cpus_allowed_list:")[1].split()[0]
                    for thread in os.listdir(f"/proc/{pid}/task")}

        wait_until(lambda: len(os.listdir(f"/proc/{pid}/task")) > 1, 10, what="page threads")
        assert allowed() == {str(cpus[-1])}
    finally:
        app.stop()
