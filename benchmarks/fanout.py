"""One queue change with 5,000 diners connected: how long until the LAST diner has its new
position, against one plain broadcast (the host's message: the same bytes to everyone, no
rendering) to the same 5,000 connections on the same server.

Load generator: benchmarks/sse_client.py (asyncio, raw sockets), one process.
"""

import asyncio
import statistics
import time

from .harness import Result
from .sse_client import Stream, request, wait_for

DINERS = 5000
ROUNDS = 5


async def open_diners(host: str, port: int, slug: str, tokens: list[str]) -> list[Stream]:
    semaphore = asyncio.Semaphore(50)

    async def session_for(token: str) -> dict:
        async with semaphore:
            status, cookies, _ = await request(host, port, "GET", f"/waitlist/{slug}/p/{token}/")
            assert status == 303, status
            return cookies

    cookies = await asyncio.gather(*(session_for(token) for token in tokens))
    streams = [Stream(cookies=c) for c in cookies]
    for stream in streams:
        # Keep the task: the event loop holds tasks only weakly, and a collected task
        # closes its connection.
        stream.task = asyncio.create_task(stream.run(host, port, f"/waitlist/{slug}/events"))
    assert await wait_for(lambda: all(s.opened.is_set() for s in streams), 300), "streams did not open"
    return streams


async def measure(place, streams: list[Stream], rounds: int) -> tuple[list[float], list[float]]:
    from asgiref.sync import sync_to_async

    from waitlist import queue
    from waitlist.presenters import render_notice

    broadcast, change, first = [], [], []
    for number in range(rounds):
        text = f"Broadcast {number}"
        html = render_notice(text)
        started = time.perf_counter()
        await sync_to_async(queue.announce)(restaurant=place, text=text, html=html)
        marker = text.encode()
        reached = await wait_for(lambda: all(s.notices and marker in s.notices[-1][1] for s in streams), 60)
        assert reached, "broadcast reached %d of %d" % (
            sum(1 for s in streams if s.notices and marker in s.notices[-1][1]), len(streams))
        broadcast.append(max(s.notices[-1][0] for s in streams) - started)
        await asyncio.sleep(0.3)

        head = await sync_to_async(queue.snapshot)(restaurant=place)
        leaver = head.waiting[0].id
        remaining = [s for s in streams if s.position and s.position > 1]
        expected = {id(s): s.position - 1 for s in remaining}
        started = time.perf_counter()
        await sync_to_async(queue.leave)(restaurant=place, party_id=leaver)
        moved = await wait_for(lambda: all(s.position == expected[id(s)] for s in remaining), 60)
        assert moved, "%d of %d diners got their new position" % (
            sum(1 for s in remaining if s.position == expected[id(s)]), len(remaining))
        # When each diner's place changed (a later estimate redrawing it does not count).
        change.append(max(s.moved_at for s in remaining) - started)
        first.append(min(s.moved_at for s in remaining) - started)
        streams[:] = remaining
        await asyncio.sleep(0.3)
    return broadcast, change, first


def run() -> list[Result]:
    from tests.support.redis_servers import AppServer
    from waitlist import queue
    from waitlist.hub import raise_fd_limit

    raise_fd_limit()  # this process holds the 5,000 client ends
    from . import fixtures

    place = fixtures.restaurant(slug="fanout", tables=20, counter=0, max_party_size=6)
    tokens = [queue.join(restaurant=place, name=f"Diner {n}", size=2, preference="table", diner=f"fan-{n}",
                         request_id=f"fan-request-{n}").token for n in range(DINERS)]
    server = AppServer(LOG_LEVEL="WARNING", ACCESS_LOG_LEVEL="WARNING").start()
    try:
        async def main():
            streams = await open_diners("127.0.0.1", server.port, place.slug, tokens)
            await asyncio.sleep(1)
            result = await measure(place, streams, ROUNDS)
            errors = sum(s.errors for s in streams)
            for s in streams:
                s.closed = True
            return result, errors

        (broadcast, change, first), errors = asyncio.run(main())
    finally:
        server.stop()
    ratio = statistics.median(change) / statistics.median(broadcast)
    return [Result(f"one change to {DINERS} diners / one plain broadcast", ratio, target=1.5, raw={
        "change_ms": statistics.median(change) * 1000,
        "first_diner_ms": statistics.median(first) * 1000, "broadcast_ms": statistics.median(broadcast) * 1000,
        "rounds": ROUNDS, "stream_errors": errors,
    }, note="time until the last diner has it; load generator: asyncio raw sockets")]
