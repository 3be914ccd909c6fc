"""Workers say they are alive: each pass of the timer worker and of the delivery worker
writes the time here, and /healthz reports how long ago that was (a stale timer worker
means holds do not expire and automatic offers are not made)."""

from .clock import now_ms
from .redis_client import get_redis

WORKERS = ("timers", "notifier")
KEEP_SECONDS = 3600


def _key(name: str) -> str:
    return f"wl:heartbeat:{name}"


def beat(name: str) -> None:
    get_redis().set(_key(name), now_ms(), ex=KEEP_SECONDS)


def ages_seconds() -> dict[str, float | None]:
    """Seconds since each worker's last pass (None: none in the last hour)."""
    r = get_redis()
    now = now_ms()
    ages = {}
    for name in WORKERS:
        seen = r.get(_key(name))
        ages[name] = None if seen is None else max(0.0, (now - int(seen)) / 1000)
    return ages
