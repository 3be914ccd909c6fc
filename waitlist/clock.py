"""The one clock of the live queue. Scripts take the time as an argument, so tests and the
simulator pass their own ``now_ms`` instead of patching anything."""

import time

from domain.durations import SECOND_MS


def now_ms() -> int:
    return int(time.time() * SECOND_MS)


def resolve(now: int | None) -> int:
    """The given time, or the real clock when none is given."""
    return now_ms() if now is None else int(now)
