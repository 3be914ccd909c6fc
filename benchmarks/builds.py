"""One build per change, and per-restaurant channels, measured (waitlist/builds.py,
waitlist/channels.py):

- Snapshot reads per change (counted on Valkey with MONITOR) with a restaurant's 30 diner
  streams spread over 3 daphne processes, against the same streams on 1 process: the
  processes that did not win the build lease take the built view from the channel.
- The CPU a process spends for 1,000 changes to restaurants it holds no stream of, against
  1,000 changes to a restaurant it holds 100 streams of (idle CPU over as long subtracted
  from both): with per-restaurant channels it never receives the first kind.
"""

import asyncio
import os
import time

from .fanout import open_diners
from .harness import Result, cpu_seconds

STREAMS = 30
READ_CHANGES = 30
INTERVAL_SECONDS = 0.35  # longer than a build round (MIN_REFRESH_SECONDS): no coalescing
CPU_CHANGES = 1000
CPU_STREAMS = 100
CPU_RATE = 100  # changes a second
OTHERS = 20  # restaurants the process holds no stream of


def _change_pairs(place, count: int, tag: str):
    """``count`` changes: walk-ins joining at the end of the line and leaving again."""
    from waitlist import queue

    for number in range(count // 2):
        joined = queue.join(restaurant=place, name=f"Walk {number}", size=2, preference="table",
                            diner=f"{tag}-{number}", request_id=f"{tag}-{number}", source="host")
        yield
        queue.leave(restaurant=place, party_id=joined.party_id)
        yield


def _join_all(place, count: int, prefix: str) -> list[str]:
    from waitlist import queue

    return [queue.join(restaurant=place, name=f"Diner {n}", size=2, preference="table", diner=f"{prefix}-{n}",
                       request_id=f"{prefix}-request-{n}").token for n in range(count)]


def _reads_per_change(place, tokens, processes: int) -> float:
    from tests.support.monitor import ScriptCalls
    from tests.support.redis_servers import AppServer
    from waitlist import lua_scripts

    servers = [AppServer(LOG_LEVEL="WARNING", ACCESS_LOG_LEVEL="WARNING").start() for _ in range(processes)]
    try:
        async def main():
            groups = await asyncio.gather(*(open_diners("127.0.0.1", server.port, place.slug, tokens[i::processes])
                                            for i, server in enumerate(servers)))
            await asyncio.sleep(2)  # first views and estimates done
            calls = ScriptCalls(os.environ["REDIS_URL"], lua_scripts.source("snapshot")[1])
            with calls.counting():
                changes = _change_pairs(place, READ_CHANGES, f"reads-{processes}")
                for _ in range(READ_CHANGES):
                    await asyncio.to_thread(next, changes)
                    await asyncio.sleep(INTERVAL_SECONDS)
                await asyncio.sleep(1.5)
            for group in groups:
                for stream in group:
                    stream.closed = True
            return calls.calls / READ_CHANGES

        return asyncio.run(main())
    finally:
        for server in servers:
            server.stop()


def _cpu_ratio() -> dict:
    from tests.support.redis_servers import AppServer

    from . import fixtures

    held = fixtures.restaurant(slug="builds-held", tables=20, counter=0, max_party_size=6)
    others = [fixtures.restaurant(slug=f"builds-other-{n}", tables=4, counter=0, max_party_size=6)
              for n in range(OTHERS)]
    tokens = _join_all(held, CPU_STREAMS, "held")
    server = AppServer(LOG_LEVEL="WARNING", ACCESS_LOG_LEVEL="WARNING").start()
    pid = server.process.pid
    try:
        async def timed_changes(places) -> tuple[float, float]:
            streams_of = [_change_pairs(place, CPU_CHANGES // len(places) + 2, f"cpu-{place.slug}-{time.time()}")
                          for place in places]
            started_cpu, started = cpu_seconds(pid), time.perf_counter()
            for number in range(CPU_CHANGES):
                await asyncio.to_thread(next, streams_of[number % len(places)])
                delay = started + (number + 1) / CPU_RATE - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            await asyncio.sleep(1.5)  # the last builds and fan-outs
            return cpu_seconds(pid) - started_cpu, time.perf_counter() - started

        async def main():
            streams = await open_diners("127.0.0.1", server.port, held.slug, tokens)
            await asyncio.sleep(2)
            unheld_cpu, seconds = await timed_changes(others)
            held_cpu, _ = await timed_changes([held])
            idle_started = cpu_seconds(pid)
            await asyncio.sleep(seconds)
            idle_cpu = cpu_seconds(pid) - idle_started
            errors = sum(s.errors for s in streams)
            for stream in streams:
                stream.closed = True
            return unheld_cpu, held_cpu, idle_cpu, seconds, errors

        unheld_cpu, held_cpu, idle_cpu, seconds, errors = asyncio.run(main())
    finally:
        server.stop()
    unheld, held_busy = max(0.0, unheld_cpu - idle_cpu), max(1e-9, held_cpu - idle_cpu)
    return {"ratio": unheld / held_busy, "unheld_cpu_ms": unheld_cpu * 1e3, "held_cpu_ms": held_cpu * 1e3,
            "idle_cpu_ms": idle_cpu * 1e3, "phase_s": seconds, "stream_errors": errors}


def run() -> list[Result]:
    from . import fixtures

    place = fixtures.restaurant(slug="builds-reads", tables=20, counter=0, max_party_size=6)
    tokens = _join_all(place, STREAMS, "reads")
    one = _reads_per_change(place, tokens, 1)
    three = _reads_per_change(place, tokens, 3)
    cpu = _cpu_ratio()
    return [
        Result("snapshot reads per change, 3 processes / 1 process", three / max(one, 1e-9), target=1.1, raw={
            "reads_per_change_1": one, "reads_per_change_3": three, "changes": READ_CHANGES, "streams": STREAMS},
            note="Valkey MONITOR: EVALSHA of the snapshot script"),
        Result(f"CPU, {CPU_CHANGES} changes elsewhere / {CPU_CHANGES} to a restaurant with {CPU_STREAMS} streams here",
               cpu.pop("ratio"), target=0.05, raw={**cpu, "rate_per_s": CPU_RATE, "other_restaurants": OTHERS},
               note="one daphne process; utime+stime, idle subtracted"),
    ]
