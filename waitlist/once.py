"""Doing a request's work once: a host's double click (or a browser's retried POST) carries
the same request id, and gets the first answer back instead of a second offer.

The first request with an id claims it (SET NX); the ones after wait for its answer, kept
for ANSWER_SECONDS. A claim lasts CLAIM_SECONDS only: a server that died while acting
(found by `make chaos`: its claim kept every repeat of the click waiting for five minutes)
lets a repeat act after that. Not live-queue state: a dedupe record beside it, with the
restaurant's hash tag.
"""

import hashlib
import json
import time

from .keys import keys_for
from .redis_client import get_redis

ANSWER_SECONDS = 300
CLAIM_SECONDS = 15  # far longer than any action takes; a claim older than this is a dead server's
WAIT_SECONDS = 5.0
PENDING = b"pending"


def _key(restaurant_id: int, request_key: str) -> str:
    digest = hashlib.sha256(request_key.encode()).hexdigest()[:24]
    return f"{keys_for(restaurant_id).meta.removesuffix(':meta')}:once:{digest}"


def first_answer(restaurant_id: int, request_key: str, work):
    """``work()``'s answer (a JSON-able value), computed by the first request with this key
    only; a repeat returns the first request's answer. While the first runs, a repeat
    waits for it (at most WAIT_SECONDS; then it says so, as None)."""
    r = get_redis()
    key = _key(restaurant_id, request_key)
    if r.set(key, PENDING, nx=True, ex=CLAIM_SECONDS):
        try:
            answer = work()
        except BaseException:
            r.delete(key)  # it did nothing: a retry may do it
            raise
        r.set(key, json.dumps(answer), ex=ANSWER_SECONDS)
        return answer
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        stored = r.get(key)
        if stored is None:  # the first one failed and let go: do it now
            return first_answer(restaurant_id, request_key, work)
        if stored != PENDING:
            return json.loads(stored)
        if time.monotonic() > deadline:
            return None
        time.sleep(0.05)
