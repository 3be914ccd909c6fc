"""The wait estimates and quotes of a built view (waitlist/builds.py), computed in a
process of their own.

Simulating a long line takes seconds of CPU (docs/scaling.md). In a page thread or beside
the event loop, that simulation holds the process's GIL against every page request:
measured with 5,000 streams open and 2 changes a second, a join's p95 went from 31 ms with
the estimates elsewhere to 460 ms with them in the server process (make bench
join_latency). So each server process hands them to one helper process of its own
(spawned, niced: ESTIMATOR_NICE), which reads nothing from Redis: it gets the snapshot the
build read. ``ESTIMATE_IN_PROCESS`` computes them in the calling thread instead (and is the
fallback when the helper cannot start).
"""

import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from django.conf import settings

log = logging.getLogger("waitlist.stream")

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None

Waits = list[list]  # [party id, low, high] or [party id]
QuoteRows = list[list]  # [size, preference, low, high] or [size, preference]


def compute(restaurant_id: int, answer: dict) -> tuple[int, Waits, QuoteRows]:
    """(version, waits, quotes) of the snapshot script's ``answer``, in this process."""
    from django.db import close_old_connections

    from restaurants.models import Restaurant

    from . import live_view, queue, quotes

    try:
        restaurant = Restaurant.objects.get(pk=restaurant_id)
        live = live_view.adopt(restaurant, queue.snapshot_from(answer))
        live = live_view.with_estimates(restaurant) or live
        computed = quotes.compute(restaurant, version=live.version)
        return live.version, [[pid, *wait] if wait else [pid] for pid, wait in live.waits.items()], \
            [[size, preference, *wait] if wait else [size, preference]
             for (size, preference), wait in computed.by_party.items()]
    finally:
        close_old_connections()


def estimate(restaurant_id: int, answer: dict) -> tuple[int, Waits, QuoteRows]:
    """As ``compute``, in the helper process (blocking this thread, not the GIL)."""
    pool = None if settings.ESTIMATE_IN_PROCESS else _helper()
    if pool is None:
        return compute(restaurant_id, answer)
    try:
        return pool.submit(compute, restaurant_id, answer).result()
    except BrokenProcessPool:
        _reset()
        return compute(restaurant_id, answer)


def _helper() -> ProcessPoolExecutor | None:
    global _pool
    with _lock:
        if _pool is None:
            try:
                _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_start_helper,
                                            initargs=(settings.ESTIMATOR_NICE, os.getpid(), _databases()))
            except (OSError, ValueError) as exc:
                log.warning("no estimator process (%s); estimating in the server process", exc)
                return None
        return _pool


def _reset() -> None:
    global _pool
    with _lock:
        _pool = None


def _databases() -> dict[str, dict]:
    """The databases this process uses, as connected (not only as settings read them: a test
    server is pointed at the test database after start), for the helper to use the same."""
    from django.db import connections

    return {alias: dict(connections[alias].settings_dict) for alias in connections}


def _start_helper(nice: int, parent: int, databases: dict[str, dict]) -> None:
    import django

    threading.Thread(target=_exit_with, args=(parent,), name="exit-with-server", daemon=True).start()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if nice:
        os.nice(nice)
    if hasattr(os, "SCHED_IDLE"):
        # Below every normal process: it runs on what the server leaves of its core.
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        except OSError:
            pass
    django.setup()
    from django.db import connections

    for alias, settings_dict in databases.items():
        settings.DATABASES[alias] = settings_dict
        connections[alias].close()
        connections[alias].settings_dict = settings_dict


def _exit_with(parent: int, every: float = 1.0) -> None:
    """End the helper once its server process is gone (killed by a supervisor, say): it
    would otherwise live on, orphaned, holding memory. (Not PR_SET_PDEATHSIG: that fires when
    the thread that started the helper ends, which may be any page thread.)"""
    import time

    while os.getppid() == parent:
        time.sleep(every)
    os._exit(0)
