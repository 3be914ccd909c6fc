"""Seating strategies: pure functions from free seats and the waiting line to offers.

Every strategy has the same signature::

    strategy(free: Sequence[Unit], waiting: Sequence[WaitingParty], policy: Policy, now_ms: int) -> list[Offer]

``waiting`` is in join order. The result offers each free unit at most once, so the
caller can make every offer (automatic policy) or show the first as a suggestion (host
policy). ``STRATEGIES`` is the registry; it also gives the admin its choices.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations

from .values import COUNTER, TABLE, Offer, Policy, Unit, WaitingParty


def _(message: str) -> str:
    """Marks a label for translation (``makemessages`` collects it); the apps translate it
    where they show it (``restaurants.models``, ``restaurants.admin``)."""
    return message


# Combining more tables than this is not something a host does for one party.
MAX_COMBINED_TABLES = 3


def placements(party: WaitingParty, free: Sequence[Unit], policy: Policy) -> list[Offer]:
    """Every way to seat ``party`` on ``free`` units it accepts, best first: fewest empty
    seats, then fewest units, then tables before counter, then the counter run that leaves
    the least stranded seats."""
    ranked: list[tuple[tuple, Offer]] = []
    if party.accepts(TABLE):
        tables = [u for u in free if u.kind == TABLE]
        singles = [u for u in tables if u.seats >= party.size]
        for unit in singles:
            ranked.append(((unit.seats - party.size, 1, 0, 0, unit.position), _offer(party, (unit,), TABLE)))
        if policy.tables_combine and not singles:
            for count in range(2, MAX_COMBINED_TABLES + 1):
                for combo in combinations(tables, count):
                    seats = sum(u.seats for u in combo)
                    if seats >= party.size:
                        ranked.append(((seats - party.size, count, 0, 0, combo[0].position), _offer(party, combo, TABLE)))
    if party.accepts(COUNTER):
        for run in counter_runs(free):
            if len(run) >= party.size:
                ranked.append(((0, party.size, 1, len(run) - party.size, run[0].position),
                               _offer(party, tuple(run[: party.size]), COUNTER)))
    ranked.sort(key=lambda item: item[0])
    return [offer for _, offer in ranked]


def _offer(party: WaitingParty, units: tuple[Unit, ...], kind: str) -> Offer:
    return Offer(party_id=party.id, table_ids=tuple(u.id for u in units), kind=kind,
                 empty_seats=sum(u.seats for u in units) - party.size)


def counter_runs(free: Sequence[Unit]) -> list[list[Unit]]:
    """Free counter seats grouped into runs of adjoining positions."""
    seats = sorted((u for u in free if u.kind == COUNTER), key=lambda u: u.position)
    runs: list[list[Unit]] = []
    for seat in seats:
        if runs and seat.position == runs[-1][-1].position + 1:
            runs[-1].append(seat)
        else:
            runs.append([seat])
    return runs


def _take(free: list[Unit], offer: Offer) -> None:
    used = set(offer.table_ids)
    free[:] = [u for u in free if u.id not in used]


def is_starving(party: WaitingParty, policy: Policy, now_ms: int) -> bool:
    """The aging guard: passed over too often, or waiting too long."""
    if party.skips >= policy.max_skips:
        return True
    return policy.max_wait_ms is not None and now_ms - party.joined_ms >= policy.max_wait_ms


def _reserves(party: WaitingParty, policy: Policy) -> Callable[[Unit], bool]:
    """Seats a starving party that cannot sit yet keeps from everyone behind it: tables
    big enough for it (every table when tables combine) and, when it takes the counter,
    all counter seats, since adjoining seats are what it needs."""

    def held(unit: Unit) -> bool:
        if unit.kind == TABLE:
            return party.accepts(TABLE) and (unit.seats >= party.size or policy.tables_combine)
        return party.accepts(COUNTER)

    return held


def fifo(free: Sequence[Unit], waiting: Sequence[WaitingParty], policy: Policy, now_ms: int) -> list[Offer]:
    """Strict first come, first served: nobody is seated ahead of an earlier party that
    wants the same kind of seat, even if a table would fit them."""
    free, offers, blocked = list(free), [], set()
    for party in waiting:
        if not free:
            break
        kinds = {kind for kind in (TABLE, COUNTER) if party.accepts(kind)} - blocked
        if not kinds:
            continue
        options = [o for o in placements(party, free, policy) if o.kind in kinds]
        if options:
            offers.append(options[0])
            _take(free, options[0])
        else:
            blocked |= kinds
    return offers


def _with_guard(free, waiting, policy, now_ms, choose) -> list[Offer]:
    """Starving parties choose first, in join order; those that cannot sit reserve seats
    from the parties behind them. Then ``choose`` places everyone else."""
    free, offers, holds, done = list(free), [], [], set()
    for index, party in enumerate(waiting):
        if not is_starving(party, policy, now_ms):
            continue
        done.add(party.id)
        allowed = [u for u in free if not any(i < index and held(u) for i, held in holds)]
        options = placements(party, allowed, policy)
        if options:
            offers.append(options[0])
            _take(free, options[0])
        else:
            holds.append((index, _reserves(party, policy)))
    others = [(index, party) for index, party in enumerate(waiting) if party.id not in done]

    def allowed_for(index: int) -> list[Unit]:
        return [u for u in free if not any(i < index and held(u) for i, held in holds)]

    offers.extend(choose(free, others, allowed_for, policy))
    return offers


def _choose_first(free, others, allowed_for, policy) -> list[Offer]:
    offers = []
    for index, party in others:
        if not free:
            break
        options = placements(party, allowed_for(index), policy)
        if options:
            offers.append(options[0])
            _take(free, options[0])
    return offers


def _choose_best(free, others, allowed_for, policy) -> list[Offer]:
    offers, remaining = [], list(others)
    while free and remaining:
        best = None
        for order, (index, party) in enumerate(remaining):
            options = placements(party, allowed_for(index), policy)
            if options and (best is None or (options[0].empty_seats, index) < best[0]):
                best = ((options[0].empty_seats, index), order, options[0])
        if best is None:
            break
        _, order, offer = best
        offers.append(offer)
        _take(free, offer)
        del remaining[order]
    return offers


def first_fit(free: Sequence[Unit], waiting: Sequence[WaitingParty], policy: Policy, now_ms: int) -> list[Offer]:
    """The earliest party that fits a free table gets it (the smallest table that fits)."""
    return _with_guard(free, waiting, policy, now_ms, _choose_first)


def best_fit(free: Sequence[Unit], waiting: Sequence[WaitingParty], policy: Policy, now_ms: int) -> list[Offer]:
    """The party that leaves the fewest empty seats gets the table; earliest on ties."""
    return _with_guard(free, waiting, policy, now_ms, _choose_best)


@dataclass(frozen=True)
class Strategy:
    label: str
    description: str
    choose: Callable[[Sequence[Unit], Sequence[WaitingParty], Policy, int], list[Offer]]


STRATEGIES: dict[str, Strategy] = {
    "fifo": Strategy(
        _("Strict first come, first served"),
        _("Parties are seated in the order they joined. If the next party does not fit the free "
          "table, the table waits for them: nobody jumps the line."),
        fifo,
    ),
    "first_fit": Strategy(
        _("First party that fits"),
        _("A free table goes to the earliest party that fits it, so small tables do not sit empty "
          "while a large party waits. A party passed over too often is seated next, before anyone "
          "behind it."),
        first_fit,
    ),
    "best_fit": Strategy(
        _("Best fit (fewest empty seats)"),
        _("A free table goes to the party that fills it best, earliest first on ties, which seats "
          "the most guests. A party passed over too often is seated next, before anyone behind it."),
        best_fit,
    ),
}


def get_strategy(name: str) -> Strategy:
    return STRATEGIES.get(name, STRATEGIES["first_fit"])
