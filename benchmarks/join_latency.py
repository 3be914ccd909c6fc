"""Join latency while the process fans out: the p95 of a diner's join (the POST, over
HTTP, on keep-alive connections) with 5,000 diner streams open on the same daphne process
and 2 changes a second to their restaurant (the head of the line leaves: every one of the
5,000 pages gets its new place; a walk-in joins at the end), against the same joins on the
idle process (no streams, no changes). The server is pinned to its own core, as in
production (WEB_CPUS); the load generator and Valkey share the other.
"""

import asyncio
import statistics
import time

from .fanout import open_diners
from .harness import Environment, Result, cpu_seconds
from .http_join import REQUEST_ID
from .sse_client import Connection, request

STREAMS = 5000
JOINS = 300
CONCURRENCY = 8
CHANGES_PER_SECOND = 2
RESTAURANTS = 10
# Between a worker's joins: the joins spread over ~10 s, so many fan-outs fall among them.
THINK_SECONDS = 0.25


async def _browsers(port: int, slugs: list[str], count: int) -> list[tuple[str, dict, str]]:
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(slug: str):
        async with semaphore:
            status, cookies, body = await request("127.0.0.1", port, "GET", f"/waitlist/{slug}/")
            assert status == 200, status
            return slug, cookies, REQUEST_ID.search(body).group(1).decode()

    return await asyncio.gather(*(one(slugs[n % len(slugs)]) for n in range(count)))


async def _join_latencies(port: int, browsers) -> list[float]:
    pending, latencies = list(browsers), []

    async def worker():
        connection = Connection("127.0.0.1", port)
        while pending:
            slug, cookies, request_id = pending.pop()
            form = {"csrfmiddlewaretoken": cookies["csrftoken"], "name": "Latency Party", "size": "2",
                    "preference": "table", "request_id": request_id}
            started = time.perf_counter()
            status = await connection.send("POST", f"/waitlist/{slug}/join", cookies=cookies, form=form)
            latencies.append(time.perf_counter() - started)
            assert status == 303, status
            await asyncio.sleep(THINK_SECONDS)
        connection.close()

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return latencies


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def run() -> list[Result]:
    with Environment.current.server_core() as pinned:
        return measure(pinned)


def measure(pinned: dict) -> list[Result]:
    from tests.support.redis_servers import AppServer
    from waitlist import queue
    from waitlist.hub import raise_fd_limit

    from . import fixtures

    raise_fd_limit()
    crowd = fixtures.restaurant(slug="latency-crowd", tables=20, counter=0, max_party_size=6)
    joined = [queue.join(restaurant=crowd, name=f"Diner {n}", size=2, preference="table", diner=f"lat-{n}",
                         request_id=f"lat-request-{n}") for n in range(STREAMS + 40)]
    tokens = [j.token for j in joined]
    # The line in order, head first: the load generator knows whom to send away without
    # reading the 5,000-party snapshot itself (that read, on the Valkey the server uses, is
    # load of the generator's, not of the scenario).
    line = [j.party_id for j in joined]
    slugs = [fixtures.restaurant(slug=f"latency-{n}", tables=20, counter=4, max_party_size=6).slug
             for n in range(RESTAURANTS)]
    server = AppServer(LOG_LEVEL="WARNING", ACCESS_LOG_LEVEL="WARNING", **pinned).start()
    port = server.port
    try:
        async def changes(stop: asyncio.Event) -> int:
            made, number = 0, 0
            while not stop.is_set():
                started = time.perf_counter()
                if made % 2 == 0:  # walk-ins join at the end: the head is the first still in line
                    await asyncio.to_thread(queue.leave, restaurant=crowd, party_id=line.pop(0))
                else:
                    number += 1
                    await asyncio.to_thread(queue.join, restaurant=crowd, name=f"Walk {number}", size=2,
                                            preference="table", diner=f"lat-walk-{number}",
                                            request_id=f"lat-walk-{number}", source="host")
                made += 1
                await asyncio.sleep(max(0.0, 1 / CHANGES_PER_SECOND - (time.perf_counter() - started)))
            return made

        async def main():
            browsers = await _browsers(port, slugs, 2 * JOINS + 40)
            await _join_latencies(port, browsers[:40])  # warm-up: threads' connections, scripts
            idle = await _join_latencies(port, browsers[40:40 + JOINS])
            streams = await open_diners("127.0.0.1", port, crowd.slug, tokens[-STREAMS:])
            await asyncio.sleep(2)
            stop = asyncio.Event()
            changer = asyncio.create_task(changes(stop))
            await asyncio.sleep(1.5)  # the fan-outs under way
            started, used = time.perf_counter(), cpu_seconds(server.process.pid)
            busy = await _join_latencies(port, browsers[40 + JOINS:])
            seconds = time.perf_counter() - started
            load = (cpu_seconds(server.process.pid) - used) / seconds
            stop.set()
            made = await changer
            errors = sum(s.errors for s in streams)
            for stream in streams:
                stream.closed = True
            return idle, busy, made, seconds, errors, load

        idle, busy, made, seconds, errors, load = asyncio.run(main())
    finally:
        server.stop()
    ratio = _p95(busy) / _p95(idle)
    return [Result(f"join p95, {STREAMS} streams and {CHANGES_PER_SECOND} changes/s / idle", ratio, target=2.0, raw={
        "p95_busy_ms": _p95(busy) * 1e3, "p95_idle_ms": _p95(idle) * 1e3,
        "median_busy_ms": statistics.median(busy) * 1e3, "median_idle_ms": statistics.median(idle) * 1e3,
        "changes": made, "busy_seconds": seconds, "server_core_busy": load, "joins": JOINS, "concurrency": CONCURRENCY,
        "stream_errors": errors}, note="daphne pinned to its own core (WEB_CPUS); keep-alive POSTs")]
