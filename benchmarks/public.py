"""What browsers without a party cost: 1,000 join pages open (their public streams) on the
restaurant diners are joining.

- Join latency: diners join one after another (page, then the form's POST, timed, then
  leave) with no public stream open, then with 1,000; the median POST of each, compared.
- CPU per change: the server process's CPU for a series of changes (a party joining and
  leaving in the live queue, spaced so that none coalesce) with 1 public stream open, then
  with 1,000. Public streams send at most every PUBLIC_STREAM_EVERY_SECONDS (3).
"""

import asyncio
import re
import statistics
import time

from .harness import Result, cpu_seconds
from .sse_client import Stream, request, wait_for

# 60 changes: at 3-10 ms each, enough CPU that the 10-ms clock tick is not the result.
STREAMS, JOINS, CHANGES, SPACING = 1000, 100, 60, 0.6
REQUEST_ID = re.compile(rb'name="request_id" value="([^"]+)"')



async def join_latencies(host, port, slug, start: int) -> list[float]:
    latencies = []
    for n in range(start, start + JOINS):
        status, cookies, page = await request(host, port, "GET", f"/waitlist/{slug}/")
        assert status == 200, status
        form = {"csrfmiddlewaretoken": cookies["csrftoken"], "name": f"Diner {n}", "size": "2",
                "preference": "table", "request_id": REQUEST_ID.search(page).group(1).decode()}
        started = time.perf_counter()
        status, _, _ = await request(host, port, "POST", f"/waitlist/{slug}/join", cookies=cookies, form=form,
                                     headers={"Referer": f"http://{host}:{port}/waitlist/{slug}/"})
        latencies.append(time.perf_counter() - started)
        assert status == 303, status
        # ...and leaves, so that the line (and what each change costs) stays as it was.
        status, _, _ = await request(host, port, "POST", f"/waitlist/{slug}/leave", cookies=cookies,
                                     form={"csrfmiddlewaretoken": cookies["csrftoken"], "confirm": "yes"},
                                     headers={"Referer": f"http://{host}:{port}/waitlist/{slug}/"})
        assert status == 303, status
        await asyncio.sleep(0.05)
    return latencies


async def open_streams(host, port, slug, count: int) -> list[Stream]:
    streams = [Stream(cookies={}) for _ in range(count)]
    for stream in streams:
        stream.task = asyncio.create_task(stream.run(host, port, f"/waitlist/{slug}/events"))
    assert await wait_for(lambda: all(s.opened.is_set() for s in streams), 300), "streams did not open"
    await asyncio.sleep(2)
    return streams


def cpu_per_change(place, pid: int, offset: int) -> float:
    """A party joins, then leaves, and so on: the line (and so the estimate's cost) stays
    as long as it was, whatever the number of streams."""
    from waitlist import queue

    started = cpu_seconds(pid)
    for n in range(CHANGES // 2):
        party = queue.join(restaurant=place, name=f"Change {n}", size=2, preference="table",
                           diner=f"c-{offset}-{n}", request_id=f"change-{offset}-{n}").party_id
        time.sleep(SPACING)
        queue.leave(restaurant=place, party_id=party)
        time.sleep(SPACING)
    return (cpu_seconds(pid) - started) / CHANGES


def run() -> list[Result]:
    from asgiref.sync import sync_to_async

    from tests.support.redis_servers import AppServer

    from . import fixtures

    place = fixtures.restaurant(slug="public", tables=20, counter=0)
    server = AppServer(LOG_LEVEL="WARNING", ACCESS_LOG_LEVEL="WARNING", PUBLIC_STREAMS_PER_ADDRESS="0",
                       PUBLIC_STREAM_IDLE_SECONDS="0").start()
    host, port, pid = "127.0.0.1", server.port, server.process.pid
    try:
        async def main():
            alone = await join_latencies(host, port, place.slug, 0)
            one = await open_streams(host, port, place.slug, 1)
            cpu_one = await sync_to_async(cpu_per_change, thread_sensitive=False)(place, pid, 1)
            crowd = one + await open_streams(host, port, place.slug, STREAMS - 1)
            crowded = await join_latencies(host, port, place.slug, JOINS)
            cpu_many = await sync_to_async(cpu_per_change, thread_sensitive=False)(place, pid, 2)
            errors = sum(s.errors for s in crowd)
            for stream in crowd:
                stream.closed = True
                stream.task.cancel()
            return alone, crowded, cpu_one, cpu_many, errors

        alone, crowded, cpu_one, cpu_many, errors = asyncio.run(main())
    finally:
        server.stop()
    p50_alone, p50_crowded = statistics.median(alone), statistics.median(crowded)
    return [
        Result(f"join latency, {STREAMS} public streams open / none", p50_crowded / p50_alone, target=1.5,
               raw={"p50_none_ms": p50_alone * 1000, "p50_crowded_ms": p50_crowded * 1000, "stream_errors": errors}),
        Result(f"server CPU per change, {STREAMS} public streams / 1", cpu_many / cpu_one, target=3,
               raw={"cpu_ms_one": cpu_one * 1000, "cpu_ms_many": cpu_many * 1000, "changes": CHANGES}),
    ]
