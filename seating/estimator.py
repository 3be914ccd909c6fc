"""Wait estimates by looking ahead: simulate the restaurant's own strategy over the times its
tables are expected to free, so a party of 6 behind three couples is quoted from when a
six-top frees, not from its place in line.

Pure functions over frozen inputs: the live state comes in as ``Floor``, turn times as a
``TurnModel`` (learnt from visit history in ``seating.turns``). A range is two runs of the
same simulation, one with every meal at the ``LOW`` quantile of its turn time and one at
the ``HIGH`` quantile.
"""

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from .types import COUNTER, TABLE, Offer, Policy, Unit, WaitingParty

MINUTE_MS = 60_000
LOW, HIGH = 0.5, 0.8
# Parties deeper in line than this cannot be seated before those ahead of them under any of
# our strategies except by skipping, which the window still allows; bounding it keeps one
# estimate of a long queue linear in its length.
WINDOW = 30
HORIZON_MS = 8 * 60 * MINUTE_MS


@dataclass(frozen=True)
class TurnModel:
    """Meal lengths in minutes. ``samples`` maps (kind, seats) to sorted observed turns;
    where there are too few, a log-normal around the restaurant's default is used."""

    table_minutes: float = 60.0
    counter_minutes: float = 40.0
    spread: float = 0.35  # log-normal sigma of the defaults
    samples: dict[tuple[str, int], tuple[float, ...]] = field(default_factory=dict)
    cleaning_minutes: float = 4.0
    checkin_minutes: float = 3.0  # a notified party usually arrives within this
    min_samples: int = 12

    def _sorted(self, kind: str, seats: int) -> tuple[float, ...] | None:
        data = self.samples.get((kind, seats))
        if data is None and kind == TABLE:
            # Nearest table size with enough history.
            sizes = sorted((s for k, s in self.samples if k == kind and len(self.samples[(k, s)]) >= self.min_samples),
                           key=lambda s: abs(s - seats))
            data = self.samples[(kind, sizes[0])] if sizes else None
        return data if data and len(data) >= self.min_samples else None

    def quantile(self, kind: str, seats: int, q: float, elapsed: float = 0.0) -> float:
        """Total meal length at quantile ``q``, given it has already lasted ``elapsed``."""
        data = self._sorted(kind, seats)
        if data is not None:
            start = bisect.bisect_right(data, elapsed)
            rest = data[start:]
            if len(rest) >= 3:
                return rest[min(len(rest) - 1, int(q * len(rest)))]
            return elapsed + self.cleaning_minutes
        median = self.counter_minutes if kind == COUNTER else self.table_minutes
        base = _lognormal_cdf(elapsed, median, self.spread) if elapsed > 0 else 0.0
        return max(elapsed + 1.0, _lognormal_quantile(base + q * (1 - base), median, self.spread))


def _lognormal_cdf(x: float, median: float, sigma: float) -> float:
    return 0.5 * (1 + math.erf(math.log(x / median) / (sigma * math.sqrt(2))))


