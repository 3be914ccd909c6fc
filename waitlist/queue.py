"""The live queue: every read and change of a restaurant's waitlist and table states.

Each operation is one Lua script and one Redis round trip; the time is passed in (default:
the real clock), so tests and the simulator drive their own. Functions take keyword
arguments, return dataclasses from ``waitlist.types`` and raise ``waitlist.errors``.
"""

import base64
import hashlib
import itertools
import json
import os

from django.conf import settings
from django.utils.translation import gettext as _

from restaurants.layout import layout_for
from restaurants.models import Preference, Restaurant

from . import scripts
from .clock import resolve as _now
from .errors import PartyTooLarge, RestaurantClosed, UnknownParty, WaitlistError
from .keys import keys_for
from .redis_client import get_redis
from .types import Change, FiredTimer, JoinResult, Party, Snapshot, Summary, TableState, TimerRun, _ids, _int

NAME_MAX = 60
MINUTE_MS = 60_000


def _ttl_ms() -> int:
    return settings.ENDED_PARTY_TTL * 1000


class _Tokens:
    """Unguessable tokens without a system call each: keyed BLAKE2b of a counter (a
    pseudorandom function under a 256-bit key drawn from the OS once per process, the
    construction of a counter-mode random generator). os.urandom would release the GIL for
    its getrandom() call, and on a busy server every release hands the GIL to another
    thread and back, on the join path (benchmarks/http_join.py)."""

    def __init__(self):
        self.reseed()
        os.register_at_fork(after_in_child=self.reseed)  # a forked child must not repeat its parent's

    def reseed(self) -> None:
        self.key = os.urandom(32)
        self.counter = itertools.count()  # next() is atomic under the GIL: no two threads share a value

    def new(self) -> str:
        block = hashlib.blake2b(next(self.counter).to_bytes(16, "big"), key=self.key, digest_size=16).digest()
        return base64.urlsafe_b64encode(block).rstrip(b"=").decode()


_tokens = _Tokens()


def new_token() -> str:
    """128 pseudorandom bits, URL-safe: the party's personal link. Never a database id."""
    return _tokens.new()


def join(*, restaurant: Restaurant, name: str, size: int, preference: str, diner: str, request_id: str,
         source: str = "remote", quote: tuple[int, int] | None = None, client: str = "",
         now_ms: int | None = None) -> JoinResult:
    """Add a party to the end of its queue. The same ``request_id`` from the same ``diner``
    returns the party it already made, so a double-submitted form makes one party.
    ``client`` (an IP address) is rate limited by settings.JOIN_RATE_LIMIT."""
    if source == "remote" and not restaurant.is_open:
        raise RestaurantClosed()
    if not 1 <= size <= restaurant.max_party_size:
        raise PartyTooLarge()
    if preference not in layout_for(restaurant).preferences:
        raise WaitlistError(_preference_message(restaurant))
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise WaitlistError(_("A party name of 1 to 60 characters is needed."))
    token = new_token()
    low, high = quote if quote else ("", "")
    limit, window = _rate_limit() if client else (0, 0)
    keys = keys_for(restaurant.id)
    result = scripts.run("join", restaurant_id=restaurant.id, now_ms=_now(now_ms),
                         args=[name, size, preference, token, diner, request_id, source, low, high, limit, window],
                         extra_keys=[keys.rate(client or "-")])
    return JoinResult(party_id=int(result["id"]), token=result["token"],
                      created=bool(result["created"]), ahead=_int(result["ahead"]), version=int(result["v"]))


def _rate_limit() -> tuple[int, int]:
    """JOIN_RATE_LIMIT is "joins/seconds", e.g. "10/600"; "0" turns the limit off."""
    count, _, seconds = settings.JOIN_RATE_LIMIT.partition("/")
    return int(count), int(seconds or 60) * 1000


def _preference_message(restaurant: Restaurant) -> str:
    offered = ", ".join(str(Preference(p).label) for p in layout_for(restaurant).preferences)
    return _("That seating is not offered here. Choose one of: %(offered)s.") % {"offered": offered}


