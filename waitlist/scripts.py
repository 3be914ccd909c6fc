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
from redis.exceptions import NoScriptError, ResponseError

from .errors import SCRIPT_ERRORS, NotReplicated, WaitlistError
from .events import BUS, restaurant_channel
from .keys import keys_for
from .redis_client import execute, get_redis

LUA_DIR = Path(__file__).with_name("lua")
READ_ONLY = {"status", "find_token", "find_diner", "snapshot", "summary"}


@cache
def source(name: str) -> tuple[str, str]:
    """The script's full text and its SHA1 (what EVALSHA names it by)."""
    text = (LUA_DIR / "_lib.lua").read_text() + "\n" + (LUA_DIR / f"{name}.lua").read_text()
    return text, hashlib.sha1(text.encode()).hexdigest()


def run(name: str, *, restaurant_id: int, now_ms: int, args: list = (), extra_keys: list = (), client=None):
    """Run script ``name`` for a restaurant and decode its JSON answer.

    Raises the domain error matching the script's error code.
    """
    client = client or get_redis()
    keys = keys_for(restaurant_id)
    keys_and_args = [*keys.script_keys, *extra_keys,
                     keys.party_prefix, BUS, restaurant_channel(restaurant_id), int(now_ms), *args]
    numkeys = len(keys.script_keys) + len(extra_keys)
    acks = 0 if name in READ_ONLY or settings.REDIS_CLUSTER else settings.REDIS_REPLICA_ACKS
    try:
        try:
            raw = _call(client, name, numkeys, keys_and_args, acks)
        except NoScriptError:
            client.script_load(source(name)[0])
            raw = _call(client, name, numkeys, keys_and_args, acks)
    except ResponseError as exc:
        code = str(exc).split(" ", 1)[0]
        error = SCRIPT_ERRORS.get(code)
        if error is None:
            raise
        raise error() from exc
    return json.loads(raw) if isinstance(raw, (str, bytes)) else raw


def _call(client, name: str, numkeys: int, keys_and_args: list, acks: int):
    sha = source(name)[1]
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
