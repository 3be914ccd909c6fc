"""What every page and stream of a restaurant shows, computed once per change per process.

A ``LiveView`` is built from one snapshot (one Redis round trip) and holds every waiting
party's place and wait estimate, the tables and the strategy's suggestions. Diners' and
hosts' streams render from it, so a change costs one snapshot and one estimate for the
whole queue, not a Redis read per diner.
"""

import dataclasses
import threading
import time
from dataclasses import dataclass, field

from domain import estimator
from domain.strategies import get_strategy
from domain.values import COUNTER, TABLE, WAITING, Offer
from restaurants import caches
from restaurants.caches import Layout
from restaurants.models import Restaurant
from restaurants.visit_history import turn_model
from waitlist.situation import free_units, policy_for, situation_from

from . import queue
from .clock import now_ms
from .state import Party, Snapshot


@dataclass(frozen=True)
class DinerView:
    party: Party
    ahead: int | None
    wait: tuple[int, int] | None
    getting_close: bool
    table_labels: str
    version: int

    @property
    def position(self) -> int | None:
        return None if self.ahead is None else self.ahead + 1


@dataclass
class LiveView:
    restaurant: Restaurant
    layout: Layout
    snapshot: Snapshot
    built_ms: int
    ahead: dict[int, int]
    waits: dict[int, tuple[int, int] | None]
    suggestions: list[Offer]
    build_seconds: float = 0.0
    estimated: bool = True
    parties: dict[int, Party] = field(default_factory=dict)
    _new_quotes: dict[tuple[int, str], tuple[int, int] | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.parties = {p.id: p for p in (*self.snapshot.waiting, *self.snapshot.active)}

    @property
    def version(self) -> int:
        return self.snapshot.version

    def party(self, party_id: int) -> Party | None:
        return self.parties.get(party_id)

    def diner(self, party: Party) -> DinerView:
        """The diner's view of ``party``: live place and estimate if still in the snapshot,
        else the party as given (an ended party is not in the snapshot)."""
        current = self.parties.get(party.id) or party
        ahead = self.ahead.get(party.id, current.ahead) if current.state == WAITING else None
        wait = self.waits.get(party.id)
        return DinerView(
            party=current, ahead=ahead, wait=wait, getting_close=getting_close(self.restaurant, current, ahead, wait),
            table_labels=self.layout.labels(current.table_ids), version=self.version)

    def new_party_quote(self, size: int, preference: str) -> tuple[int, int] | None:
        key = (size, preference)
        if key not in self._new_quotes:
            situation = situation_from(self.snapshot, self.layout)
            self._new_quotes[key] = _shifted(estimator.estimate_new(
                situation, get_strategy(self.restaurant.queue_strategy).choose, policy_for(self.restaurant),
                turn_model(self.restaurant), self.built_ms, size, preference), self.snapshot.quote_add)
        return self._new_quotes[key]

    @property
    def waiting_count(self) -> int:
        return len(self.snapshot.waiting)


def getting_close(restaurant: Restaurant, party: Party, ahead: int | None, wait: tuple[int, int] | None) -> bool:
    """Whether a waiting party should head over: a table is about to free up for it, or its
    estimate's high end is within the restaurant's minutes. Places in line decide only
    while there is no estimate (second in line can still be an hour away)."""
    if party.state != WAITING:
        return False
    if party.heads_up_ms is not None:
        return True
    if wait is not None:
        return wait[1] is not None and wait[1] <= restaurant.getting_close_minutes
    return ahead is not None and ahead < restaurant.getting_close_threshold


def build(restaurant: Restaurant, snapshot: Snapshot, *, at_ms: int | None = None,
          previous: LiveView | None = None, estimate: bool = True) -> LiveView:
    """A view of ``snapshot``. Without ``estimate``, wait estimates are carried over from
    ``previous`` for parties still waiting: places are then right at once and the
    estimates follow (``with_estimates``), so a long simulation never delays a position."""
    at_ms = now_ms() if at_ms is None else at_ms
    layout = caches.layout(restaurant)
    situation = situation_from(snapshot, layout)
    strategy = get_strategy(restaurant.queue_strategy).choose
    policy = policy_for(restaurant)
    add = snapshot.quote_add
    if estimate:
        waits = estimator.estimate_waiting(situation, strategy, policy, turn_model(restaurant), at_ms)
        waits = {pid: _shifted(wait, add) for pid, wait in waits.items()}
    else:
        old = previous.waits if previous is not None else {}
        carried = add - (previous.snapshot.quote_add if previous is not None else 0)
        waits = {p.id: _shifted(old.get(p.id), carried) for p in snapshot.waiting}
    suggestions = strategy(free_units(snapshot, layout), situation.waiting, policy, at_ms)
    return LiveView(restaurant=restaurant, layout=layout, snapshot=snapshot, built_ms=at_ms,
                    ahead=_ahead(snapshot), waits=waits, suggestions=suggestions, estimated=estimate)


def _shifted(wait: tuple[int, int] | None, minutes: int) -> tuple[int, int] | None:
    """An estimate with the host's added minutes ("add 15 minutes to every quote")."""
    if wait is None or not minutes:
        return wait
    return max(0, wait[0] + minutes), max(0, wait[1] + minutes)


def with_estimates(restaurant: Restaurant) -> LiveView | None:
    """Fill in the estimates of the cached view, if it lacks them (second phase of a
    refresh). A newer view stored meanwhile is left alone."""
    current = _views.get(restaurant.id)
    if current is None or current.estimated:
        return current
    done = build(restaurant, current.snapshot)
    with _lock_for(restaurant.id):
        if _views.get(restaurant.id) is current:
            _views[restaurant.id] = done
    return done


def _ahead(snapshot: Snapshot) -> dict[int, int]:
    """Parties ahead, by the same rule as the Lua scripts: a table party counts table and
    'either' parties before it, a counter party counter and 'either', an 'either' all."""
    ahead, tables, counters, total = {}, 0, 0, 0
    for party in snapshot.waiting:
        if party.preference == TABLE:
            ahead[party.id] = tables
            tables += 1
        elif party.preference == COUNTER:
            ahead[party.id] = counters
            counters += 1
        else:
            ahead[party.id] = total
            tables += 1
            counters += 1
        total += 1
    return ahead


_views: dict[int, LiveView] = {}
_locks: dict[int, threading.Lock] = {}
_guard = threading.Lock()


def _lock_for(restaurant_id: int) -> threading.Lock:
    with _guard:
        return _locks.setdefault(restaurant_id, threading.Lock())


def cached(restaurant_id: int) -> LiveView | None:
    return _views.get(restaurant_id)


def view(restaurant: Restaurant, *, min_version: int = 0, max_age_ms: int | None = None) -> LiveView:
    """The latest view, rebuilt only if it is older than ``min_version`` (or ``max_age_ms``)."""
    current = _views.get(restaurant.id)
    if _fresh(current, restaurant, min_version, max_age_ms):
        return current
    with _lock_for(restaurant.id):
        current = _views.get(restaurant.id)  # another thread may have rebuilt it meanwhile
        if _fresh(current, restaurant, min_version, max_age_ms):
            return current
        return refresh(restaurant)


def _fresh(current, restaurant, min_version, max_age_ms) -> bool:
    if current is None or current.version < min_version or not current.estimated:
        return False
    if current.restaurant.updated_at != restaurant.updated_at:
        return False
    return max_age_ms is None or now_ms() - current.built_ms <= max_age_ms


def refresh(restaurant: Restaurant, *, estimate: bool = True) -> LiveView:
    """Read a new snapshot and rebuild (the stream calls this once per change, first
    without estimates, then ``with_estimates``)."""
    started = time.perf_counter()
    live = build(restaurant, snapshot_of(restaurant.id, queue.snapshot_answer(restaurant=restaurant)),
                 previous=_views.get(restaurant.id), estimate=estimate)
    live.build_seconds = time.perf_counter() - started
    _views[restaurant.id] = live
    return live


# Restaurant id -> its last snapshot's parties as read and decoded (queue.snapshot_from).
_decoded: dict[int, dict] = {}


def snapshot_of(restaurant_id: int, answer: dict) -> Snapshot:
    """The snapshot script's answer decoded, keeping the Party of every party as it was."""
    decoded = dict(_decoded.get(restaurant_id) or {})  # a copy: two threads may decode at once
    snapshot = queue.snapshot_from(answer, decoded)
    _decoded[restaurant_id] = decoded
    return snapshot


def changed_parties(old: "LiveView | None", new: LiveView) -> set[int] | None:
    """The parties whose diner's page may differ between two views of a restaurant, or None
    when every page may (the restaurant's settings, its tables, the host's message)."""
    if old is None or old.restaurant.updated_at != new.restaurant.updated_at \
            or (old.layout is not new.layout and old.layout != new.layout) \
            or old.snapshot.notice != new.snapshot.notice or old.snapshot.paused != new.snapshot.paused:
        return None
    changed = {pid for pid in old.parties if pid not in new.parties}
    before, ahead, waits = old.parties, old.ahead, old.waits
    for pid, party in new.parties.items():
        was = before.get(pid)
        if (was is not party and was != party) or ahead.get(pid) != new.ahead.get(pid) \
                or waits.get(pid) != new.waits.get(pid):
            changed.add(pid)
    return changed


def adopt(restaurant: Restaurant, snapshot: Snapshot) -> LiveView:
    """A view of a snapshot another process read (waitlist/builds.py: the places, with
    the estimates carried over until its estimates arrive); kept unless newer is cached."""
    return _keep(build(restaurant, snapshot, previous=_views.get(restaurant.id), estimate=False))


def adopt_estimates(restaurant_id: int, version: int, waits: dict[int, tuple[int, int] | None]) -> LiveView | None:
    """The estimates another process computed for ``version``: the cached view of that
    version gets them (a newer view is left alone)."""
    current = _views.get(restaurant_id)
    if current is None or current.version != version:
        return current
    return _keep(dataclasses.replace(current, waits=waits, estimated=True, _new_quotes={}))


def _keep(live: LiveView) -> LiveView:
    with _lock_for(live.restaurant.id):
        current = _views.get(live.restaurant.id)
        if current is None or (current.version, current.estimated) <= (live.version, live.estimated) \
                or current.restaurant.updated_at != live.restaurant.updated_at:
            _views[live.restaurant.id] = live
            return live
        return current


def forget(restaurant_id: int | None = None) -> None:
    if restaurant_id is None:
        _views.clear()
        _decoded.clear()
    else:
        _views.pop(restaurant_id, None)
        _decoded.pop(restaurant_id, None)