def leave(*, restaurant: Restaurant, party_id: int, state: str = "left", reason: str = "left",
          now_ms: int | None = None) -> Change:
    """A waiting or ready party leaves (or is removed, or marked a no-show with state
    'expired'). A table it was holding is free again."""
    result = scripts.run("leave", restaurant_id=restaurant.id, now_ms=_now(now_ms),
                         args=[party_id, state, reason, _ttl_ms()])
    return Change(party_id=party_id, table_ids=_ids(result["tables"]), version=result["v"])


def offer(*, restaurant: Restaurant, party_id: int, table_ids: tuple[int, ...] | list[int], kind: str,
          now_ms: int | None = None) -> Change:
    """Hold free tables for a waiting party until its check-in deadline."""
    now = _now(now_ms)
    deadline = now + restaurant.checkin_timeout_minutes * MINUTE_MS
    result = scripts.run("offer", restaurant_id=restaurant.id, now_ms=now,
                         args=[party_id, deadline, kind, *table_ids])
    return Change(party_id=party_id, table_ids=_ids(result["tables"]), version=result["v"], deadline_ms=deadline)


def check_in(*, restaurant: Restaurant, party_id: int, now_ms: int | None = None) -> Change:
    """The party is at the door in time: seat it and start the service timer."""
    now = _now(now_ms)
    warn_at = over_at = 0
    if restaurant.service_limit_minutes:
        over_at = now + restaurant.service_limit_minutes * MINUTE_MS
        warn_at = max(now, over_at - restaurant.service_warning_minutes * MINUTE_MS)
    result = scripts.run("checkin", restaurant_id=restaurant.id, now_ms=now, args=[party_id, warn_at, over_at])
    return Change(party_id=party_id, table_ids=_ids(result["tables"]), version=result["v"], seated_ms=now)


def complete(*, restaurant: Restaurant, party_id: int, now_ms: int | None = None) -> Change:
    """The party has finished; its tables go to cleaning."""
    result = scripts.run("complete", restaurant_id=restaurant.id, now_ms=_now(now_ms), args=[party_id, _ttl_ms()])
    return Change(party_id=party_id, table_ids=_ids(result["tables"]), version=result["v"])


def table_ready(*, restaurant: Restaurant, table_id: int, now_ms: int | None = None) -> Change:
    """A cleaned table can be offered again."""
    result = scripts.run("table_ready", restaurant_id=restaurant.id, now_ms=_now(now_ms), args=[table_id])
    return Change(party_id=None, table_ids=(table_id,), version=result["v"])


def clear_table(*, restaurant: Restaurant, table_id: int, now_ms: int | None = None) -> Change:
    """Send a free table to cleaning."""
    result = scripts.run("clear_table", restaurant_id=restaurant.id, now_ms=_now(now_ms), args=[table_id])
    return Change(party_id=None, table_ids=(table_id,), version=result["v"])


def notify_again(*, restaurant: Restaurant, party_id: int, extend_minutes: int = 0,
                 now_ms: int | None = None) -> Change:
    """Alert a ready party again; with ``extend_minutes``, also push its deadline back
    (counted from the later of now and the current deadline)."""
    result = scripts.run("hold", restaurant_id=restaurant.id, now_ms=_now(now_ms),
                         args=[party_id, int(extend_minutes) * MINUTE_MS])
    return Change(party_id=party_id, table_ids=(), version=result["v"], deadline_ms=result["deadline"])


def heads_up(*, restaurant: Restaurant, party_id: int, free_at_ms: int, now_ms: int | None = None) -> bool:
    """Tell a waiting party a table it fits should free soon. False if it is no longer waiting."""
    result = scripts.run("heads_up", restaurant_id=restaurant.id, now_ms=_now(now_ms), args=[party_id, free_at_ms])
    return not result.get("skipped", False)


def fire_due(*, restaurant: Restaurant, now_ms: int | None = None, limit: int = 200) -> TimerRun:
    """Fire this restaurant's timers that are due (each exactly once, whoever calls). The
    answer carries the restaurant's version, so the worker sees changes at no extra cost."""
    result = scripts.run("fire_due", restaurant_id=restaurant.id, now_ms=_now(now_ms), args=[limit, _ttl_ms()])
    fired = [FiredTimer(kind=item["kind"], party_id=int(item["id"]), table_ids=_ids(item["tables"]))
             for item in result["fired"] or []]
    return TimerRun(fired=fired, version=int(result["v"]))


