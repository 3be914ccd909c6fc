"""Soak: 1,000 diners hold their SSE streams for 60 s while 20 joins and 20 leaves a second
flow through the web pages. Passes when no stream or request failed, every diner's last
shown place is its true place, the server kept pace with the flow (no more than half a
second of requests still queued at the end), and the server's memory after the soak is
within 20% of what it was after warm-up (the first WARM_SECONDS of the same flow, so that
what the first changes allocate once, such as the estimator's helper and the builds' buffers,
counts as warm-up, not as growth: measured, it plateaus there, 165 MB after 60 s and 180 s).

Load generator: benchmarks/sse_client.py (asyncio, raw sockets), one process. The leaves
remove parties standing among the diners, so every leave moves hundreds of diners up.
"""

import asyncio
import re
import time
from pathlib import Path

from .harness import Result
from .sse_client import Connection, Stream, request, wait_for

DINERS = 1000
FILLERS = 1300  # parties among the diners that leave during the soak
SECONDS = 60
WARM_SECONDS = 10  # of the flow, before the memory baseline; then SECONDS more
PER_SECOND = 20
WORKERS = 8
REQUEST_ID = re.compile(rb'name="request_id" value="([^"]+)"')


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def sessions_for(host, port, slug, tokens, *, with_csrf=False) -> list[dict]:
    """A browser session bound to each party (its personal link); with ``with_csrf``, also
    the CSRF cookie the status page sets, so the browser can post Leave."""
    semaphore = asyncio.Semaphore(32)

    async def one(token):
        async with semaphore:
            status, cookies, _ = await request(host, port, "GET", f"/waitlist/{slug}/p/{token}/")
            assert status == 303, status
            if with_csrf:
                status, more, _ = await request(host, port, "GET", f"/waitlist/{slug}/", cookies=cookies)
                assert status == 200, status
                cookies = {**cookies, **more}
            return cookies

    return await asyncio.gather(*(one(t) for t in tokens))


async def soak(host, port, slug, filler_cookies: list[dict], pid: int) -> dict:
    """20 joins and 20 leaves a second, from WORKERS keep-alive connections (a browser keeps
    its connection too). Joins are new browsers (their own session and CSRF cookie); leaves
    are the fillers first, then the soak's own joiners, in join order."""
    errors = {"requests": 0}
    leavers = list(filler_cookies)
    joiners: list[dict] = []
    jobs: asyncio.Queue = asyncio.Queue()

    async def join(connection: Connection) -> None:
        status = await connection.send("GET", f"/waitlist/{slug}/")
        cookies = dict(connection.cookies)
        match = REQUEST_ID.search(connection.body)
        answer = await connection.send("POST", f"/waitlist/{slug}/join", cookies=cookies, form={
            "csrfmiddlewaretoken": cookies.get("csrftoken", ""), "name": "Soak", "size": "2",
            "preference": "table", "request_id": match.group(1).decode() if match else ""})
        if status != 200 or answer != 303:
            errors["requests"] += 1
        else:
            joiners.append(cookies)

    async def leave(connection: Connection, cookies: dict) -> None:
        answer = await connection.send("POST", f"/waitlist/{slug}/leave", cookies=cookies,
                                       form={"csrfmiddlewaretoken": cookies.get("csrftoken", ""), "confirm": "yes"})
        if answer != 303:
            errors["requests"] += 1

    async def worker() -> None:
        connection = Connection(host, port)
        while (job := await jobs.get()) is not None:
            try:
                await (join(connection) if job == "join" else leave(connection, job))
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors["requests"] += 1
                connection.close()
        connection.close()

    workers = [asyncio.create_task(worker()) for _ in range(WORKERS)]
    started = time.perf_counter()
    warm_ticks, rss_warm = WARM_SECONDS * PER_SECOND, None
    for tick in range(warm_ticks + SECONDS * PER_SECOND):
        if tick == warm_ticks:
            rss_warm = rss_kb(pid)
        await jobs.put("join")
        if not leavers:
            leavers.extend(joiners)
            joiners.clear()
        if leavers:
            await jobs.put(leavers.pop(0))
        await asyncio.sleep(max(0.0, started + (tick + 1) / PER_SECOND - time.perf_counter()))
    behind = jobs.qsize()
    for _ in workers:
        await jobs.put(None)
    await asyncio.gather(*workers)
    return {"errors": errors, "elapsed": time.perf_counter() - started, "backlog_at_end": behind,
            "rss_warm": rss_warm}


