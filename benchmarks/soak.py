"""Soak: 1,000 diners hold their SSE streams for 60 s while 20 joins and 20 leaves a second
flow through the web pages. Passes when no stream or request failed, every diner's last
shown place is its true place, and the server's memory after the soak is within 20% of
what it was after warm-up.

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
PER_SECOND = 20
REQUEST_ID = re.compile(rb'name="request_id" value="([^"]+)"')


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def sessions_for(host, port, slug, tokens) -> list[dict]:
    semaphore = asyncio.Semaphore(32)

    async def one(token):
        async with semaphore:
            status, cookies, _ = await request(host, port, "GET", f"/waitlist/{slug}/p/{token}/")
            assert status == 303, status
            return cookies

    return await asyncio.gather(*(one(t) for t in tokens))


async def soak(host, port, slug, filler_cookies: list[dict], pid: int) -> dict:
    errors = {"requests": 0}
    leavers = list(filler_cookies)  # leave in join order: fillers first, then new joiners
    joiners: list[dict] = []

    async def join_one():
        status, cookies, body = await request(host, port, "GET", f"/waitlist/{slug}/")
        match = REQUEST_ID.search(body)
        connection = Connection(host, port)
        try:
            answer = await connection.send("POST", f"/waitlist/{slug}/join", cookies=cookies, form={
                "csrfmiddlewaretoken": cookies.get("csrftoken", ""), "name": "Soak", "size": "2",
                "preference": "table", "request_id": match.group(1).decode() if match else ""})
        finally:
            connection.close()
        if status != 200 or answer != 303:
            errors["requests"] += 1
        else:
            joiners.append(cookies)

    async def leave_one(cookies):
        connection = Connection(host, port)
        try:
            answer = await connection.send("POST", f"/waitlist/{slug}/leave", cookies=cookies,
                                           form={"csrfmiddlewaretoken": cookies.get("csrftoken", ""), "confirm": "yes"})
        finally:
            connection.close()
        if answer != 303:
            errors["requests"] += 1

    tasks = []
    started = time.perf_counter()
    for second in range(SECONDS):
        for _ in range(PER_SECOND):
            tasks.append(asyncio.create_task(join_one()))
            if not leavers:
                leavers.extend(joiners)
                joiners.clear()
            if leavers:
                tasks.append(asyncio.create_task(leave_one(leavers.pop(0))))
            await asyncio.sleep(1 / PER_SECOND)
        lag = time.perf_counter() - started - (second + 1)
        if lag > 5:
            errors["behind_schedule_s"] = round(lag, 1)
    await asyncio.gather(*tasks)
    return {"errors": errors, "elapsed": time.perf_counter() - started, "rss_end_kb": rss_kb(pid)}


def run() -> list[Result]:
    from asgiref.sync import sync_to_async

    from tests.redis_servers import AppServer
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
            filler_cookies = await sessions_for(host, port, place.slug, filler_tokens)
            streams = [Stream(cookies=c) for c in diner_cookies]
            for stream in streams:
                stream.task = asyncio.create_task(stream.run(host, port, f"/waitlist/{place.slug}/events"))
            assert await wait_for(lambda: all(s.opened.is_set() for s in streams), 300), "streams did not open"
            await asyncio.sleep(10)
            rss_warm = rss_kb(pid)
            outcome = await soak(host, port, place.slug, filler_cookies, pid)
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
           "seconds": round(outcome["elapsed"], 1)}
    if "behind_schedule_s" in outcome["errors"]:
        raw["behind_schedule_s"] = outcome["errors"]["behind_schedule_s"]
    return [
        Result(f"soak {SECONDS}s, {DINERS} streams, {PER_SECOND}+{PER_SECOND}/s: errors", float(errors), target=0,
               raw=raw, note="load generator: asyncio raw sockets"),
        Result("soak: server memory after / after warm-up", rss_after / max(rss_warm, 1), target=1.2),
    ]
