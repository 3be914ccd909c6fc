"""Turn a live snapshot into the frozen inputs of strategies and the estimator."""

from restaurants.layout import Layout
from restaurants.models import Restaurant
from waitlist.types import Snapshot

from .estimator import Busy, Floor
from .types import Policy, Unit, WaitingParty

MINUTE_MS = 60_000


def policy_for(restaurant: Restaurant) -> Policy:
    return Policy(
        max_skips=restaurant.max_skips,
        max_wait_ms=restaurant.max_wait_minutes * MINUTE_MS if restaurant.max_wait_minutes else None,
        tables_combine=restaurant.tables_combine,
    )


def waiting_parties(snapshot: Snapshot) -> tuple[WaitingParty, ...]:
    return tuple(WaitingParty(id=p.id, size=p.size, preference=p.preference, joined_ms=p.joined_ms, skips=p.skips)
                 for p in snapshot.waiting)


def free_units(snapshot: Snapshot, layout: Layout) -> list[Unit]:
    """Units that are ready and not held for anyone."""
    return [u for u in layout.units if snapshot.table(u.id).state == "ready" and snapshot.table(u.id).party_id is None]


def floor_from(snapshot: Snapshot, layout: Layout) -> Floor:
    parties = {p.id: p for p in snapshot.active}
    busy = {}
    for unit in layout.units:
        state = snapshot.table(unit.id)
        party = parties.get(state.party_id) if state.party_id else None
        seats_used = sum(layout.by_id[t].seats for t in party.table_ids if t in layout.by_id) if party else unit.seats
        if state.state == "occupied":
            busy[unit.id] = Busy("occupied", state.since_ms or 0, seats_used, state.party_id)
        elif state.state == "cleaning":
            busy[unit.id] = Busy("cleaning", state.since_ms or 0, unit.seats)
        elif state.party_id is not None:
            busy[unit.id] = Busy("held", state.since_ms or 0, seats_used, state.party_id)
    return Floor(units=layout.units, busy=busy, waiting=waiting_parties(snapshot))
