"""Durations in milliseconds: the live queue, its scripts and the estimator count time as
integer ms since the epoch, passed in, never read from a clock here."""

from datetime import UTC, datetime

SECOND_MS = 1_000
MINUTE_MS = 60 * SECOND_MS
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS


def to_datetime(ms: int, tz=UTC) -> datetime:
    """The moment ``ms`` milliseconds after the epoch, in ``tz``."""
    return datetime.fromtimestamp(ms / SECOND_MS, tz=tz)


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * SECOND_MS)
