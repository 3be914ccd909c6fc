"""Wait estimates by looking ahead: simulate the restaurant's own strategy over the times its
tables are expected to free, so a party of 6 behind three couples is quoted from when a
six-top frees, not from its place in line.

Pure functions over frozen inputs: the restaurant right now comes in as a ``Situation``
(built from the live queue by ``waitlist.situation``), what history says about meals,
check-ins, no-shows, walk-aways and arrivals as a ``TurnModel`` (``domain.turn_model``,
learnt from the visits by ``restaurants.visit_history``).

One simulation with every meal at its median is not the median wait: the first of eight
busy tables frees much sooner than the median of any one of them, a no-show frees a table
after the check-in hold instead of a meal, a party ahead that gives up shortens the line,
and under best fit (or with combined tables) parties who have not arrived yet take tables
a waiting party was counting on. So the estimate is a small Monte Carlo: a few simulated
futures, each drawing every random quantity from a fixed table of stratified uniforms (the
same numbers on every call, so the same state always gets the same quote, and a party's
quote at join equals its first estimate once in line; ``domain.futures`` holds them, and
draws from them who joins and who gives up); the quoted range is the
``LOW``..``HIGH`` quantiles of the simulated waits. The futures run ``HORIZON_MS`` ahead; a
party whose ``HIGH`` quantile lies beyond is quoted open-ended, ``(OPEN_MINUTES, None)``:
"more than three hours". Before simulating, the turn model is adapted to tonight
(``TurnModel.tonight``) with the meals under way.
"""

import heapq
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .durations import HOUR_MS, MINUTE_MS
from .futures import arrivals, draws, leave_chances, leavers, model_draws, party_draw, unit_draw
from .strategies import MAX_COMBINED_TABLES, best_fit, first_fit, is_starving
from .turn_model import TurnModel
from .values import (
    COUNTER,
    HELD,
    TABLE,
    TABLE_CLEANING,
    TABLE_OCCUPIED,
    Offer,
    Policy,
    Unit,
    WaitingParty,
)

# Quantiles of the simulated waits that bound the quoted range: from the 30th to the 85th,
# which leans the range's midpoint a little long of the median, since a wait longer than
# quoted costs a diner more than one shorter (as measured: a high end at the 80th left too
# many quotes short; with each join scored on the quote it records, a low end at the 30th
# missed fewer cells than at the 25th: docs/estimates.md).
LOW, HIGH = 0.30, 0.85
# Runs per estimate, for every party whatever its place in line: a simulated future stops
# at the horizon, so its cost is bounded by how many parties the floor can seat by then,
# not by the length of the line (tests/test_open_quotes.py checks the quantiles are stable).
RUNS = 16
# Parties deeper in line than this cannot be seated before those ahead of them under any of
# our strategies except by skipping, which the window still allows; bounding it keeps one
# simulation of a long queue linear in its length.
WINDOW = 30
HORIZON_MS = 3 * HOUR_MS
OPEN_MINUTES = HORIZON_MS // MINUTE_MS

Quote = tuple[int, int | None]  # minutes (low, high); high None: "more than low"


@dataclass(frozen=True)
class Busy:
    """A unit that is not free now: occupied (since), cleaning (since) or held for a party
    that has been notified (since the offer)."""

    state: str  # TABLE_OCCUPIED | TABLE_CLEANING | HELD
    since_ms: int
    seats_used: int  # table seats of the whole party's placement (for the turn model)
    party_id: int | None = None  # whose meal or hold it is, when known


@dataclass(frozen=True)
class Situation:
    """The restaurant now: every unit, the ones not free, and the line."""

    units: tuple[Unit, ...]
    busy: dict[int, Busy]
    waiting: tuple[WaitingParty, ...]  # join order


Strategy = Callable[[Sequence[Unit], Sequence[WaitingParty], Policy, int], list[Offer]]
# Strategies whose answer depends only on the parties that could sit, plus the starving
# ones that reserve seats (strategies._with_guard).
_GUARDED = (first_fit, best_fit)

