"""Quotes for parties not yet in line: the join page's wait table and the quote recorded
when a party joins.

A quote simulates the restaurant's future once more with the newcomer appended, which
with a long line takes a tenth of a second or more of CPU. So quotes never hold up a
request. While any process holds streams of the restaurant, its quotes are computed once
per change, by the process building the change's view, and reach every process following
the restaurant with the view (waitlist/builds.py). Elsewhere each restaurant's are
computed once, kept, and recomputed in the background when older than QUOTE_MAX_AGE_MS
and the queue has changed since (asked of Redis, not of this process's cached view).
Only the very first page of a restaurant waits for them. A join whose size has no quote
yet records one a moment later, computed the same way.

The quote a join records (the party's ``quote_low``/``quote_high``, what the insights
score) is the cached one, at once, as the form showed it. When that quote was computed
for an older queue than the one the party joined (a change came since), it is replaced
by the party's first estimate in line: the first estimates this process receives for the
joined version or a newer one (waitlist/builds.py) set it, in the background, once
(``refine_later``, ``refine``). Without estimates within REFINE_FOR_MS (this process
holds none of the restaurant's streams) the join's quote stays. What the diner was told
(for the "running later" message) stays the form's quote.
"""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import close_old_connections

from domain.durations import MINUTE_MS
from domain.values import COUNTER
from restaurants.models import Restaurant

from . import live_view, queue
from .channels import channels
from .clock import now_ms

log = logging.getLogger("waitlist.quotes")

QUOTE_MAX_AGE_MS = 5_000
# A join records the quote its diner was shown on the form moments before; it only asks
# for a fresh computation when even that is old (nobody has opened the form for a while).
JOIN_QUOTE_MAX_AGE_MS = MINUTE_MS
# How long a party whose join recorded a quote for an older queue waits for its first estimate.
REFINE_FOR_MS = 30_000


@dataclass
class Quotes:
    built_ms: int
    version: int
    updated_at: object  # the restaurant row's, so an admin change recomputes
    by_party: dict[tuple[int, str], tuple[int, int] | None] = field(default_factory=dict)
    rows: list[tuple[str, int, tuple[int, int] | None]] = field(default_factory=list)
    # The same, as the join page draws it (wait_table), made once per computation.
    preferences: list[str] = field(default_factory=list)
    table: list["WaitRow"] = field(default_factory=list)

    def known(self, size: int, preference: str) -> tuple[bool, tuple[int, int] | None]:
        key = (size, preference)
        return key in self.by_party, self.by_party.get(key)


_quotes: dict[int, Quotes] = {}
_background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="quotes")
_pending: set[int] = set()
_lock = threading.Lock()
# restaurant id -> [(restaurant, party id, version the join made, until ms)]: see ``refine``.
_to_refine: dict[int, list[tuple[Restaurant, int, int, int]]] = {}


def display_sizes(view: live_view.LiveView) -> list[tuple[str, int]]:
    """For the join page: every size the restaurant seats, for each kind of seating (the
    counter seats up to all its seats side by side), so a party of any size sees its wait
    before it joins."""
    counter_seats = sum(1 for u in view.layout.units if u.kind == COUNTER)
    rows = []
    for preference in view.layout.preferences:
        largest = view.restaurant.max_party_size
        if preference == COUNTER:
            largest = min(largest, counter_seats)
        rows += [(preference, size) for size in range(1, largest + 1)]
    return rows


@dataclass(frozen=True)
class WaitRow:
    """One party size of the join page's table: its wait for each seating, in the order
    of ``preferences`` (``offered`` False where that seating cannot take the size)."""
    size: int
    cells: tuple[tuple[str, bool, tuple[int, int] | None], ...]  # (preference, offered, wait)


def wait_table(rows: list[tuple[str, int, tuple[int, int] | None]]) -> tuple[list[str], list[WaitRow]]:
    """The quotes as a table: seatings across, sizes down."""
    preferences = list(dict.fromkeys(preference for preference, _, _ in rows))
    known = {(preference, size): wait for preference, size, wait in rows}
    sizes = sorted({size for _, size, _ in rows})
    return preferences, [WaitRow(size=size, cells=tuple((p, (p, size) in known, known.get((p, size)))
                                                        for p in preferences)) for size in sizes]


def compute(restaurant: Restaurant, extra: tuple[int, str] | None = None, *, version: int | None = None) -> Quotes:
    if version is None:
        version = queue.version(restaurant_id=restaurant.id)
    view = live_view.view(restaurant, min_version=version)
    previous = _quotes.get(restaurant.id)
    wanted = display_sizes(view)
    # Sizes asked for by joins since the last computation stay in the set.
    keys = {(size, preference) for preference, size in wanted}
    if previous is not None and previous.updated_at == restaurant.updated_at:
        keys |= set(previous.by_party)
    if extra:
        keys.add(extra)
    by_party = {key: view.new_party_quote(*key) for key in sorted(keys)}
    rows = [(preference, size, by_party[(size, preference)]) for preference, size in wanted]
    preferences, table = wait_table(rows)
    result = Quotes(built_ms=now_ms(), version=view.version, updated_at=restaurant.updated_at, by_party=by_party,
                    rows=rows, preferences=preferences, table=table)
    _quotes[restaurant.id] = result
    return result


