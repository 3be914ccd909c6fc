"""The live queue: every read and change of a restaurant's waitlist and table states.

Each operation is one Lua script and one Redis round trip; the time is passed in (default:
the real clock), so tests and the simulator drive their own. Functions take keyword
arguments, return dataclasses from ``waitlist.state`` and raise ``waitlist.errors``.
"""

import json
import secrets

from django.conf import settings
from django.utils.translation import gettext as _

from domain.durations import MINUTE_MS, SECOND_MS
from domain.values import NAME_MAX
from restaurants import caches
from restaurants.models import Preference, Restaurant

from . import lua_scripts
from .clock import resolve as _now
from .contacts import guest_key
from .errors import PartyTooLarge, RestaurantClosed, UnknownParty, WaitlistError
from .keys import keys_for
from .redis_client import get_redis
from .state import (
    Change,
    FiredTimer,
    JoinResult,
    Party,
    Snapshot,
    Summary,
    TableState,
    TimerRun,
    Undoable,
    _ids,
    _int,
)


def _ttl_ms() -> int:
    return settings.ENDED_PARTY_TTL * SECOND_MS


def _retain_ms() -> int:
    """How long a party's contact details outlive it (for its last message to go out)."""
    return settings.CONTACT_RETENTION_SECONDS * SECOND_MS


def _undo_ms() -> int:
    return settings.UNDO_SECONDS * SECOND_MS


def _reminder_ms() -> int:
    return settings.NOTIFY_HOLD_REMINDER_MINUTES * MINUTE_MS


def new_token() -> str:
    """128 random bits, URL-safe: the party's personal link. Never a database id."""
    return secrets.token_urlsafe(16)


def join(*, restaurant: Restaurant, name: str, size: int, preference: str, diner: str, request_id: str,
         source: str = "remote", quote: tuple[int, int | None] | None = None, client: str = "", language: str = "",
         phone: str = "", email: str = "", now_ms: int | None = None) -> JoinResult:
    """Add a party to the end of its queue. The same ``request_id`` from the same ``diner``
    returns the party it already made, so a double-submitted form makes one party.
    With ``client`` (an IP address), joins are limited per address (JOIN_RATE_LIMIT) and per
    browser, the ``diner`` (JOIN_BROWSER_LIMIT); refused joins do not count. ``phone``
    (E.164) and ``email``, when given, turn those channels on and queue the "joined"
    message with the party."""
    if source == "remote" and not restaurant.is_open:
        raise RestaurantClosed()
    if not 1 <= size <= restaurant.max_party_size:
        raise PartyTooLarge()
    if preference not in caches.layout(restaurant).preferences:
        raise WaitlistError(_preference_message(restaurant))
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise WaitlistError(_("A party name of 1 to %(max)s characters is needed.") % {"max": NAME_MAX})
    token = new_token()
    low, high = quote if quote else ("", "")
    high = "" if high is None else high  # open-ended: more than low minutes
    limit, window = _limit(settings.JOIN_RATE_LIMIT) if client else (0, 0)
    per_browser, browser_window = _limit(settings.JOIN_BROWSER_LIMIT) if client else (0, 0)
    keys = keys_for(restaurant.id)
    result = lua_scripts.run("join", restaurant_id=restaurant.id, now_ms=_now(now_ms),
                             args=[name, size, preference, token, diner, request_id, source, low, high, limit, window,
                                   language, phone, email, guest_key(phone or email), per_browser, browser_window],
                             extra_keys=[keys.rate(client or "-"), keys.rate(f"browser:{diner}")])
    return JoinResult(party_id=int(result["id"]), token=result["token"],
                      created=bool(result["created"]), ahead=_int(result["ahead"]), version=int(result["v"]))


def _limit(text: str) -> tuple[int, int]:
    """A join limit as the settings write it, "joins/seconds" ("60/600"); "0" turns it off."""
    count, _, seconds = text.partition("/")
    return int(count), int(seconds or 60) * SECOND_MS


def _preference_message(restaurant: Restaurant) -> str:
    offered = ", ".join(str(Preference(p).label) for p in caches.layout(restaurant).preferences)
    return _("That seating is not offered here. Choose one of: %(offered)s.") % {"offered": offered}


def leave(*, restaurant: Restaurant, party_id: int, state: str = "left", reason: str = "left",
          undoable: bool = False, now_ms: int | None = None) -> Change:
    """A waiting or ready party leaves (or is removed, or marked a no-show with state
    'expired'). A table it was holding is free again. ``undoable``: the host may take it
    back for UNDO_SECONDS (waitlist/floor.py)."""
    undo_ms = _undo_ms() if undoable else 0
    result = lua_scripts.run("leave", restaurant_id=restaurant.id, now_ms=_now(now_ms),
                             args=[party_id, state, reason, _ttl_ms(), _retain_ms(), undo_ms],
                             extra_keys=[keys_for(restaurant.id).undo] if undo_ms else [])
    return Change(party_id=party_id, table_ids=_ids(result["tables"]), version=result["v"])


