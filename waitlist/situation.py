"""The live queue as the domain sees it: a snapshot and the layout turned into the frozen
inputs of the strategies and the estimator (``domain.values``, ``domain.estimator``)."""

from domain.durations import MINUTE_MS
from domain.estimator import Busy, Situation
from domain.values import (
    HELD,
    TABLE_CLEANING,
    TABLE_OCCUPIED,
    TABLE_READY,
    Policy,
    Unit,
    WaitingParty,
)
from restaurants.caches import Layout
from restaurants.models import Restaurant

from .state import Party, Snapshot


def policy_for(restaurant: Restaurant) -> Policy:
    return Policy(
        max_skips=restaurant.max_skips,
        max_wait_ms=restaurant.max_wait_minutes * MINUTE_MS if restaurant.max_wait_minutes else None,
        tables_combine=restaurant.tables_combine,
    )


def waiting_party(party: Party) -> WaitingParty:
    return WaitingParty(id=party.id, size=party.size, preference=party.preference, joined_ms=party.joined_ms,
                        skips=party.skips)


def waiting_parties(snapshot: Snapshot) -> tuple[WaitingParty, ...]:
    return tuple(waiting_party(p) for p in snapshot.waiting)


def free_units(snapshot: Snapshot, layout: Layout) -> list[Unit]:
    """Units that are ready and not held for anyone."""
    return [u for u in layout.units
            if snapshot.table(u.id).state == TABLE_READY and snapshot.table(u.id).party_id is None]


def situation_from(snapshot: Snapshot, layout: Layout) -> Situation:
    parties = {p.id: p for p in snapshot.active}
    busy = {}
    for unit in layout.units:
        state = snapshot.table(unit.id)
        party = parties.get(state.party_id) if state.party_id else None
        seats_used = sum(layout.by_id[t].seats for t in party.table_ids if t in layout.by_id) if party else unit.seats
        if state.state == TABLE_OCCUPIED:
            busy[unit.id] = Busy(TABLE_OCCUPIED, state.since_ms or 0, seats_used, state.party_id)
        elif state.state == TABLE_CLEANING:
            busy[unit.id] = Busy(TABLE_CLEANING, state.since_ms or 0, unit.seats)
        elif state.party_id is not None:
            busy[unit.id] = Busy(HELD, state.since_ms or 0, seats_used, state.party_id)
    return Situation(units=layout.units, busy=busy, waiting=waiting_parties(snapshot))