def adopt(view: live_view.LiveView, by_party: dict[tuple[int, str], tuple[int, int] | None]) -> Quotes:
    """Quotes another process computed for ``view``'s version of the queue
    (waitlist/builds.py), kept as if computed here."""
    restaurant, version = view.restaurant, view.version
    rows = [(preference, size, by_party.get((size, preference))) for preference, size in display_sizes(view)]
    preferences, table = wait_table(rows)
    result = Quotes(built_ms=now_ms(), version=version, updated_at=restaurant.updated_at, by_party=by_party,
                    rows=rows, preferences=preferences, table=table)
    previous = _quotes.get(restaurant.id)
    if previous is None or previous.version <= version:
        _quotes[restaurant.id] = result
    return result


def current(restaurant: Restaurant, *, max_age_ms: int | None = None) -> Quotes:
    """This restaurant's quotes: at once, checked in the background when older than
    ``max_age_ms`` (and recomputed there only if the queue changed since)."""
    cached = _quotes.get(restaurant.id)
    if cached is None or cached.updated_at != restaurant.updated_at:
        return compute(restaurant)
    if now_ms() - cached.built_ms > (QUOTE_MAX_AGE_MS if max_age_ms is None else max_age_ms) \
            and not kept_current(restaurant.id):
        _later(restaurant)
    return cached


def available(restaurant: Restaurant) -> Quotes | None:
    """The quotes already computed, at once and never computing (for the event loop): a
    missing or old set is computed in the background for the next look."""
    cached = _quotes.get(restaurant.id)
    if cached is None or cached.updated_at != restaurant.updated_at or \
            (now_ms() - cached.built_ms > QUOTE_MAX_AGE_MS and not kept_current(restaurant.id)):
        _later(restaurant)
    return cached if cached is not None and cached.updated_at == restaurant.updated_at else None


def last(restaurant: Restaurant) -> Quotes | None:
    """The quotes computed last, whatever version of the restaurant's row they were for."""
    return _quotes.get(restaurant.id)


def kept_current(restaurant_id: int) -> bool:
    """Whether this process follows the restaurant's channel: its quotes then come with
    every change, computed once for all processes (waitlist/builds.py), and are never
    recomputed here on a timer."""
    return channels.following(restaurant_id)


def record_later(restaurant: Restaurant, party_id: int, size: int, preference: str) -> None:
    """Compute the quote of a party that joined before its size had one, and store it."""
    def job():
        quote = compute(restaurant, extra=(size, preference)).by_party.get((size, preference))
        if quote is not None:
            queue.set_quote(restaurant=restaurant, party_id=party_id, quote=quote)

    _background.submit(_guarded, job)


def refine_later(restaurant: Restaurant, party_id: int, joined_version: int) -> None:
    """The join recorded a quote computed for an older queue: record the party's first
    estimate in line instead, when estimates of ``joined_version`` or newer arrive."""
    now = now_ms()
    with _lock:
        for restaurant_id in [r for r, entries in _to_refine.items() if entries[-1][3] < now]:
            del _to_refine[restaurant_id]  # all expired (entries are kept in join order)
        _to_refine.setdefault(restaurant.id, []).append((restaurant, party_id, joined_version, now + REFINE_FOR_MS))


def refine(restaurant_id: int, version: int, waits: dict[int, tuple[int, int | None] | None]) -> None:
    """Estimates of ``version`` arrived (waitlist/builds.py): the parties waiting for their
    first estimate in line that joined at this version or before get it as their quote."""
    if restaurant_id not in _to_refine:
        return
    now, due = now_ms(), []
    with _lock:
        entries = _to_refine.get(restaurant_id, [])
        kept = [entry for entry in entries if entry[2] > version and entry[3] >= now]
        due = [entry for entry in entries if entry[2] <= version and entry[3] >= now]
        if kept:
            _to_refine[restaurant_id] = kept
        else:
            _to_refine.pop(restaurant_id, None)
    due = [(restaurant, party_id, waits[party_id]) for restaurant, party_id, _, _ in due if waits.get(party_id)]
    if due:
        def job():
            for restaurant, party_id, wait in due:
                queue.set_quote(restaurant=restaurant, party_id=party_id, quote=wait, replace=True)

        _background.submit(_guarded, job)


def _later(restaurant: Restaurant) -> None:
    with _lock:
        if restaurant.id in _pending:
            return
        _pending.add(restaurant.id)

    def job():
        try:
            version = queue.version(restaurant_id=restaurant.id)
            cached = _quotes.get(restaurant.id)
            if cached is not None and cached.version == version and cached.updated_at == restaurant.updated_at:
                cached.built_ms = now_ms()  # nothing changed: still right
            else:
                compute(restaurant, version=version)
        finally:
            _pending.discard(restaurant.id)

    _background.submit(_guarded, job)


def _guarded(job) -> None:
    try:
        job()
    except Exception:  # Redis away: the next page tries again, or answers 503 itself
        log.warning("background quote failed", exc_info=True)
    finally:
        close_old_connections()


def forget(restaurant_id: int | None = None) -> None:
    if restaurant_id is None:
        _quotes.clear()
        _to_refine.clear()
    else:
        _quotes.pop(restaurant_id, None)
        _to_refine.pop(restaurant_id, None)
