"""Loads the Lua scripts in ``lua/`` and runs them, one round trip per call.

Each script is ``_lib.lua`` followed by the script's own file, so they share one KEYS and
ARGV layout (documented in ``_lib.lua``). A server that does not know a script yet (after
a restart or a failover) answers NOSCRIPT; the script is then loaded and run again.

With ``REDIS_REPLICA_ACKS`` set (Sentinel deployments), a changing script is pipelined with
``WAIT`` in the same round trip, so an operation is only acknowledged once a replica has
it: a failover then cannot lose what a diner was told had happened.
"""

import hashlib
import json
from functools import cache
from pathlib import Path

from django.conf import settings
from redis.exceptions import NoScriptError, RedisError, ResponseError

from .errors import SCRIPT_ERRORS, NotReplicated, WaitlistError
from .events import restaurant_channel
from .keys import keys_for
from .redis_client import execute, get_redis, replica_failed
from .redis_client import replica as get_replica

LUA_DIR = Path(__file__).with_name("lua")
READ_ONLY = {"status", "find_token", "find_diner", "snapshot", "summary"}
# Reads that cost the primary more than the version probe that lets a replica answer them.
PROBED = {"snapshot"}


@cache
def source(name: str) -> tuple[str, str]:
    """The script's full text and its SHA1 (what EVALSHA names it by)."""
    text = (LUA_DIR / "_lib.lua").read_text() + "\n" + (LUA_DIR / f"{name}.lua").read_text()
    return text, hashlib.sha1(text.encode()).hexdigest()


def run(name: str, *, restaurant_id: int, now_ms: int, args: list = (), extra_keys: list = (), client=None,
        on_replica: bool = False):
    """Run script ``name`` for a restaurant and decode its JSON answer (``on_replica``:
    ``client`` is a replica, which runs only read-only scripts).

    Raises the domain error matching the script's error code.
    """
    client = client or get_redis()
    keys = keys_for(restaurant_id)
    keys_and_args = [*keys.script_keys, *extra_keys,
                     keys.party_prefix, keys.bus, restaurant_channel(restaurant_id), int(now_ms), *args]
    numkeys = len(keys.script_keys) + len(extra_keys)
    acks = 0 if name in READ_ONLY or settings.REDIS_CLUSTER else settings.REDIS_REPLICA_ACKS
    try:
        try:
            raw = _call(client, name, numkeys, keys_and_args, acks, on_replica)
        except NoScriptError:
            client.script_load(source(name)[0])
            raw = _call(client, name, numkeys, keys_and_args, acks, on_replica)
    except ResponseError as exc:
        code = str(exc).split(" ", 1)[0]
        error = SCRIPT_ERRORS.get(code)
        if error is None:
            raise
        raise error() from exc
    return json.loads(raw) if isinstance(raw, (str, bytes)) else raw


def read(name: str, *, restaurant_id: int, args: list = (), extra_keys: list = (),
         at_least: int | None = None):
    """Run read-only script ``name`` on a replica that has caught up to version
    ``at_least`` of the restaurant, else on the primary; decode its answer like ``run``.

    Without ``at_least``, a snapshot asks the primary for the current version first (one
    HGET, far cheaper than the snapshot it moves off the primary); other reads, as cheap as
    that question, stay on the primary. An answer older than the version wanted, or a
    party a replica does not know yet, is read again from the primary: nothing older than
    the primary's state when the read began is ever shown. Writes never come here."""
    assert name in READ_ONLY
    replica = get_replica()
    if replica is not None and at_least is None and name in PROBED:
        at_least = int(execute(get_redis(), "HGET", keys_for(restaurant_id).meta, "ver") or 0)
    if replica is None or at_least is None:
        return run(name, restaurant_id=restaurant_id, now_ms=0, args=args, extra_keys=extra_keys)
    try:
        answer = run(name, restaurant_id=restaurant_id, now_ms=0, args=args, extra_keys=extra_keys,
                     client=replica, on_replica=True)
    except RedisError:  # away, still loading, cut off from its primary: the primary answers
        replica_failed(replica)
        answer = None
    if answer is None or int(answer.get("v", -1)) < at_least:
        return run(name, restaurant_id=restaurant_id, now_ms=0, args=args, extra_keys=extra_keys)
    return answer


def _call(client, name: str, numkeys: int, keys_and_args: list, acks: int, on_replica: bool):
    sha = source(name)[1]
    if on_replica:
        # A replica: EVALSHA_RO, which a replica runs even while its replication is paused
        # (a plain EVALSHA may write, and would wait), through redis-py's own pool (the
        # thread's lane in ``execute`` holds one server's connection).
        return client.execute_command("EVALSHA_RO", sha, numkeys, *keys_and_args)
    if not acks:
        return execute(client, "EVALSHA", sha, numkeys, *keys_and_args)
    pipe = client.pipeline(transaction=False)
    pipe.evalsha(sha, numkeys, *keys_and_args)
    pipe.execute_command("WAIT", acks, settings.REDIS_REPLICA_ACK_TIMEOUT_MS)
    raw, replicas = pipe.execute(raise_on_error=False)
    if isinstance(raw, Exception):
        raise raw
    if isinstance(replicas, Exception) or int(replicas) < acks:
        raise NotReplicated()
    return raw


__all__ = ["run", "WaitlistError"]