def status(*, restaurant: Restaurant, party_id: int) -> Party:
    """One party's state, parties ahead and times. Raises UnknownParty."""
    result = scripts.run("status", restaurant_id=restaurant.id, now_ms=0, args=[party_id])
    if result.get("missing"):
        raise UnknownParty()
    return Party.from_script(result)


def find_by_token(*, restaurant: Restaurant, token: str) -> Party:
    """The party behind a personal link. Raises UnknownParty."""
    if not token or len(token) > 64:
        raise UnknownParty()
    result = scripts.run("find_token", restaurant_id=restaurant.id, now_ms=0, args=[token])
    if result.get("missing"):
        raise UnknownParty()
    return Party.from_script(result)


def find_by_diner(*, restaurant: Restaurant, diner: str) -> Party:
    """The party this browser (its session key) follows here. Raises UnknownParty."""
    result = scripts.run("find_diner", restaurant_id=restaurant.id, now_ms=0, args=[diner])
    if result.get("missing"):
        raise UnknownParty()
    return Party.from_script(result)


def bind_diner(*, restaurant: Restaurant, diner: str, token: str) -> Party:
    """A personal link opened in a browser: it follows that party from now on."""
    if not token or len(token) > 64:
        raise UnknownParty()
    result = scripts.run("bind", restaurant_id=restaurant.id, now_ms=0, args=[diner, token])
    if result.get("missing"):
        raise UnknownParty()
    return Party.from_script(result)


def snapshot(*, restaurant: Restaurant | int) -> Snapshot:
    """Everything the host and the estimator need: queues in order, active parties, tables."""
    restaurant_id = restaurant if isinstance(restaurant, int) else restaurant.id
    result = scripts.run("snapshot", restaurant_id=restaurant_id, now_ms=0)
    waiting = result["waiting"] or []
    active = result["active"] or []
    tables = result["tables"] or {}
    return Snapshot(
        version=int(result["v"]),
        waiting=tuple(Party.from_script(p) for p in waiting),
        active=tuple(sorted((Party.from_script(p) for p in active), key=lambda p: p.id)),
        tables={int(tid): TableState.parse(raw) for tid, raw in tables.items()},
        notice=result.get("notice") or "",
    )


def summary(*, restaurant: Restaurant) -> Summary:
    """How many parties are waiting and the host's notice: for the join page, whose every
    view would otherwise read the whole line (a snapshot of a line of thousands costs tens
    of milliseconds, and a busy night changes it many times a second)."""
    result = scripts.run("summary", restaurant_id=restaurant.id, now_ms=0)
    return Summary(version=int(result["v"]), waiting_count=int(result["waiting"]), notice=result.get("notice") or "")


def set_quote(*, restaurant: Restaurant, party_id: int, quote: tuple[int, int], now_ms: int | None = None) -> bool:
    """Record the quote of a party that joined before its size had one (see quotes.py)."""
    return bool(scripts.run("set_quote", restaurant_id=restaurant.id, now_ms=_now(now_ms),
                            args=[party_id, quote[0], quote[1]]))


def announce(*, restaurant: Restaurant, text: str, html: str, now_ms: int | None = None) -> int:
    """Set (or with empty ``text`` clear) the message shown to everyone waiting, and push
    ``html`` to every open diner page as it is. Returns the new version."""
    result = scripts.run("announce", restaurant_id=restaurant.id, now_ms=_now(now_ms), args=[text, html])
    return int(result["v"])


def version(*, restaurant_id: int) -> int:
    """The restaurant's change counter: a cheap way to tell whether a cached view is current."""
    return int(get_redis().hget(keys_for(restaurant_id).meta, "ver") or 0)


def ended_records(*, restaurant_id: int, limit: int = 200) -> list[str]:
    """Raw records of parties that reached an end state, oldest first, not yet stored."""
    return get_redis().lrange(keys_for(restaurant_id).ended, -limit, -1)[::-1]


def ack_ended(*, restaurant_id: int, records: list[str]) -> int:
    if not records:
        return 0
    return scripts.run("ack_ended", restaurant_id=restaurant_id, now_ms=0, args=records)


def decode_record(raw: str | bytes) -> dict:
    return json.loads(raw)
