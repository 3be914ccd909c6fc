"""Helpers for the live-queue tests (tests/test_live_queue*.py): parties in each state on a
driven clock, and the "nothing was written" witness."""

from contextlib import contextmanager

import pytest

from domain.durations import MINUTE_MS
from tests.support.factories import T0, all_keys
from waitlist import queue
from waitlist.redis_client import get_redis

MIN = MINUTE_MS


def redis_dump() -> dict:
    """Every key on the server with its type and full contents: the "nothing written" witness."""
    r = get_redis()
    keys = sorted(all_keys())
    with r.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.type(key)
        types = pipe.execute()
    readers = {b"hash": "hgetall", b"list": "lrange", b"string": "get", b"zset": "zrange", b"set": "smembers"}
    with r.pipeline(transaction=False) as pipe:
        for key, kind in zip(keys, types):
            args = {b"list": (0, -1), b"zset": (0, -1, False, True)}.get(kind, ())
            getattr(pipe, readers[kind])(key, *args)
        values = pipe.execute()
    return {key: (kind, value) for key, kind, value in zip(keys, types, values)}


@contextmanager
def refused(error):
    """The block raises exactly ``error`` (not a subclass) and leaves Redis untouched."""
    before = redis_dump()
    assert before, "a refusal test needs some state to protect"
    with pytest.raises(error) as info:
        yield info
    assert type(info.value) is error, f"expected {error.__name__}, got {type(info.value).__name__}"
    assert redis_dump() == before


def join(restaurant, name="Ann", *, size=2, pref="table", diner=None, req="r1", now=T0, **kw):
    return queue.join(restaurant=restaurant, name=name, size=size, preference=pref,
                      diner=diner or f"diner-{name}", request_id=req, now_ms=now, **kw)


def seated(restaurant, tables, *labels, name="Ann", size=2, now=T0):
    """A party joined, offered ``labels`` and checked in; returns its id."""
    pid = join(restaurant, name, size=size, now=now).party_id
    queue.offer(restaurant=restaurant, party_id=pid, table_ids=[tables[x] for x in labels], kind="table", now_ms=now)
    queue.check_in(restaurant=restaurant, party_id=pid, now_ms=now + MIN)
    return pid


def status(restaurant, pid):
    return queue.status(restaurant=restaurant, party_id=pid)


def snap(restaurant):
    return queue.snapshot(restaurant=restaurant)

