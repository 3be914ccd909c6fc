"""Join throughput over HTTP on daphne, against a bare Django POST view on the same server.

Both sides: the same daphne process, the same middleware, the same load generator
(benchmarks/sse_client.py: asyncio, keep-alive connections, CONCURRENCY workers). A join is
a real diner's POST: its own session cookie, a CSRF token and a fresh request id, fetched
beforehand (the GET is not timed). The two are measured in alternating rounds so that
drift in machine load hits both alike.
"""

import asyncio
import re
import statistics
import time

from .harness import Result
from .sse_client import Connection, request

CONCURRENCY = 16
PER_ROUND = 150
ROUNDS = 4
REQUEST_ID = re.compile(rb'name="request_id" value="([^"]+)"')


async def prepare(host: str, port: int, slug: str, count: int) -> list[tuple[dict, str]]:
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one() -> tuple[dict, str]:
        async with semaphore:
            status, cookies, body = await request(host, port, "GET", f"/waitlist/{slug}/")
            assert status == 200, status
            return cookies, REQUEST_ID.search(body).group(1).decode()

    return await asyncio.gather(*(one() for _ in range(count)))


async def timed(host: str, port: int, jobs: list) -> float:
    """Run ``jobs`` (method, path, cookies, form, headers) on CONCURRENCY connections;
    returns requests per second. Every answer must be the expected status."""
    pending = list(jobs)

    async def worker():
        connection = Connection(host, port)
        while pending:
            method, path, cookies, form, headers, expected = pending.pop()
            status = await connection.send(method, path, cookies=cookies, form=form, headers=headers)
            assert status == expected, (path, status)
        connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return len(jobs) / (time.perf_counter() - started)


def run() -> list[Result]:
    from tests.redis_servers import AppServer

    from . import fixtures

    place = fixtures.restaurant(slug="joins", tables=20, counter=6, max_party_size=6)
    server = AppServer(LOG_LEVEL="WARNING", ACCESS_LOG_LEVEL="WARNING", BENCHMARK_ENDPOINTS="1").start()
    host, port = "127.0.0.1", server.port
    try:
        async def main():
            diners = await prepare(host, port, place.slug, PER_ROUND * ROUNDS)
            bare_rates, join_rates = [], []
            for number in range(ROUNDS):
                bare = [("POST", "/bench/bare", None, {"x": "1"}, None, 200) for _ in range(PER_ROUND)]
                bare_rates.append(await timed(host, port, bare))
                joins = []
                for cookies, request_id in diners[number * PER_ROUND:(number + 1) * PER_ROUND]:
                    form = {"csrfmiddlewaretoken": cookies["csrftoken"], "name": "Bench Party", "size": "2",
                            "preference": "table", "request_id": request_id}
                    joins.append(("POST", f"/waitlist/{place.slug}/join", cookies, form, None, 303))
                join_rates.append(await timed(host, port, joins))
            return bare_rates, join_rates

        bare_rates, join_rates = asyncio.run(main())
    finally:
        server.stop()
    bare, join = statistics.median(bare_rates), statistics.median(join_rates)
    return [Result("join over HTTP / bare Django POST (throughput)", join / bare, target=0.7, at_most=False,
                   raw={"join_per_s": join, "bare_per_s": bare, "concurrency": CONCURRENCY,
                        "requests": PER_ROUND * ROUNDS * 2},
                   note="daphne, one process; load generator: asyncio keep-alive connections")]