def run() -> list[Result]:
    from asgiref.sync import sync_to_async

    from tests.support.redis_servers import AppServer
    from waitlist import queue

    from . import fixtures

    place = fixtures.restaurant(slug="soak", tables=20, counter=0, max_party_size=6)
    diner_tokens, filler_tokens = [], []
    for number in range(DINERS + FILLERS):
        # One diner, then a party that will leave, ...: every leave moves diners up.
        token = queue.join(restaurant=place, name=f"P{number}", size=2, preference="table",
                           diner=f"soak-{number}", request_id=f"soak-request-{number}").token
        is_diner = len(diner_tokens) < DINERS and (number % 2 == 0 or len(filler_tokens) >= FILLERS)
        (diner_tokens if is_diner else filler_tokens).append(token)
    server = AppServer(LOG_LEVEL="WARNING", ACCESS_LOG_LEVEL="WARNING").start()
    host, port, pid = "127.0.0.1", server.port, server.process.pid
    try:
        async def main():
            diner_cookies = await sessions_for(host, port, place.slug, diner_tokens)
            filler_cookies = await sessions_for(host, port, place.slug, filler_tokens, with_csrf=True)
            streams = [Stream(cookies=c) for c in diner_cookies]
            for stream in streams:
                stream.task = asyncio.create_task(stream.run(host, port, f"/waitlist/{place.slug}/events"))
            assert await wait_for(lambda: all(s.opened.is_set() for s in streams), 300), "streams did not open"
            await asyncio.sleep(10)
            outcome = await soak(host, port, place.slug, filler_cookies, pid)
            rss_warm = outcome["rss_warm"]
            # Let the last changes reach everyone, then compare with the truth.
            snapshot = await sync_to_async(queue.snapshot)(restaurant=place)
            truth = {p.id: index + 1 for index, p in enumerate(snapshot.waiting)}
            ids = {}
            for token, stream in zip(diner_tokens, streams):
                party = await sync_to_async(queue.find_by_token)(restaurant=place, token=token)
                ids[id(stream)] = truth[party.id]
            settled = await wait_for(lambda: all(s.position == ids[id(s)] for s in streams), 30)
            wrong = sum(1 for s in streams if s.position != ids[id(s)])
            await asyncio.sleep(5)
            rss_after = rss_kb(pid)
            stream_errors = sum(s.errors for s in streams)
            for stream in streams:
                stream.closed = True
            return outcome, rss_warm, rss_after, wrong, stream_errors, settled

        outcome, rss_warm, rss_after, wrong, stream_errors, settled = asyncio.run(main())
    finally:
        server.stop()
    errors = outcome["errors"]["requests"] + stream_errors + wrong + (0 if settled else 1)
    raw = {"rss_warm_mb": rss_warm / 1024, "rss_after_mb": rss_after / 1024, "wrong_positions": wrong,
           "stream_errors": stream_errors, "request_errors": outcome["errors"]["requests"],
           "seconds": round(outcome["elapsed"], 1), "requests_queued_at_end": outcome["backlog_at_end"]}
    return [
        Result(f"soak {SECONDS}s, {DINERS} streams, {PER_SECOND}+{PER_SECOND}/s: errors", float(errors), target=0,
               raw=raw, note="load generator: asyncio raw sockets"),
        Result("soak: server memory after / after warm-up", rss_after / max(rss_warm, 1), target=1.2),
        # The flow must really be 20 + 20 a second: a server that falls behind would leave
        # requests waiting in the load generator's queue and stretch the soak.
        Result("soak: requests still queued at the end (flow kept pace)", float(outcome["backlog_at_end"]),
               target=float(PER_SECOND), raw={"seconds": round(outcome["elapsed"], 1)}),
    ]
