"""Why the live queue's scripts run over a connection each page thread owns
(waitlist/redis_client.py: ``execute``) instead of through redis-py's public client.

Four threads, as in a daphne process, each run the same read-only script (summary.lua)
over and over against the same server; the process's CPU time per call is compared between
redis-py's documented path (a client per thread with ``single_connection_client``, its
socket timeout kept by Python) and ours (kernel-kept timeouts, the command packed by
hiredis and sent and read on the thread's own connection). The two alternate in rounds.
The custom path must cost at most TARGET of the public one to be worth keeping.
"""

import statistics
import threading
import time

from .harness import Result

THREADS, CALLS, ROUNDS = 4, 2000, 5
TARGET = 0.8


def cpu_per_call(call) -> float:
    def work():
        for _ in range(CALLS):
            call()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    started = time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return (time.process_time() - started) / (THREADS * CALLS)


def run() -> list[Result]:
    import redis
    from django.conf import settings

    from waitlist import redis_client
    from waitlist.keys import keys_for
    from waitlist.lua_scripts import source

    text, sha = source("summary")
    ours = redis_client.get_redis()
    ours.script_load(text)
    keys = keys_for(1)
    command = ["EVALSHA", sha, len(keys.script_keys), *keys.script_keys, keys.party_prefix, "bus", "channel", 0]
    per_thread = threading.local()

    def public():
        client = getattr(per_thread, "client", None)
        if client is None:
            client = per_thread.client = redis.Redis.from_url(
                settings.REDIS_URL, single_connection_client=True, socket_timeout=settings.REDIS_SOCKET_TIMEOUT)
        return client.execute_command(*command)

    def custom():
        return redis_client.execute(ours, *command)

    assert public() == custom()
    samples = {"public": [], "custom": []}
    for _ in range(ROUNDS):
        for name, call in (("public", public), ("custom", custom)):
            samples[name].append(cpu_per_call(call))
    public_us = statistics.median(samples["public"]) * 1e6
    custom_us = statistics.median(samples["custom"]) * 1e6
    return [Result("script call CPU, our connection lane / redis-py's public client", custom_us / public_us,
                   target=TARGET, raw={"ours_us": custom_us, "redis_py_us": public_us, "threads": THREADS},
                   note="the same EVALSHA from 4 threads; keeps waitlist/redis_client.py's custom path justified")]
