"""How a server process runs on its machine: which CPUs, and how often Python collects.

Applied once by ``config/asgi.py``, after Django is loaded and before any page thread
starts. Both were measured with benchmarks/http_join.py; docs/performance.md has the
numbers.

CPUs (``WEB_CPUS``: "0", "2,3", "0-1"). A CPython process runs Python on one core at a
time (the GIL), but the kernel spreads its threads (the event loop, the page threads) over
every core. Each time the GIL passes to a thread on another core, that thread finds the
interpreter's objects in the other core's cache, and the threads wake each other through
the scheduler. So run one server process per core, each pinned to its own. Unset, the
kernel places threads as it likes.

Garbage collection. With Python's default threshold the young generation is collected
every 700 new container objects, several times per request, and every tenth collection
also walks the older generations, where everything Django loaded at startup sits. The
startup objects are moved out of the collector's sight (``gc.freeze``) and the young
generation is collected every GC_YOUNG allocations instead. Reference counting still frees
almost everything at once; the collector is only for cycles, and a cycle waits at most
GC_YOUNG allocations longer.
"""

import gc
import os
import sys

GC_YOUNG = 50_000
# How long a thread holding the GIL keeps it while another waits (Python's default: 5 ms).
GIL_SWITCH_SECONDS = 0.005
GC_OLDER = (20, 100)


def parse_cpus(text: str) -> set[int]:
    """The CPUs of a list like "0,2-3"; ValueError for anything else."""
    cpus: set[int] = set()
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        low, dash, high = part.partition("-")
        first, last = int(low), int(high) if dash else int(low)
        if first < 0 or last < first:
            raise ValueError(f"bad CPU range {part!r} in WEB_CPUS={text!r}")
        cpus.update(range(first, last + 1))
    if not cpus:
        raise ValueError(f"WEB_CPUS={text!r} names no CPU")
    return cpus


def pin_process(cpus: set[int], pid: int | str = "self") -> None:
    """Pin every thread of a process (this one by default), and by inheritance every thread
    it starts later."""
    for thread_id in os.listdir(f"/proc/{pid}/task"):
        try:
            os.sched_setaffinity(int(thread_id), cpus)
        except ProcessLookupError:  # a thread that ended since the listing
            pass


def apply() -> None:
    text = os.getenv("WEB_CPUS", "").strip()
    if text and hasattr(os, "sched_setaffinity"):
        pin_process(parse_cpus(text))
    gc.freeze()
    gc.set_threshold(GC_YOUNG, *GC_OLDER)
    sys.setswitchinterval(float(os.getenv("GIL_SWITCH_SECONDS", str(GIL_SWITCH_SECONDS))))
