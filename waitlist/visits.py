"""Stores parties that reached an end state as ``Visit`` rows, exactly once each.

The Lua scripts queue a JSON record of every ended party; this recorder copies them to the
database and then removes them. Two recorders (two workers) may copy the same record: the
unique token keeps one row, and the removal is a no-op the second time. A crash between the
insert and the removal leaves the record queued, to be stored (again, harmlessly) later.
"""

from datetime import datetime

from domain.durations import to_datetime
from restaurants import caches
from restaurants.models import Restaurant, Visit

from . import queue
from .state import Party


def _at(ms: int | None) -> datetime | None:
    return to_datetime(ms) if ms is not None else None


def visit_from_record(restaurant: Restaurant, record: dict) -> Visit:
    party = Party.from_script(record)
    layout = caches.layout(restaurant)
    units = [layout.unit(t) for t in party.table_ids if layout.unit(t) is not None]
    seated = party.seated_ms is not None
    return Visit(
        restaurant=restaurant,
        token=party.token,
        party_number=party.id,
        size=party.size,
        preference=party.preference,
        source=party.source,
        outcome=party.state,
        reason=party.reason,
        tables=", ".join(u.label for u in units) if seated else "",
        table_seats=sum(u.seats for u in units) if seated and units else None,
        table_kind=units[0].kind if seated and units else "",
        skips=party.skips,
        guest_key=party.guest_key,
        quoted_low=party.quote_low,
        quoted_high=party.quote_high,
        joined_at=_at(party.joined_ms),
        notified_at=_at(party.offered_ms),
        seated_at=_at(party.seated_ms),
        ended_at=_at(party.ended_ms),
    )


def record_ended(*, restaurant: Restaurant, batch: int = 200) -> int:
    """Copy queued end-state records to the database; returns how many were removed."""
    raw = queue.ended_records(restaurant_id=restaurant.id, limit=batch)
    if not raw:
        return 0
    visits = [visit_from_record(restaurant, queue.decode_record(item)) for item in raw]
    Visit.objects.bulk_create(visits, ignore_conflicts=True)
    return queue.ack_ended(restaurant_id=restaurant.id, records=raw)
