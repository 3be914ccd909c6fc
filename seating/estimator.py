"""Wait estimates by looking ahead: simulate the restaurant's own strategy over the times its
tables are expected to free, so a party of 6 behind three couples is quoted from when a
six-top frees, not from its place in line.

Pure functions over frozen inputs: the live state comes in as ``Floor``, what history says
about meals, check-ins, no-shows, walk-aways and arrivals as a ``TurnModel``
(``seating.turn_model``, loaded from the visits by ``seating.turns``).

One simulation with every meal at its median is not the median wait: the first of eight
busy tables frees much sooner than the median of any one of them, a no-show frees a table
after the check-in hold instead of a meal, a party ahead that gives up shortens the line,
and under best fit (or with combined tables) parties who have not arrived yet take tables
a waiting party was counting on. So the estimate is a small Monte Carlo: a few simulated
futures, each drawing every random quantity from a fixed table of stratified uniforms (the
same numbers on every call, so the same state always gets the same quote, and a party's
quote at join equals its first estimate once in line); the quoted range is the
``LOW``..``HIGH`` quantiles of the simulated waits.
"""

import bisect
import heapq
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache

from .strategies import MAX_COMBINED_TABLES, best_fit, first_fit, is_starving
from .turn_model import TurnModel
from .types import COUNTER, TABLE, Offer, Policy, Unit, WaitingParty

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
# Quantiles of the simulated waits that bound the quoted range.
LOW, HIGH = 0.25, 0.8
# Runs per estimate: up to RUNS, fewer for long lines so that runs x parties stays near
# RUN_BUDGET (a long line's waits are sums of many meals, which few runs capture well).
RUNS, MIN_RUNS, RUN_BUDGET = 16, 4, 16 * 16
# Parties deeper in line than this cannot be seated before those ahead of them under any of
# our strategies except by skipping, which the window still allows; bounding it keeps one
# simulation of a long queue linear in its length.
WINDOW = 30
HORIZON_MS = 8 * HOUR_MS
ARRIVALS_AHEAD_MS, MAX_ARRIVALS = 3 * HOUR_MS, 60


@dataclass(frozen=True)
class Busy:
    """A unit that is not free now: occupied (since), cleaning (since) or held for a party
    that has been notified (since the offer)."""

    state: str  # occupied | cleaning | held
    since_ms: int
    seats_used: int  # table seats of the whole party's placement (for the turn model)
    party_id: int | None = None  # whose meal or hold it is, when known


@dataclass(frozen=True)
class Floor:
    units: tuple[Unit, ...]
    busy: dict[int, Busy]
    waiting: tuple[WaitingParty, ...]  # join order


Strategy = Callable[[Sequence[Unit], Sequence[WaitingParty], Policy, int], list[Offer]]
# Strategies whose answer depends only on the parties that could sit, plus the starving
# ones that reserve seats (seating.strategies._with_guard).
_GUARDED = (first_fit, best_fit)

# Uniform draws, fixed for the process: run r reads row r. Each column is stratified over
# the runs (one value in each 1/runs slice), so few runs cover every quantile evenly.
# Columns: three per busy unit, five per party in line, 128 per hour of arrivals (draws are
# reused, far apart, beyond 64 units, 166 parties or 4 hours).
COLUMNS, PARTY_BASE, ARRIVAL_BASE = 1536, 192, 1024


@cache
def _draws(runs: int) -> tuple[tuple[float, ...], ...]:
    rng = random.Random(20_260_101 + runs)
    columns = []
    for _ in range(COLUMNS):
        keys = [rng.random() for _ in range(runs)]
        columns.append([(slot + rng.random()) / runs for slot in sorted(range(runs), key=keys.__getitem__)])
    return tuple(zip(*columns, strict=True))


def _unit_draw(row, index: int, k: int) -> float:
    return row[(index * 3 + k) % PARTY_BASE]


def _party_draw(row, index: int, k: int) -> float:
    return row[PARTY_BASE + (index * 5 + k) % (ARRIVAL_BASE - PARTY_BASE)]


def busy_groups(floor: Floor) -> list[tuple[int, ...]]:
    """Indices (in ``floor.units``) of the units each party holds or uses: they free
    together, so they share one draw. Without ``party_id``, units with the same state, time
    and placement size are one party's, split in floor order into placements of that size
    when several parties were seated at the same moment."""
    keyed: dict[object, list[int]] = {}
    for index, unit in enumerate(floor.units):
        if (busy := floor.busy.get(unit.id)) is not None:
            key = busy.party_id if busy.party_id is not None else (busy.state, busy.since_ms, busy.seats_used, unit.kind)
            keyed.setdefault(key, []).append(index)
    groups, group, seats = [], [], 0
    for indices in keyed.values():
        used = floor.busy[floor.units[indices[0]].id].seats_used
        for n, index in enumerate(indices):
            group.append(index)
            seats += floor.units[index].seats
            if seats >= used or n == len(indices) - 1:
                groups.append(tuple(group))
                group, seats = [], 0
    return sorted(groups)