def offer(*, restaurant: Restaurant, party_id: int, table_ids: tuple[int, ...] | list[int], kind: str,
          undoable: bool = False, now_ms: int | None = None) -> Change:
    """Hold free tables for a waiting party until its check-in deadline (and remind its
    diner NOTIFY_HOLD_REMINDER_MINUTES before it). ``undoable`` as for ``leave``."""
    now = _now(now_ms)
    deadline = now + restaurant.checkin_timeout_minutes * MINUTE_MS
    remind_at = deadline - _reminder_ms() if _reminder_ms() else 0
    undo_ms = _undo_ms() if undoable else 0
    result = lua_scripts.run("offer", restaurant_id=restaurant.id, now_ms=now,
                             args=[party_id, deadline, kind, remind_at, undo_ms, *table_ids],
                             extra_keys=[keys_for(restaurant.id).undo] if undo_ms else [])
    return Change(party_id=party_id, table_ids=_ids(result["tables"]), version=result["v"], deadline_ms=deadline)


def check_in(*, restaurant: Restaurant, party_id: int, now_ms: int | None = None) -> Change:
    """The party is at the door in time: seat it and start the service timer."""
    now = _now(now_ms)
    warn_at = over_at = 0
    if restaurant.service_limit_minutes:
        over_at = now + restaurant.service_limit_minutes * MINUTE_MS
        warn_at = max(now, over_at - restaurant.service_warning_minutes * MINUTE_MS)
    result = lua_scripts.run("checkin", restaurant_id=restaurant.id, now_ms=now, args=[party_id, warn_at, over_at])
    return Change(party_id=party_id, table_ids=_ids(result["tables"]), version=result["v"], seated_ms=now)


def complete(*, restaurant: Restaurant, party_id: int, now_ms: int | None = None) -> Change:
    """The party has finished; its tables go to cleaning."""
    result = lua_scripts.run("complete", restaurant_id=restaurant.id, now_ms=_now(now_ms),
                             args=[party_id, _ttl_ms(), _retain_ms()])
    return Change(party_id=party_id, table_ids=_ids(result["tables"]), version=result["v"])


def table_ready(*, restaurant: Restaurant, table_id: int, now_ms: int | None = None) -> Change:
    """A cleaned table can be offered again."""
    result = lua_scripts.run("table_ready", restaurant_id=restaurant.id, now_ms=_now(now_ms), args=[table_id])
    return Change(party_id=None, table_ids=(table_id,), version=result["v"])


def clear_table(*, restaurant: Restaurant, table_id: int, now_ms: int | None = None) -> Change:
    """Send a free table to cleaning."""
    result = lua_scripts.run("clear_table", restaurant_id=restaurant.id, now_ms=_now(now_ms), args=[table_id])
    return Change(party_id=None, table_ids=(table_id,), version=result["v"])


def notify_again(*, restaurant: Restaurant, party_id: int, extend_minutes: int = 0,
                 now_ms: int | None = None) -> Change:
    """Alert a ready party again; with ``extend_minutes``, also push its deadline back
    (counted from the later of now and the current deadline)."""
    result = lua_scripts.run("hold", restaurant_id=restaurant.id, now_ms=_now(now_ms),
                             args=[party_id, int(extend_minutes) * MINUTE_MS, _reminder_ms()])
    return Change(party_id=party_id, table_ids=(), version=result["v"], deadline_ms=result["deadline"])


def heads_up(*, restaurant: Restaurant, party_id: int, free_at_ms: int, now_ms: int | None = None) -> bool:
    """Tell a waiting party a table it fits should free soon. False if it is no longer waiting."""
    result = lua_scripts.run("heads_up", restaurant_id=restaurant.id, now_ms=_now(now_ms), args=[party_id, free_at_ms])
    return not result.get("skipped", False)


def fire_due(*, restaurant: Restaurant, now_ms: int | None = None, limit: int = 200) -> TimerRun:
    """Fire this restaurant's timers that are due (each exactly once, whoever calls). The
    answer carries the restaurant's version, so the worker sees changes at no extra cost."""
    result = lua_scripts.run("fire_due", restaurant_id=restaurant.id, now_ms=_now(now_ms), args=[limit, _ttl_ms(), _retain_ms()])
    fired = [FiredTimer(kind=item["kind"], party_id=int(item["id"]), table_ids=_ids(item["tables"]))
             for item in result["fired"] or []]
    return TimerRun(fired=fired, version=int(result["v"]))


def status(*, restaurant: Restaurant, party_id: int, at_least: int | None = None) -> Party:
    """One party's state, parties ahead and times. Raises UnknownParty. With ``at_least``
    (a version the caller has seen), a replica that has caught up may answer."""
    result = lua_scripts.read("status", restaurant_id=restaurant.id, args=[party_id], at_least=at_least)
    if result.get("missing"):
        raise UnknownParty()
    return Party.from_script(result)


def find_by_token(*, restaurant: Restaurant, token: str) -> Party:
    """The party behind a personal link. Raises UnknownParty."""
    if not token or len(token) > 64:
        raise UnknownParty()
    result = lua_scripts.run("find_token", restaurant_id=restaurant.id, now_ms=0, args=[token])
    if result.get("missing"):
        raise UnknownParty()
    return Party.from_script(result)


