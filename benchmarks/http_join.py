"""Join throughput over HTTP on daphne, against a bare Django POST view on the same server.

Both sides: the same daphne process, the same middleware, the same load generator
(benchmarks/sse_client.py: asyncio, keep-alive connections, CONCURRENCY workers). A join is
a real diner's POST: its own session cookie, a CSRF token and a fresh request id, fetched
beforehand (the GET is not timed). The bare view gets the same cookies and token and is
CSRF-checked like any Django POST view; it does nothing else. The two are measured in
alternating rounds so that drift in machine load hits both alike, once the server has
finished the background work the page views set off.

The server runs as in production: its own core (WEB_CPUS, config/tuning.py), the load
generator and Redis on the other. Besides the throughput, the server's CPU time per request
is printed: the steadier number on a noisy machine, and the one the throughput follows.

The joins go to RESTAURANTS restaurants in turn, as on a busy night for a group sharing
the servers: no line grows past about a hundred parties, so the background work a join
sets off (new quotes for the restaurant's line) costs what it costs on a real night,
instead of simulating a line of thousands that no restaurant has.
"""

import asyncio
import re
import statistics
import time

from .harness import Environment, Result, cpu_seconds
from .sse_client import Connection, request

CONCURRENCY = 64
PER_ROUND = 500
ROUNDS = 12
RESTAURANTS = 40
REQUEST_ID = re.compile(rb'name="request_id" value="([^"]+)"')


async def prepare(host: str, port: int, slugs: list[str], count: int) -> list[tuple[str, dict, str]]:
    """``count`` browsers, each having opened the join page of one restaurant (in turn):
    (slug, cookies, request id from the form)."""
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(slug: str) -> tuple[str, dict, str]:
        async with semaphore:
            status, cookies, body = await request(host, port, "GET", f"/waitlist/{slug}/")
            assert status == 200, status
            return slug, cookies, REQUEST_ID.search(body).group(1).decode()

    return await asyncio.gather(*(one(slugs[number % len(slugs)]) for number in range(count)))


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



async def quiet(pid: int, *, below: float = 0.05, longest: float = 30.0) -> None:
    """Wait until the server's background work (the quotes the page views asked for) is
    done: less than ``below`` of a core used over half a second."""
    deadline = time.monotonic() + longest
    while time.monotonic() < deadline:
        used = cpu_seconds(pid)
        await asyncio.sleep(0.5)
        if cpu_seconds(pid) - used < below * 0.5:
            return


def run() -> list[Result]:
    with Environment.current.server_core() as pinned:
        return measure(pinned)


def measure(pinned: dict) -> list[Result]:
    from tests.support.redis_servers import AppServer

    from . import fixtures

    slugs = [fixtures.restaurant(slug=f"joins-{number}", tables=20, counter=6, max_party_size=6).slug
             for number in range(RESTAURANTS)]
    server = AppServer(LOG_LEVEL="WARNING", ACCESS_LOG_LEVEL="WARNING", BENCHMARK_ENDPOINTS="1", **pinned).start()
    host, port = "127.0.0.1", server.port
    try:
        async def main():
            diners = await prepare(host, port, slugs, PER_ROUND * (ROUNDS + 1))
            await quiet(server.process.pid)
            bare_rates, join_rates, bare_cpu, join_cpu = [], [], [], []
            # Round 0 warms up (every pool thread's first database connection, script
            # loading) and is not counted.
            for number in range(ROUNDS + 1):
                # The same browsers, cookies and CSRF token as the joins: only the view differs.
                chunk = diners[number * PER_ROUND:(number + 1) * PER_ROUND]
                bare = [("POST", "/bench/bare", cookies, {"csrfmiddlewaretoken": cookies["csrftoken"], "x": "1"},
                         None, 200) for _, cookies, _ in chunk]
                used = cpu_seconds(server.process.pid)
                bare_rates.append(await timed(host, port, bare))
                bare_cpu.append((cpu_seconds(server.process.pid) - used) / len(bare))
                joins = []
                for slug, cookies, request_id in chunk:
                    form = {"csrfmiddlewaretoken": cookies["csrftoken"], "name": "Bench Party", "size": "2",
                            "preference": "table", "request_id": request_id}
                    joins.append(("POST", f"/waitlist/{slug}/join", cookies, form, None, 303))
                used = cpu_seconds(server.process.pid)
                join_rates.append(await timed(host, port, joins))
                join_cpu.append((cpu_seconds(server.process.pid) - used) / len(joins))
            return bare_rates[1:], join_rates[1:], bare_cpu[1:], join_cpu[1:]

        bare_rates, join_rates, bare_cpu, join_cpu = asyncio.run(main())
    finally:
        server.stop()
    # Each round measures the bare view and then the joins back to back; the median of the
    # rounds' ratios is steadier than a ratio of medians when the machine's load drifts.
    ratio = statistics.median(j / b for j, b in zip(join_rates, bare_rates))
    bare, join = statistics.median(bare_rates), statistics.median(join_rates)
    return [Result("join over HTTP / bare Django POST (throughput)", ratio, target=0.7, at_most=False,
                   raw={"join_per_s": join, "bare_per_s": bare,
                        "server_cpu_us_per_join": statistics.median(join_cpu) * 1e6,
                        "server_cpu_us_per_bare": statistics.median(bare_cpu) * 1e6,
                        "concurrency": CONCURRENCY, "restaurants": RESTAURANTS,
                        "requests": PER_ROUND * ROUNDS * 2,
                        "round_ratios": " ".join(f"{j / b:.2f}" for j, b in zip(join_rates, bare_rates)),
                        "rounds": " ".join(f"{b:.0f}/{j:.0f}" for j, b in zip(join_rates, bare_rates))},
                   note="daphne, one process pinned to its own core (WEB_CPUS); load generator: asyncio "
                        "keep-alive connections on the other core(s)")]