def _free_at(unit: Unit, index: int, busy: Busy, turns: TurnModel, now_ms: int, row) -> int:
    """When this busy unit (and the rest of its party's placement) will be free again."""
    elapsed = max(0.0, (now_ms - busy.since_ms) / MINUTE_MS)
    if busy.state == "cleaning":
        minutes = max(elapsed + 0.5, turns.cleaning_minutes)
    elif busy.state == "held":
        if elapsed >= turns.hold_minutes or _unit_draw(row, index, 1) < turns.no_show_after(elapsed):
            minutes = max(elapsed, turns.hold_minutes)
        else:
            minutes = (turns.checkin(_unit_draw(row, index, 2), elapsed)
                       + turns.quantile(unit.kind, busy.seats_used, _unit_draw(row, index, 0))
                       + turns.cleaning_minutes)
    else:
        minutes = turns.quantile(unit.kind, busy.seats_used, _unit_draw(row, index, 0), elapsed) + turns.cleaning_minutes
    return max(now_ms, busy.since_ms + int(minutes * MINUTE_MS))


def _arrivals(turns: TurnModel, now_ms: int, row) -> list[WaitingParty]:
    """Parties joining in the next hours, a Poisson process at the learnt hourly rates.
    Draws are keyed by the absolute hour, so a later estimate sees the same newcomers."""
    if not turns.arrivals or not turns.arrival_mix:
        return []
    out: list[WaitingParty] = []
    offset = turns.utc_offset_minutes * MINUTE_MS
    hour = (now_ms + offset) // HOUR_MS
    while hour * HOUR_MS - offset < now_ms + ARRIVALS_AHEAD_MS and len(out) < MAX_ARRIVALS:
        rate = turns.arrivals.get((((hour // 24) + 3) % 7, hour % 24), 0.0)
        base = ARRIVAL_BASE + (hour % 4) * 128
        count, p, total, u = 0, math.exp(-rate), math.exp(-rate), row[base]
        while u > total and count < 63:
            count += 1
            p *= rate / count
            total += p
        times = sorted(hour * HOUR_MS - offset + int(row[base + 1 + 2 * i] * HOUR_MS) for i in range(count))
        for i, at in enumerate(times):
            if at > now_ms:
                size, preference = turns.arrival_mix[int(row[base + 2 + 2 * i] * len(turns.arrival_mix))]
                out.append(WaitingParty(id=-2 - len(out), size=size, preference=preference, joined_ms=at))
        hour += 1
    return out[:MAX_ARRIVALS]


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
    table_room = sum(sorted(singles)[-MAX_COMBINED_TABLES:]) if policy.tables_combine else largest
    counter_room, run, last = 0, 0, None
    for position in sorted(u.position for u in free if u.kind == COUNTER):
        run = run + 1 if position == last else 1
        counter_room, last = max(counter_room, run), position + 1
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


def _run(floor: Floor, groups: list[tuple[int, ...]], strategy: Strategy, policy: Policy, turns: TurnModel,
         now_ms: int, waiting: list[WaitingParty], leave_at: dict[int, int], row) -> dict[int, int]:
    """One simulated future: milliseconds from now until each party is offered a table."""
    units = floor.units
    index_of = {unit.id: index for index, unit in enumerate(units)}
    free = [index for index, unit in enumerate(units) if unit.id not in floor.busy]
    pending = []
    for group in groups:
        first = units[group[0]]
        at = _free_at(first, group[0], floor.busy[first.id], turns, now_ms, row)
        pending.extend((at, index) for index in group)
    heapq.heapify(pending)
    incoming = _arrivals(turns, now_ms, row)
    slot = {party.id: (index, party.size) for index, party in enumerate(waiting + incoming)}
    targets = {party.id for party in waiting}
    leaving = sorted((at, pid) for pid, at in leave_at.items())
    seated: dict[int, int] = {}
    t, arrived = now_ms, 0
    while targets:
        if pending and pending[0][0] <= t:
            while pending and pending[0][0] <= t:
                free.append(heapq.heappop(pending)[1])
            free.sort()
        while arrived < len(incoming) and incoming[arrived].joined_ms <= t:
            waiting.append(incoming[arrived])
            arrived += 1
        while leaving and leaving[0][0] <= t:
            gone = leaving.pop(0)[1]
            waiting = [p for p in waiting if p.id != gone]
            targets.discard(gone)
        if free and waiting:
            usable, candidates = _narrow(strategy, [units[i] for i in free], waiting[:WINDOW], policy, t)
            offers = strategy(usable, candidates, policy, t) if candidates else []
            if offers:
                for offer in offers:
                    seated[offer.party_id] = t - now_ms
                    targets.discard(offer.party_id)
                    index, size = slot[offer.party_id]
                    if _party_draw(row, index, 2) < turns.no_show_rate:
                        minutes = turns.hold_minutes
                    else:
                        seats = sum(units[index_of[uid]].seats for uid in offer.table_ids)
                        minutes = (turns.checkin(_party_draw(row, index, 1))
                                   + turns.meal(offer.kind, seats, size, _party_draw(row, index, 0))
                                   + turns.cleaning_minutes)
                    for uid in offer.table_ids:
                        free.remove(index_of[uid])
                        heapq.heappush(pending, (t + int(minutes * MINUTE_MS), index_of[uid]))
                waiting = _after_offers(waiting, offers)
                continue
        later = min(pending[0][0] if pending else math.inf, leaving[0][0] if leaving else math.inf,
                    incoming[arrived].joined_ms if arrived < len(incoming) else math.inf)
        if later == math.inf or later - now_ms > HORIZON_MS:
            break  # nothing will ever free (parties left are larger than any table), or too far
        t = later
    return seated


def _after_offers(waiting: list[WaitingParty], offers: list[Offer]) -> list[WaitingParty]:
    """Drop seated parties; everyone who joined earlier than a seated party and wants that
    kind of seat has been skipped once more (the strategies' aging guard counts this)."""
    seated = {offer.party_id: offer.kind for offer in offers}
    places = [(index, seated[party.id]) for index, party in enumerate(waiting) if party.id in seated]
    out = []
    for index in range(places[-1][0]):
        party = waiting[index]
        if party.id not in seated:
            skipped = sum(1 for place, kind in places if place > index and party.accepts(kind))
            out.append(replace(party, skips=party.skips + skipped) if skipped else party)
    out.extend(waiting[places[-1][0] + 1:])
    return out


def _leavers(waiting: Sequence[WaitingParty], turns: TurnModel, now_ms: int, row) -> dict[int, int]:
    """Parties that give up in this run, and when: as many as history says do, at the times
    they did (of those later than a party has already waited). A party is scored only on
    the runs it stays, so at most half of them may see it go."""
    data, out = turns.leave_samples, {}
    if turns.leave_rate <= 0 or not data:
        return out
    for index, party in enumerate(waiting):
        start = bisect.bisect_right(data, (now_ms - party.joined_ms) / MINUTE_MS)
        if _party_draw(row, index, 3) < min(0.5, turns.leave_rate * (len(data) - start) / len(data)):
            pick = data[min(len(data) - 1, start + int(_party_draw(row, index, 4) * (len(data) - start)))]
            out[party.id] = party.joined_ms + int(pick * MINUTE_MS)
    return out


def simulate_waits(floor: Floor, strategy: Strategy, policy: Policy, turns: TurnModel, now_ms: int,
                   extra: WaitingParty | None = None) -> dict[int, list[int | None]]:
    """Simulated waits in ms of every waiting party (and ``extra``, appended last), one per
    run in which that party stays in line; None where it is never seated."""
    waiting = list(floor.waiting) + ([extra] if extra else [])
    results: dict[int, list[int | None]] = {party.id: [] for party in waiting}
    if not waiting:
        return results
    groups = busy_groups(floor)
    for row in _draws(max(MIN_RUNS, min(RUNS, RUN_BUDGET // len(waiting)))):
        leave_at = _leavers(waiting, turns, now_ms, row)
        seated = _run(floor, groups, strategy, policy, turns, now_ms, list(waiting), leave_at, row)
        for party in waiting:
            if party.id not in leave_at:
                results[party.id].append(seated.get(party.id))
    return results


def wait_range(samples: list[int | None]) -> tuple[int, int] | None:
    """The quoted range from one party's simulated waits (whole minutes, low rounded down
    and high up); None when it is mostly never seated (no table fits it, or not within
    the horizon)."""
    seated = sorted(s for s in samples if s is not None)
    if not seated or len(seated) * 2 < len(samples):
        return None
    values = seated + [HORIZON_MS] * (len(samples) - len(seated))

    def quantile(q: float) -> float:
        i, part = divmod(q * (len(values) - 1), 1)
        return values[int(i)] + (values[min(int(i) + 1, len(values) - 1)] - values[int(i)]) * part

    low = int(quantile(LOW) // MINUTE_MS)
    return low, max(low + 1, math.ceil(quantile(HIGH) / MINUTE_MS))


def estimate_waiting(floor: Floor, strategy: Strategy, policy: Policy, turns: TurnModel,
                     now_ms: int) -> dict[int, tuple[int, int] | None]:
    """A (low, high) range in minutes for every waiting party; None when no table fits."""
    samples = simulate_waits(floor, strategy, policy, turns, now_ms)
    return {p.id: wait_range(samples[p.id]) for p in floor.waiting}


def estimate_new(floor: Floor, strategy: Strategy, policy: Policy, turns: TurnModel, now_ms: int,
                 size: int, preference: str) -> tuple[int, int] | None:
    """The range a new party of ``size`` and ``preference`` would be quoted if it joined now."""
    newcomer = WaitingParty(id=-1, size=size, preference=preference, joined_ms=now_ms)
    return wait_range(simulate_waits(floor, strategy, policy, turns, now_ms, extra=newcomer)[-1])
