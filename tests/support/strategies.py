"""Helpers for the strategy tests (tests/test_strategies*.py): units, parties and a run of a
strategy by name, over the pure domain (no database, no Redis)."""

from domain.strategies import STRATEGIES
from domain.values import COUNTER, TABLE, Offer, Policy, Unit, WaitingParty

NOW = 10_000_000
GUARDED = ["first_fit", "best_fit"]


def table(id: int, seats: int, position: int | None = None) -> Unit:
    return Unit(id=id, seats=seats, kind=TABLE, position=id if position is None else position, label=f"T{id}")


def counter(*positions: int, first_id: int = 100) -> list[Unit]:
    """One 1-seat counter unit per position; ids start at ``first_id``."""
    return [Unit(id=first_id + n, seats=1, kind=COUNTER, position=p, label=f"C{p}") for n, p in enumerate(positions)]


def party(id: int, size: int, preference: str = TABLE, *, skips: int = 0, joined_ms: int | None = None) -> WaitingParty:
    return WaitingParty(id=id, size=size, preference=preference,
                        joined_ms=id * 1000 if joined_ms is None else joined_ms, skips=skips)


def run(name: str, free, waiting, policy: Policy = Policy(), now_ms: int = NOW) -> list[Offer]:
    return STRATEGIES[name].choose(list(free), list(waiting), policy, now_ms)


def seated(offers: list[Offer]) -> dict[int, tuple[int, ...]]:
    """party id -> unit ids, checking on the way that nothing is offered twice."""
    result = {o.party_id: o.table_ids for o in offers}
    assert len(result) == len(offers), f"a party got two offers: {offers}"
    units = [u for o in offers for u in o.table_ids]
    assert len(units) == len(set(units)), f"a unit was offered twice: {offers}"
    return result


def positions(offer: Offer, free) -> list[int]:
    by_id = {u.id: u for u in free}
    return sorted(by_id[i].position for i in offer.table_ids)
