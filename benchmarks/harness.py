"""What every benchmark shares: servers to measure against, and the result table.

Benchmarks measure side by side in one run and report ratios (these machines are noisy, so
absolute times are printed for information only). ``python -m benchmarks`` exits non-zero
when a target is missed.
"""

import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    name: str
    value: float
    target: float | None = None
    at_most: bool = True  # the value must be <= target (else >=)
    unit: str = ""
    raw: dict = field(default_factory=dict)
    note: str = ""

    @property
    def ok(self) -> bool:
        if self.target is None:
            return True
        return self.value <= self.target if self.at_most else self.value >= self.target

    def target_text(self) -> str:
        if self.target is None:
            return "(info)"
        return f"{'<=' if self.at_most else '>='} {self.target:g}{self.unit}"


def print_table(results: list[Result]) -> None:
    width = max(len(r.name) for r in results) + 2
    print()
    print(f"{'benchmark'.ljust(width)}{'value':>12}  {'target':<12} ok")
    print("-" * (width + 32))
    for r in results:
        value = f"{r.value:.3g}{r.unit}" if isinstance(r.value, float) else f"{r.value}{r.unit}"
        print(f"{r.name.ljust(width)}{value:>12}  {r.target_text():<12} {'yes' if r.ok else 'NO'}")
    print()
    for r in results:
        if r.raw or r.note:
            details = ", ".join(f"{k}={_fmt(v)}" for k, v in r.raw.items())
            print(f"  {r.name}: {details}{' | ' + r.note if r.note else ''}")
    print()


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def median_time(fn, repeat: int = 200, warmup: int = 20) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def interleaved(fns: dict, repeat: int = 400, warmup: int = 30) -> dict:
    """Median time of each function, sampled in turn so that drift in machine load (other
    processes, CPU frequency) hits every contender alike."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    samples = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            started = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}


class Environment:
    """A throwaway database and an embedded Valkey, with Django set up against them."""

    current: "Environment | None" = None  # the one a benchmark runs in

    def __init__(self, appendfsync: str = "everysec"):
        self.dir = Path(tempfile.mkdtemp(prefix="waitlist-bench-"))
        self.valkey = None
        self.appendfsync = appendfsync

    def __enter__(self):
        sys.path.insert(0, str(ROOT))
        from waitlist import embedded_valkey

        if not os.environ.get("REDIS_URL"):
            self.valkey = embedded_valkey.start(self.dir / "valkey")
            os.environ["REDIS_URL"] = self.valkey.url
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{self.dir / 'bench.sqlite3'}")
        os.environ.setdefault("DEBUG", "1")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        os.environ["VAR_DIR"] = str(self.dir / "var")
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        os.environ.setdefault("ACCESS_LOG_LEVEL", "WARNING")
        os.environ.setdefault("JOIN_RATE_LIMIT", "0")
        os.environ.setdefault("JOIN_BROWSER_LIMIT", "0")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        Environment.current = self
        return self

    @contextlib.contextmanager
    def server_core(self):
        """Yields the environment for an app server that gets the first CPU to itself
        (WEB_CPUS, as in production: one pinned process per core), while this process (the
        load generator) and the embedded Valkey keep to the others; affinities are restored
        after. Yields {} on a single-CPU machine."""
        cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        if len(cpus) < 2:
            yield {}
            return
        import redis

        from config.tuning import pin_process

        others = set(cpus[1:])
        pids = [os.getpid()]
        if self.valkey is not None:
            pids.append(int(redis.Redis.from_url(os.environ["REDIS_URL"]).info("server")["process_id"]))
        before = {pid: os.sched_getaffinity(pid) for pid in pids}
        for pid in pids:
            pin_process(others, pid)
        try:
            yield {"WEB_CPUS": str(cpus[0])}
        finally:
            for pid, allowed in before.items():
                pin_process(allowed, pid)

    def __exit__(self, *exc):
        if self.valkey is not None:
            self.valkey.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def env(self) -> dict:
        return dict(os.environ)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) process ``pid`` has used so far, in clock ticks' resolution
    (1/100 s here: measure over enough work that a tick is noise)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