def _lognormal_quantile(p: float, median: float, sigma: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return median * math.exp(sigma * math.sqrt(2) * _erfinv(2 * p - 1))


def _erfinv(y: float) -> float:
    # Winitzki's approximation refined by two Newton steps: plenty for minutes.
    a = 0.147
    ln = math.log(1 - y * y)
    first = 2 / (math.pi * a) + ln / 2
    x = math.copysign(math.sqrt(math.sqrt(first * first - ln / a) - first), y)
    for _ in range(2):
        x -= (math.erf(x) - y) / (2 / math.sqrt(math.pi) * math.exp(-x * x))
    return x


@dataclass(frozen=True)
class Busy:
    """A unit that is not free now: occupied (since), cleaning (since) or held for a party
    that has been notified (since the offer)."""

    state: str  # occupied | cleaning | held
    since_ms: int
    seats_used: int  # table seats of the whole party's placement (for the turn model)


@dataclass(frozen=True)
class Floor:
    units: tuple[Unit, ...]
    busy: dict[int, Busy]
    waiting: tuple[WaitingParty, ...]  # join order


Strategy = Callable[[Sequence[Unit], Sequence[WaitingParty], Policy, int], list[Offer]]


def simulate(floor: Floor, strategy: Strategy, policy: Policy, turns: TurnModel, now_ms: int, q: float,
             extra: WaitingParty | None = None) -> dict[int, int]:
    """Milliseconds from now until each waiting party (and ``extra``, appended last) is
    offered a table, with every meal lasting its ``q`` quantile."""
    free_at: dict[int, int] = {}
    for unit in floor.units:
        busy = floor.busy.get(unit.id)
        free_at[unit.id] = now_ms if busy is None else _free_time(unit, busy, turns, now_ms, q)
    waiting = list(floor.waiting) + ([extra] if extra else [])
    units = {unit.id: unit for unit in floor.units}
    seated: dict[int, int] = {}
    t = now_ms
    while waiting and t - now_ms <= HORIZON_MS:
        free = [units[uid] for uid, at in free_at.items() if at <= t]
        offers = strategy(free, waiting[:WINDOW], policy, t) if free else []
        if offers:
            for offer in offers:
                seated[offer.party_id] = t - now_ms
                seats = sum(units[uid].seats for uid in offer.table_ids)
                minutes = turns.checkin_minutes + turns.quantile(offer.kind, seats, q)
                for uid in offer.table_ids:
                    free_at[uid] = t + int((minutes + turns.cleaning_minutes) * MINUTE_MS)
            waiting = _after_offers(waiting, offers)
            continue
        later = [at for at in free_at.values() if at > t]
        if not later:
            break  # nothing will ever free: parties left are larger than any table
        t = min(later)
    return seated


def _free_time(unit: Unit, busy: Busy, turns: TurnModel, now_ms: int, q: float) -> int:
    elapsed = max(0.0, (now_ms - busy.since_ms) / MINUTE_MS)
    if busy.state == "cleaning":
        minutes = max(elapsed + 0.5, turns.cleaning_minutes)
    elif busy.state == "held":
        minutes = (max(elapsed, turns.checkin_minutes) + turns.quantile(unit.kind, busy.seats_used, q)
                   + turns.cleaning_minutes)
    else:
        minutes = turns.quantile(unit.kind, busy.seats_used, q, elapsed) + turns.cleaning_minutes
    return max(now_ms, busy.since_ms + int(minutes * MINUTE_MS))


def _after_offers(waiting: list[WaitingParty], offers: list[Offer]) -> list[WaitingParty]:
    """Drop seated parties; everyone who joined earlier than a seated party and wants that
    kind of seat has been skipped once more (the strategies' aging guard counts this)."""
    seated = {offer.party_id: offer.kind for offer in offers}
    order = {party.id: index for index, party in enumerate(waiting)}
    out = []
    for index, party in enumerate(waiting):
        if party.id in seated:
            continue
        skipped = sum(1 for pid, kind in seated.items() if order[pid] > index and party.accepts(kind))
        out.append(replace(party, skips=party.skips + skipped) if skipped else party)
    return out


def quote_range(low_ms: int | None, high_ms: int | None) -> tuple[int, int] | None:
    if low_ms is None:
        return None
    low = int(low_ms // MINUTE_MS)
    high = max(low + 1, math.ceil((high_ms if high_ms is not None else low_ms) / MINUTE_MS))
    return (low, high)


def estimate_waiting(floor: Floor, strategy: Strategy, policy: Policy, turns: TurnModel,
                     now_ms: int) -> dict[int, tuple[int, int] | None]:
    """A (low, high) range in minutes for every waiting party; None when no table fits."""
    low = simulate(floor, strategy, policy, turns, now_ms, LOW)
    high = simulate(floor, strategy, policy, turns, now_ms, HIGH)
    return {p.id: quote_range(low.get(p.id), high.get(p.id)) for p in floor.waiting}


def estimate_new(floor: Floor, strategy: Strategy, policy: Policy, turns: TurnModel, now_ms: int,
                 size: int, preference: str) -> tuple[int, int] | None:
    """The range a new party of ``size`` and ``preference`` would be quoted if it joined now."""
    newcomer = WaitingParty(id=-1, size=size, preference=preference, joined_ms=now_ms)
    low = simulate(floor, strategy, policy, turns, now_ms, LOW, extra=newcomer).get(-1)
    high = simulate(floor, strategy, policy, turns, now_ms, HIGH, extra=newcomer).get(-1)
    return quote_range(low, high)


