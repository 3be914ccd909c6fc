"""Work started at the same moment in several threads, for the tests that race real servers."""

import threading

from django.db import connections


def in_threads(count, work):
    """Run ``work(i)`` in ``count`` threads released together; return their results in
    order. Any thread's exception fails the caller; each thread closes its own database
    connections."""
    barrier, results, errors = threading.Barrier(count), [None] * count, []

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert not errors, errors
    return results