def find_by_diner(*, restaurant: Restaurant, diner: str) -> Party:
    """The party this browser (its session key) follows here. Raises UnknownParty."""
    result = lua_scripts.run("find_diner", restaurant_id=restaurant.id, now_ms=0, args=[diner])
    if result.get("missing"):
        raise UnknownParty()
    return Party.from_script(result)


def bind_diner(*, restaurant: Restaurant, diner: str, token: str) -> Party:
    """A personal link opened in a browser: it follows that party from now on."""
    if not token or len(token) > 64:
        raise UnknownParty()
    result = lua_scripts.run("bind", restaurant_id=restaurant.id, now_ms=0, args=[diner, token])
    if result.get("missing"):
        raise UnknownParty()
    return Party.from_script(result)


def snapshot(*, restaurant: Restaurant | int, at_least: int | None = None) -> Snapshot:
    """Everything the host and the estimator need: queues in order, active parties, tables.
    Read from a replica when one has caught up to ``at_least`` (by default, the primary's
    version now); see lua_scripts.read."""
    return snapshot_from(snapshot_answer(restaurant=restaurant, at_least=at_least))


def snapshot_answer(*, restaurant: Restaurant | int, at_least: int | None = None) -> dict:
    """The snapshot script's answer as it came (JSON-ready: waitlist/builds.py publishes it)."""
    restaurant_id = restaurant if isinstance(restaurant, int) else restaurant.id
    return lua_scripts.read("snapshot", restaurant_id=restaurant_id, at_least=at_least,
                            extra_keys=[keys_for(restaurant_id).undo])


def snapshot_from(result: dict, decoded: dict | None = None) -> Snapshot:
    """A Snapshot of the snapshot script's answer. With ``decoded`` (party id -> (its hash
    as read, Party), from the last snapshot of the restaurant; filled anew here), a party
    whose hash is as it was keeps its Party: decoding 5,000 is most of a build, and a
    change alters a few of them. The same object tells a view's diff the party is as it was
    (live_view.changed_parties)."""
    waiting = result["waiting"] or []
    active = result["active"] or []
    from_script = Party.from_script if decoded is None else _reusing(decoded)
    tables = result["tables"] or {}
    undo = result.get("undo") or {}
    return Snapshot(
        version=int(result["v"]),
        waiting=tuple(from_script(p) for p in waiting),
        active=tuple(sorted((from_script(p) for p in active), key=lambda p: p.id)),
        tables={int(tid): TableState.parse(raw) for tid, raw in tables.items()},
        notice=result.get("notice") or "",
        paused=_paused(result.get("paused")),
        quote_add=int(result.get("qadd") or 0),
        undoable=tuple(sorted((Undoable(party_id=int(pid), action=e["op"], name=e.get("n", ""),
                                        ends_ms=int(e["ends"])) for pid, e in undo.items()),
                              key=lambda u: -u.ends_ms)),
    )


def _reusing(decoded: dict):
    before = dict(decoded)
    decoded.clear()

    def from_script(data: dict) -> Party:
        known = before.get(data["id"])
        party = known[1] if known is not None and known[0] == data else Party.from_script(data)
        decoded[data["id"]] = (data, party)
        return party

    return from_script


def _paused(value) -> str | None:
    # A pause without a message is "" (still paused); JSON false means not paused.
    return None if value is None or value is False else str(value)


def summary(*, restaurant: Restaurant) -> Summary:
    """How many parties are waiting and the host's notice: for the join page, whose every
    view would otherwise read the whole line (a snapshot of a line of thousands costs tens
    of milliseconds, and a busy night changes it many times a second)."""
    result = lua_scripts.run("summary", restaurant_id=restaurant.id, now_ms=0)
    return Summary(version=int(result["v"]), waiting_count=int(result["waiting"]), notice=result.get("notice") or "",
                   paused=_paused(result.get("paused")))


def set_quote(*, restaurant: Restaurant, party_id: int, quote: tuple[int, int | None], replace: bool = False,
              now_ms: int | None = None) -> bool:
    """Record the quote of a party that joined before its size had one, or with ``replace``
    a waiting party's first estimate in place of a quote computed for an older queue
    (see quotes.py)."""
    return bool(lua_scripts.run("set_quote", restaurant_id=restaurant.id, now_ms=_now(now_ms),
                                args=[party_id, quote[0], "" if quote[1] is None else quote[1],
                                      "1" if replace else ""]))


def announce(*, restaurant: Restaurant, text: str, html: str, now_ms: int | None = None) -> int:
    """Set (or with empty ``text`` clear) the message shown to everyone waiting, and push
    ``html`` to every open diner page as it is. Returns the new version."""
    result = lua_scripts.run("announce", restaurant_id=restaurant.id, now_ms=_now(now_ms), args=[text, html])
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
    return lua_scripts.run("ack_ended", restaurant_id=restaurant_id, now_ms=0, args=records)


def decode_record(raw: str | bytes) -> dict:
    return json.loads(raw)
