"""The host's controls over the live queue beyond seating: undo, pausing joins, adjusting
every quote, editing a party; and the recorder that copies the floor's action log to the
database for insights. Each control is one Lua script (``lua/``), published like the others.
"""

import json

from django.utils.translation import gettext as _

from domain.durations import to_datetime
from domain.values import PREFERENCES
from restaurants import caches
from restaurants.models import FloorAction, Restaurant, Visit

from . import lua_scripts
from .clock import resolve as _now
from .errors import BadInput, PartyTooLarge, WaitlistError
from .keys import keys_for
from .redis_client import get_redis
from .state import Change, _ids

PAUSE_MESSAGE_MAX = 200
NOTES_MAX = 300
QUOTE_ADD_MAX = 240


def undo(*, restaurant: Restaurant, party_id: int, now_ms: int | None = None) -> tuple[str, Change]:
    """Take back the host's no-show, removal or offer of this party (for UNDO_SECONDS).
    Returns what was undone (no_show | removed | offer) and the change."""
    keys = keys_for(restaurant.id)
    result = lua_scripts.run("undo", restaurant_id=restaurant.id, now_ms=_now(now_ms), args=[party_id],
                             extra_keys=[keys.undo, keys.actions])
    if result["op"] != "offer":
        # The visit recorder may have stored the end already: the visit did not end after all.
        Visit.objects.filter(restaurant=restaurant, token=result["token"]).delete()
    return result["op"], Change(party_id=party_id, table_ids=_ids(result["tables"]), version=result["v"])


def pause_joins(*, restaurant: Restaurant, paused: bool, message: str = "", now_ms: int | None = None) -> int:
    """Pause (with a message for the join page) or resume diners' joins. Returns the version."""
    message = " ".join(message.split())
    if len(message) > PAUSE_MESSAGE_MAX:
        raise BadInput(_("Keep the message to %(max)s characters.") % {"max": PAUSE_MESSAGE_MAX})
    result = lua_scripts.run("pause", restaurant_id=restaurant.id, now_ms=_now(now_ms),
                             args=["1" if paused else "0", message if paused else ""],
                             extra_keys=[keys_for(restaurant.id).actions])
    return int(result["v"])


def opened(*, restaurant: Restaurant, is_open: bool, now_ms: int | None = None) -> int:
    """Record that the restaurant closed for the night (ending any pause) or opened, after its
    row was saved, and tell every open page. Returns the version."""
    result = lua_scripts.run("opening", restaurant_id=restaurant.id, now_ms=_now(now_ms),
                             args=["1" if is_open else "0"], extra_keys=[keys_for(restaurant.id).actions])
    return int(result["v"])


def row_saved(*, restaurant: Restaurant, now_ms: int | None = None) -> int:
    """Tell every open page that the restaurant's row changed (waitlist/apps.py calls this
    after a save commits). Returns the version."""
    result = lua_scripts.run("touch", restaurant_id=restaurant.id, now_ms=_now(now_ms),
                             args=["1" if restaurant.is_open else "0"])
    return int(result["v"])


def add_to_quotes(*, restaurant: Restaurant, minutes: int, now_ms: int | None = None) -> int:
    """Add ``minutes`` to every wait quoted and shown, until set back to 0."""
    if not 0 <= minutes <= QUOTE_ADD_MAX:
        raise BadInput(_("Add between 0 and %(max)s minutes.") % {"max": QUOTE_ADD_MAX})
    result = lua_scripts.run("quote_add", restaurant_id=restaurant.id, now_ms=_now(now_ms), args=[minutes],
                             extra_keys=[keys_for(restaurant.id).actions])
    return int(result["v"])


def edit_party(*, restaurant: Restaurant, party_id: int, size: int, preference: str, notes: str,
               tags: list[str], changed: str = "", now_ms: int | None = None) -> int:
    """Correct a party's size and seating (while it waits), its notes and tags. Tags come
    from the restaurant's list."""
    if not 1 <= size <= restaurant.max_party_size:
        raise PartyTooLarge()
    if preference not in PREFERENCES or preference not in caches.layout(restaurant).preferences:
        raise BadInput(_("That seating is not offered here."))
    notes = " ".join(notes.split())
    if len(notes) > NOTES_MAX:
        raise BadInput(_("Keep the notes to %(max)s characters.") % {"max": NOTES_MAX})
    allowed = restaurant.tag_list
    unknown = [t for t in tags if t not in allowed]
    if unknown:
        raise BadInput(_("Unknown tag: %(tag)s.") % {"tag": unknown[0]})
    ordered = [t for t in allowed if t in tags]
    result = lua_scripts.run("edit", restaurant_id=restaurant.id, now_ms=_now(now_ms),
                             args=[party_id, size, preference, notes, ",".join(ordered), changed],
                             extra_keys=[keys_for(restaurant.id).actions])
    return int(result["v"])


MOVE_REASON_MAX = 120


def move_party(*, restaurant: Restaurant, party_id: int, direction: str, reason: str,
               now_ms: int | None = None) -> int:
    """Move a waiting party one place up or down its line; the reason is recorded."""
    if direction not in ("up", "down"):
        raise BadInput(_("Move a party up or down."))
    reason = " ".join(reason.split())
    if not reason:
        raise BadInput(_("Say why the party moves: it is recorded."))
    if len(reason) > MOVE_REASON_MAX:
        raise BadInput(_("Keep the reason to %(max)s characters.") % {"max": MOVE_REASON_MAX})
    result = lua_scripts.run("move", restaurant_id=restaurant.id, now_ms=_now(now_ms),
                             args=[party_id, direction, reason], extra_keys=[keys_for(restaurant.id).actions])
    return int(result["v"])


def record_actions(*, restaurant: Restaurant, batch: int = 200) -> int:
    """Copy the floor's action log to ``FloorAction`` rows, exactly once each (the entry id
    is unique per restaurant), then remove what was stored. Returns how many were removed."""
    r = get_redis()
    key = keys_for(restaurant.id).actions
    raw = r.lrange(key, -batch, -1)
    if not raw:
        return 0
    rows = []
    for item in raw:
        entry = json.loads(item)
        rows.append(FloorAction(restaurant=restaurant, entry=entry["id"], kind=entry["k"],
                                party_number=int(entry["p"]) if entry.get("p") else None,
                                detail=str(entry.get("d", ""))[:300], at=to_datetime(int(entry["at"]))))
    FloorAction.objects.bulk_create(rows, ignore_conflicts=True)
    pipe = r.pipeline(transaction=False)
    for item in raw:
        pipe.lrem(key, 1, item)
    return sum(pipe.execute())


__all__ = ["undo", "pause_joins", "opened", "add_to_quotes", "edit_party", "move_party", "record_actions", "WaitlistError"]
