"""The one clock of the live queue. Scripts take the time as an argument, so tests and the
simulator pass their own ``now_ms`` instead of patching anything."""

import time


def now_ms() -> int:
    return int(time.time() * 1000)


def resolve(now: int | None) -> int:
    """The given time, or the real clock when none is given."""
    return now_ms() if now is None else int(now)