def busy_groups(situation: Situation) -> list[tuple[int, ...]]:
    """Indices (in ``situation.units``) of the units each party holds or uses: they free
    together, so they share one draw. Without ``party_id``, units with the same state, time
    and placement size are one party's, split in situation order into placements of that size
    when several parties were seated at the same moment."""
    keyed: dict[object, list[int]] = {}
    for index, unit in enumerate(situation.units):
        if (busy := situation.busy.get(unit.id)) is not None:
            key = busy.party_id if busy.party_id is not None else (busy.state, busy.since_ms, busy.seats_used, unit.kind)
            keyed.setdefault(key, []).append(index)
    groups, group, seats = [], [], 0
    for indices in keyed.values():
        used = situation.busy[situation.units[indices[0]].id].seats_used
        for n, index in enumerate(indices):
            group.append(index)
            seats += situation.units[index].seats
            if seats >= used or n == len(indices) - 1:
                groups.append(tuple(group))
                group, seats = [], 0
    return sorted(groups)


def _free_at(unit: Unit, index: int, busy: Busy, turns: TurnModel, now_ms: int, row) -> int:
    """When this busy unit (and the rest of its party's placement) will be free again."""
    elapsed = max(0.0, (now_ms - busy.since_ms) / MINUTE_MS)
    if busy.state == TABLE_CLEANING:
        minutes = max(elapsed + 0.5, turns.cleaning_minutes)
    elif busy.state == HELD:
        if elapsed >= turns.hold_minutes or unit_draw(row, index, 1) < turns.no_show_after(elapsed):
            minutes = max(elapsed, turns.hold_minutes)
        else:
            minutes = (turns.checkin(unit_draw(row, index, 2), elapsed)
                       + turns.quantile(unit.kind, busy.seats_used, unit_draw(row, index, 0))
                       + turns.cleaning_minutes)
    else:
        minutes = turns.quantile(unit.kind, busy.seats_used, unit_draw(row, index, 0), elapsed) + turns.cleaning_minutes
    return max(now_ms, busy.since_ms + int(minutes * MINUTE_MS))


def _room(units: Sequence[Unit], policy: Policy) -> tuple[int, int]:
    """The largest party these units can seat: at tables (pushed together if the policy
    allows), and at the counter (side by side)."""
    singles = sorted(u.seats for u in units if u.kind != COUNTER)
    table_room = sum(singles[-MAX_COMBINED_TABLES:]) if policy.tables_combine else max(singles, default=0)
    counter_room, run, last = 0, 0, None
    for position in sorted(u.position for u in units if u.kind == COUNTER):
        run = run + 1 if position == last else 1
        counter_room, last = max(counter_room, run), position + 1
    return table_room, counter_room


def _narrow(strategy: Strategy, free: list[Unit], window: list[WaitingParty], policy: Policy,
            t: int) -> tuple[list[Unit], list[WaitingParty]]:
    """What the strategy needs to see to decide, which keeps the many simulated decisions
    cheap without changing one (tests/test_estimator.py checks): no strategy offers a
    placement that does not fit, so units nobody in the window could use are left out (all
    counter seats or none, since they adjoin), and nothing is asked when nobody fits. For
    the guarded strategies, parties that could not sit are left out unless, starving, they
    reserve a free unit."""
    singles = [u.seats for u in free if u.kind != COUNTER]
    largest = max(singles, default=0)
    table_room, counter_room = _room(free, policy)
    guarded, limit = strategy in _GUARDED, len(free)
    parties, alike, smallest, counter_need = [], {}, None, False
    for party in window:
        size, preference = party.size, party.preference
        tables = preference != COUNTER and size <= table_room
        counter = preference != TABLE and size <= counter_room
        if tables or counter or not guarded:
            smallest = size if tables and (smallest is None or size < smallest) else smallest
            counter_need = counter_need or counter
            # Alike parties are served in line order, one placement each (or an earlier one,
            # starving, holds what a later one needs): behind as many alike ones as there
            # are units, a party cannot be reached.
            alike[size, preference] = alike.get((size, preference), 0) + 1
            if alike[size, preference] <= limit or (guarded and is_starving(party, policy, t)):
                parties.append(party)
        elif is_starving(party, policy, t) and ((preference != COUNTER and singles and (
                policy.tables_combine or largest >= size)) or (preference != TABLE and counter_room)):
            parties.append(party)  # it reserves seats from everyone behind it
    if smallest is None and not counter_need:
        return [], []
    units = [u for u in free if (counter_need if u.kind == COUNTER
                                 else smallest is not None and (policy.tables_combine or u.seats >= smallest))]
    return units, parties


