"""The reading side of each restaurant's outbox (the stream the Lua scripts write messages
to, in the same step as the change that causes them).

Delivery workers read it as one Redis consumer group, so each message goes to one worker;
a message a worker claimed and did not finish (it died, or Redis went away) is claimed
again by any worker once it has been idle CLAIM_IDLE_MS. What was sent on each channel is
recorded by delivery.lua, so a message claimed again skips the channels that already took
it: a message is sent twice only when a worker dies between a provider accepting it and
that record (docs/notifications.md).
"""

from dataclasses import dataclass

import redis

from .keys import keys_for
from .lua_scripts import run
from .redis_client import get_redis

GROUP = "notifier"


@dataclass(frozen=True, slots=True)
class Message:
    restaurant_id: int
    entry_id: str
    kind: str
    party_id: int
    at_ms: int
    fields: dict
    attempts: int = 1  # deliveries of this entry to a worker, this one included


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _message(restaurant_id: int, entry_id, raw: dict, attempts: int = 1) -> Message:
    fields = {_text(k): _text(v) for k, v in raw.items()}
    return Message(restaurant_id=restaurant_id, entry_id=_text(entry_id), kind=fields.pop("k", ""),
                   party_id=int(fields.pop("p", 0) or 0), at_ms=int(fields.pop("at", 0) or 0), fields=fields,
                   attempts=attempts)


def ensure_group(restaurant_id: int) -> None:
    """The consumer group, reading from the stream's start (messages queued before any
    worker ran are sent too)."""
    try:
        get_redis().xgroup_create(keys_for(restaurant_id).outbox, GROUP, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def read_new(restaurant_id: int, consumer: str, count: int = 100) -> list[Message]:
    """Messages no worker has claimed yet, claimed now by ``consumer``."""
    key = keys_for(restaurant_id).outbox
    try:
        reply = get_redis().xreadgroup(GROUP, consumer, {key: ">"}, count=count)
    except redis.ResponseError as exc:
        if "NOGROUP" not in str(exc):
            raise
        ensure_group(restaurant_id)
        reply = get_redis().xreadgroup(GROUP, consumer, {key: ">"}, count=count)
    return [_message(restaurant_id, entry_id, raw) for _, entries in reply or () for entry_id, raw in entries
            if raw is not None]


def claim_stale(restaurant_id: int, consumer: str, idle_ms: int, count: int = 100) -> list[Message]:
    """Messages claimed by a worker but idle for ``idle_ms`` (that worker died or gave up
    for now), claimed now by ``consumer``."""
    r = get_redis()
    key = keys_for(restaurant_id).outbox
    try:
        _, entries, _ = r.xautoclaim(key, GROUP, consumer, min_idle_time=idle_ms, start_id="0-0", count=count)
    except redis.ResponseError as exc:
        if "NOGROUP" in str(exc):
            return []
        raise
    if not entries:
        return []
    counts = {_text(item["message_id"]): item["times_delivered"]
              for item in r.xpending_range(key, GROUP, min="-", max="+", count=max(count, len(entries)),
                                           consumername=consumer)}
    return [_message(restaurant_id, entry_id, raw, counts.get(_text(entry_id), 1)) for entry_id, raw in entries
            if raw is not None]


def sent(message: Message) -> dict[str, str]:
    """What was recorded per channel for this message: channel -> "sending:..." or "done:..."."""
    key = keys_for(message.restaurant_id).sent
    names = [f"{message.entry_id}:{channel}" for channel in "pse"]
    values = get_redis().hmget(key, names)
    return {name[-1]: _text(value) for name, value in zip(names, values, strict=True) if value is not None}


def record(message: Message, *, channel: str, outcome: str, detail: str = "", finished: bool = False) -> str:
    """Record ``outcome`` (sending, done, failed) on ``channel``; with ``finished`` the message
    is acknowledged and removed. Returns the party's message state."""
    return run("delivery", restaurant_id=message.restaurant_id, now_ms=0,
               args=[message.entry_id, channel, outcome, detail[:200], message.party_id, "1" if finished else "0",
                     GROUP])["ms"]


def pending_count(restaurant_id: int) -> int:
    """Messages queued or claimed and not yet finished."""
    try:
        return get_redis().xlen(keys_for(restaurant_id).outbox)
    except redis.ResponseError:
        return 0
