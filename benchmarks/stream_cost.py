"""What one open diner page costs its server process: CPU per change and memory.

One daphne process, two restaurants of 1,000 waiting each: the first with every diner's
page open (1,000 streams), the second with one. The first party leaves, one change at a
time, spaced so that none coalesce: every open page gets a new place. The process's CPU
per change for the second restaurant is the change's fixed cost (the snapshot, the view's
rebuild); the difference, over the streams, is what each open page adds, with the bytes
each page received per change. Memory: the process's resident size before and after the
1,000 pages opened. docs/scaling.md builds on these numbers.
"""

import asyncio
from pathlib import Path

from .fanout import open_diners
from .harness import Result, cpu_seconds

WAITING = 1000
CHANGES = 10
SPACING_SECONDS = 1.0  # the 1,000 pages' updates are done well within it


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


async def cpu_per_change(place, pid: int) -> float:
    from waitlist import queue

    started = cpu_seconds(pid)
    for _ in range(CHANGES):
        head = (await asyncio.to_thread(queue.snapshot, restaurant=place)).waiting[0]
        await asyncio.to_thread(queue.leave, restaurant=place, party_id=head.id)
        await asyncio.sleep(SPACING_SECONDS)
    return (cpu_seconds(pid) - started) / CHANGES


def run() -> list[Result]:
    from tests.support.redis_servers import AppServer
    from waitlist import queue

    from . import fixtures

    tokens = {}
    places = {}
    for slug in ("crowded", "quiet"):
        places[slug] = fixtures.restaurant(slug=f"streams-{slug}", tables=20, counter=0, max_party_size=6)
        tokens[slug] = [queue.join(restaurant=places[slug], name=f"Diner {n}", size=2, preference="table",
                                   diner=f"{slug}-{n}", request_id=f"{slug}-request-{n}").token
                        for n in range(WAITING)]
    server = AppServer(LOG_LEVEL="WARNING", ACCESS_LOG_LEVEL="WARNING").start()
    pid = server.process.pid
    try:
        async def main():
            # The last in line: its page stays open through every change.
            quiet = await open_diners("127.0.0.1", server.port, places["quiet"].slug, tokens["quiet"][-1:])
            await asyncio.sleep(2)
            before = rss_bytes(pid)
            crowded = await open_diners("127.0.0.1", server.port, places["crowded"].slug, tokens["crowded"])
            await asyncio.sleep(3)
            memory = (rss_bytes(pid) - before) / WAITING
            fixed = await cpu_per_change(places["quiet"], pid)
            received = sum(stream.received for stream in crowded)
            full = await cpu_per_change(places["crowded"], pid)
            sent = (sum(stream.received for stream in crowded) - received) / CHANGES / WAITING
            streams = quiet + crowded
            errors = sum(stream.errors for stream in streams)
            for stream in streams:
                stream.closed = True
            return memory, fixed, full, sent, errors

        memory, fixed, full, sent, errors = asyncio.run(main())
    finally:
        server.stop()
    per_stream_us = (full - fixed) / (WAITING - 1) * 1e6
    raw = {"cpu_ms_per_change_1_stream": fixed * 1e3, "cpu_ms_per_change_1000_streams": full * 1e3,
           "bytes_per_page_per_change": sent, "waiting": WAITING, "changes": CHANGES, "stream_errors": errors}
    return [
        Result(f"app CPU per open page per change ({WAITING} pages)", per_stream_us, unit="us", raw=raw,
               note="every page gets a new place; the change's fixed cost subtracted"),
        Result("app memory per open page", memory / 1024, unit=" KB", raw={"pages": WAITING},
               note="resident size, before and after the pages opened"),
    ]