def _run(situation: Situation, groups: list[tuple[int, ...]], strategy: Strategy, policy: Policy, turns: TurnModel,
         now_ms: int, waiting: list[WaitingParty], leave_at: dict[int, int], row) -> dict[int, int]:
    """One simulated future: milliseconds from now until each party is offered a table,
    for those offered one within the horizon."""
    units = situation.units
    index_of = {unit.id: index for index, unit in enumerate(units)}
    free = [index for index, unit in enumerate(units) if unit.id not in situation.busy]
    pending = []
    for group in groups:
        first = units[group[0]]
        at = _free_at(first, group[0], situation.busy[first.id], turns, now_ms, row)
        pending.extend((at, index) for index in group)
    heapq.heapify(pending)
    incoming = arrivals(turns, now_ms, row, HORIZON_MS)
    slot = {party.id: (index, party.size) for index, party in enumerate(waiting)}
    slot.update((party.id, (len(waiting) + index, party.size)) for index, party in enumerate(incoming))
    leaving = sorted((at, pid) for pid, at in leave_at.items())
    # Parties that gave up stay in ``waiting`` until they reach the front (dropping them
    # there keeps a long line's simulation from copying it at every departure).
    gone: set[int] = set()
    targets = {party.id for party in waiting}
    seated: dict[int, int] = {}
    t, arrived, left = now_ms, 0, 0
    while targets:
        if pending and pending[0][0] <= t:
            while pending and pending[0][0] <= t:
                free.append(heapq.heappop(pending)[1])
            free.sort()
        while arrived < len(incoming) and incoming[arrived].joined_ms <= t:
            waiting.append(incoming[arrived])
            arrived += 1
        while left < len(leaving) and leaving[left][0] <= t:
            gone.add(leaving[left][1])
            targets.discard(leaving[left][1])
            left += 1
        if free and waiting:
            waiting = _front(waiting, gone)
            usable, candidates = _narrow(strategy, [units[i] for i in free], waiting[:WINDOW], policy, t)
            offers = strategy(usable, candidates, policy, t) if candidates else []
            if offers:
                for offer in offers:
                    seated[offer.party_id] = t - now_ms
                    targets.discard(offer.party_id)
                    index, size = slot[offer.party_id]
                    if party_draw(row, index, 2) < turns.no_show_rate:
                        minutes = turns.hold_minutes
                    else:
                        seats = sum(units[index_of[uid]].seats for uid in offer.table_ids)
                        minutes = (turns.checkin(party_draw(row, index, 1))
                                   + turns.meal(offer.kind, seats, size, party_draw(row, index, 0))
                                   + turns.cleaning_minutes)
                    for uid in offer.table_ids:
                        free.remove(index_of[uid])
                        heapq.heappush(pending, (t + int(minutes * MINUTE_MS), index_of[uid]))
                waiting = _after_offers(waiting, offers)
                continue
        later = min(pending[0][0] if pending else math.inf, leaving[left][0] if left < len(leaving) else math.inf,
                    incoming[arrived].joined_ms if arrived < len(incoming) else math.inf)
        if later == math.inf or later - now_ms > HORIZON_MS:
            break  # nothing will ever free (parties left are larger than any table), or too far
        t = later
    return seated


def _front(waiting: list[WaitingParty], gone: set[int]) -> list[WaitingParty]:
    """``waiting`` with the parties that gave up dropped from its first WINDOW places."""
    if not gone or not any(party.id in gone for party in waiting[:WINDOW]):
        return waiting
    front, end = [], 0
    for end, party in enumerate(waiting):
        if len(front) == WINDOW:
            break
        if party.id not in gone:
            front.append(party)
    else:
        return front
    return front + waiting[end:]


def _after_offers(waiting: list[WaitingParty], offers: list[Offer]) -> list[WaitingParty]:
    """Drop seated parties (all in the window); everyone who joined earlier than a seated
    party and wants that kind of seat has been skipped once more (the strategies' aging
    guard counts this)."""
    seated = {offer.party_id: offer.kind for offer in offers}
    places = [(index, seated[party.id]) for index, party in enumerate(waiting[:WINDOW]) if party.id in seated]
    last, out = places[-1][0], []
    for index in range(last):
        party = waiting[index]
        if party.id not in seated:
            skipped = sum(1 for place, kind in places if place > index and party.accepts(kind))
            # The constructor, not dataclasses.replace: this runs for every decision simulated.
            out.append(WaitingParty(party.id, party.size, party.preference, party.joined_ms, party.skips + skipped)
                       if skipped else party)
    out.extend(waiting[last + 1:])
    return out


