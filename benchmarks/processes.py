"""What one change costs Valkey when three server processes hold the restaurant's streams:
20 diners waiting, their pages open, spread over 3 daphne processes on loopback (through
HAProxy with docker-compose's configuration when the haproxy package is installed), then
changes one at a time (a party joins at the end, then leaves: the line stays 20 long).

Valkey's own CPU (INFO cpu: used_cpu_sys + used_cpu_user) over the changes, less what it
spends idle with the same streams open over as long, divided by the changes; with the
scripts it ran and the bytes it sent per change; the three app processes' CPU per change
(utime + stime, idle subtracted the same way); and, before any stream opens, one change's
and one snapshot's Valkey CPU on their own. docs/scaling.md builds on these numbers.
"""

import asyncio
import contextlib
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from .fanout import open_diners
from .harness import ROOT, Result, cpu_seconds

PROCESSES = 3
WAITING = 20
CHANGES = 60
# Longer than the bus's coalescing interval (waitlist/bus.py, MIN_REFRESH_SECONDS): every
# change is rebuilt on its own, the most a change can cost.
INTERVAL_SECONDS = 0.35


@contextlib.contextmanager
def balancer(servers):
    """HAProxy from the system's packages in front of ``servers``, with docker-compose's
    configuration (deploy/haproxy.cfg) but for the servers' loopback ports instead of
    Docker's DNS. Yields its port, or None when haproxy is not installed."""
    from tests.support.redis_servers import die_with_parent, free_port, wait_until

    binary = shutil.which("haproxy")
    if binary is None:
        yield None
        return
    port = free_port()
    lines = []
    for line in (ROOT / "deploy" / "haproxy.cfg").read_text().splitlines():
        if line.startswith("resolvers") or "nameserver" in line or line.strip().startswith("hold "):
            continue
        if "server-template" in line:
            lines += [f"    server app{n} 127.0.0.1:{server.port} check inter 5s" for n, server in enumerate(servers)]
            continue
        lines.append(line.replace("maxconn 100000", "maxconn 4000").replace("bind :8000", f"bind 127.0.0.1:{port}"))
    config = Path(tempfile.mkdtemp(prefix="waitlist-haproxy-")) / "haproxy.cfg"
    config.write_text("\n".join(lines) + "\n")
    process = subprocess.Popen([binary, "-db", "-f", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, preexec_fn=die_with_parent)
    try:
        wait_until(lambda: socket.create_connection(("127.0.0.1", port), 0.2).close() or True, 10, what="haproxy")
        yield port
    finally:
        process.terminate()
        process.wait(5)
        shutil.rmtree(config.parent, ignore_errors=True)


def _app_cpu(servers) -> float:
    return sum(cpu_seconds(server.process.pid) for server in servers)


def _valkey() -> dict:
    from waitlist.redis_client import get_redis

    client = get_redis()
    cpu, stats = client.info("cpu"), client.info("stats")
    scripts = client.info("commandstats")
    return {
        "cpu_s": float(cpu["used_cpu_sys"]) + float(cpu["used_cpu_user"]),
        "scripts": sum(int(v["calls"]) for k, v in scripts.items() if k.startswith("cmdstat_evalsha")),
        "commands": sum(int(v["calls"]) for v in scripts.values()),
        "out_bytes": int(stats["total_net_output_bytes"]),
        "in_bytes": int(stats["total_net_input_bytes"]),
    }


def _delta(after: dict, before: dict) -> dict:
    return {key: after[key] - before.get(key, 0) for key in after}


def _alone(place, repeat: int = 300) -> dict:
    """The parts on their own, no stream open anywhere: Valkey CPU of one change (its
    script and its PUBLISH to no one) and of one snapshot of the 20-long line."""
    from waitlist import queue

    started = _valkey()
    for number in range(repeat):
        joined = queue.join(restaurant=place, name=f"Alone {number}", size=2, preference="table",
                            diner=f"alone-{number}", request_id=f"alone-request-{number}", source="host")
        queue.leave(restaurant=place, party_id=joined.party_id)
    change = _delta(_valkey(), started)["cpu_s"] / (2 * repeat)
    started = _valkey()
    for _ in range(repeat):
        queue.snapshot(restaurant=place)
    snapshot = _delta(_valkey(), started)["cpu_s"] / repeat
    return {"change_alone_us": change * 1e6, "snapshot_alone_us": snapshot * 1e6}


def run() -> list[Result]:
    from tests.support.redis_servers import AppServer
    from waitlist import queue

    from . import fixtures

    place = fixtures.restaurant(slug="processes", tables=20, counter=0, max_party_size=6)
    tokens = [queue.join(restaurant=place, name=f"Diner {n}", size=2, preference="table", diner=f"proc-{n}",
                         request_id=f"proc-request-{n}").token for n in range(WAITING)]
    alone = _alone(place)
    servers = [AppServer(LOG_LEVEL="WARNING", ACCESS_LOG_LEVEL="WARNING").start() for _ in range(PROCESSES)]
    try:
        async def main(through: int | None):
            if through:  # the pages open through the balancer, which spreads them
                streams = await open_diners("127.0.0.1", through, place.slug, tokens)
            else:
                groups = await asyncio.gather(*(open_diners("127.0.0.1", server.port, place.slug,
                                                            tokens[i::PROCESSES]) for i, server in enumerate(servers)))
                streams = [stream for group in groups for stream in group]
            await asyncio.sleep(2)  # first views built, estimates done
            seconds = CHANGES * INTERVAL_SECONDS + 1.5
            started, app_started = _valkey(), _app_cpu(servers)
            await asyncio.sleep(seconds)
            idle = _delta(_valkey(), started)
            idle["app_cpu_s"] = _app_cpu(servers) - app_started
            started, app_started = _valkey(), _app_cpu(servers)
            for number in range(CHANGES // 2):
                joined = await asyncio.to_thread(
                    queue.join, restaurant=place, name=f"Walk-in {number}", size=2, preference="table",
                    diner=f"walk-{number}", request_id=f"walk-request-{number}", source="host")
                await asyncio.sleep(INTERVAL_SECONDS)
                await asyncio.to_thread(queue.leave, restaurant=place, party_id=joined.party_id)
                await asyncio.sleep(INTERVAL_SECONDS)
            await asyncio.sleep(1.5)  # the last change's rebuilds and estimates
            busy = _delta(_valkey(), started)
            busy["app_cpu_s"] = _app_cpu(servers) - app_started
            errors = sum(stream.errors for stream in streams)
            for stream in streams:
                stream.closed = True
            return idle, busy, errors

        with balancer(servers) as through:
            idle, busy, errors = asyncio.run(main(through))
    finally:
        for server in servers:
            server.stop()
    per_change = {key: (busy[key] - idle.get(key, 0)) / CHANGES for key in busy}
    cpu_us = per_change["cpu_s"] * 1e6
    return [Result(f"Valkey CPU per change, {PROCESSES} processes, {WAITING} waiting", cpu_us, unit="us", raw={
        "app_cpu_ms_per_change": per_change["app_cpu_s"] * 1e3, "scripts_per_change": per_change["scripts"], "commands_per_change": per_change["commands"],
        "bytes_out_per_change": per_change["out_bytes"], "bytes_in_per_change": per_change["in_bytes"],
        "idle_cpu_ms_per_s": idle["cpu_s"] * 1e3 / (CHANGES * INTERVAL_SECONDS + 1.5),
        "changes": CHANGES, "stream_errors": errors, **alone,
    }, note="used_cpu_sys+user, idle subtracted; pages opened "
            + ("through HAProxy (deploy/haproxy.cfg)" if through else "on each process directly (no haproxy installed)"))]