def tonight_model(situation: Situation, turns: TurnModel, now_ms: int) -> TurnModel:
    """``turns`` adapted to tonight: the meals of its tonight window still under way count
    with what they have lasted so far (one per party, however many tables it holds)."""
    if turns.tonight_from_ms is None:
        return turns.tonight()
    ongoing = []
    for group in busy_groups(situation):
        unit = situation.units[group[0]]
        busy = situation.busy[unit.id]
        if busy.state == TABLE_OCCUPIED and turns.tonight_from_ms <= busy.since_ms <= (turns.tonight_to_ms or now_ms):
            ongoing.append((unit.kind, busy.seats_used, (now_ms - busy.since_ms) / MINUTE_MS))
    return turns.tonight(ongoing)


def simulate_waits(situation: Situation, strategy: Strategy, policy: Policy, turns: TurnModel, now_ms: int,
                   extra: WaitingParty | None = None) -> dict[int, list[int | None]]:
    """Simulated waits in ms of every waiting party (and ``extra``, appended last), one per
    run in which that party stays in line; None where it is not seated within the horizon."""
    waiting = list(situation.waiting) + ([extra] if extra else [])
    results: dict[int, list[int | None]] = {party.id: [] for party in waiting}
    if not waiting:
        return results
    turns = tonight_model(situation, turns, now_ms)
    groups = busy_groups(situation)
    chances = leave_chances(waiting, turns, now_ms)
    for row, run_turns in zip(draws(RUNS), turns.futures(model_draws(RUNS, 0), model_draws(RUNS, 1)), strict=True):
        leave_at = leavers(waiting, chances, turns, row)
        seated = _run(situation, groups, strategy, policy, run_turns, now_ms, list(waiting), leave_at, row)
        for party in waiting:
            if party.id not in leave_at:
                results[party.id].append(seated.get(party.id))
    return results


def fits(party: WaitingParty, room: tuple[int, int]) -> bool:
    """Whether some placement on a floor of this ``_room`` could seat the party at all."""
    table_room, counter_room = room
    return (party.preference != COUNTER and party.size <= table_room) or \
        (party.preference != TABLE and party.size <= counter_room)


def wait_range(samples: list[int | None]) -> Quote | None:
    """The quoted range from one party's simulated waits (whole minutes, low rounded down
    and high up, at least a minute apart unless nearly every future seats the party at
    once: ``(0, 0)``); ``(OPEN_MINUTES, None)`` when its high end is beyond the horizon;
    None when there are no samples."""
    if not samples:
        return None
    seated = sorted(s for s in samples if s is not None)
    if len(seated) < HIGH * len(samples):
        return OPEN_MINUTES, None
    values = seated + [HORIZON_MS] * (len(samples) - len(seated))

    def quantile(q: float) -> float:
        # At rank q * (n + 1) of n: the q-th quantile of the distribution the n futures are
        # drawn from (with q * (n - 1), a range of 16 futures' 25th to 80th would hold the
        # wait 48% of the time, not 55%).
        i, part = divmod(min(max(q * (len(values) + 1) - 1, 0.0), len(values) - 1.0), 1)
        return values[int(i)] + (values[min(int(i) + 1, len(values) - 1)] - values[int(i)]) * part

    high = math.ceil(quantile(HIGH) / MINUTE_MS)
    if high == 0:
        return 0, 0  # seated at once in all but the odd future: "seated now", no minute more
    low = int(quantile(LOW) // MINUTE_MS)
    return low, max(low + 1, high)


def estimate_waiting(situation: Situation, strategy: Strategy, policy: Policy, turns: TurnModel,
                     now_ms: int) -> dict[int, Quote | None]:
    """A (low, high) range in minutes for every waiting party, open-ended past the horizon;
    None when no table fits it."""
    samples, room = simulate_waits(situation, strategy, policy, turns, now_ms), _room(situation.units, policy)
    return {p.id: wait_range(samples[p.id]) if fits(p, room) else None for p in situation.waiting}


def estimate_new(situation: Situation, strategy: Strategy, policy: Policy, turns: TurnModel, now_ms: int,
                 size: int, preference: str) -> Quote | None:
    """The range a new party of ``size`` and ``preference`` would be quoted if it joined now."""
    newcomer = WaitingParty(id=-1, size=size, preference=preference, joined_ms=now_ms)
    if not fits(newcomer, _room(situation.units, policy)):
        return None
    return wait_range(simulate_waits(situation, strategy, policy, turns, now_ms, extra=newcomer)[-1])
