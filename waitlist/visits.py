"""Stores parties that reached an end state as ``Visit`` rows, exactly once each.

The Lua scripts queue a JSON record of every ended party; this recorder copies them to the
database and then removes them. Two recorders (two workers) may copy the same record: the
unique token keeps one row, and the removal is a no-op the second time. A crash between the
insert and the removal leaves the record queued, to be stored (again, harmlessly) later.
"""

from datetime import UTC, datetime

from restaurants.layout import layout_for
from restaurants.models import Restaurant, Visit

from . import queue


def _at(ms) -> datetime | None:
    return datetime.fromtimestamp(int(ms) / 1000, tz=UTC) if ms not in (None, "") else None


def visit_from_record(restaurant: Restaurant, record: dict) -> Visit:
    layout = layout_for(restaurant)
    table_ids = [int(t) for t in (record.get("tb") or "").split(",") if t]
    units = [layout.unit(t) for t in table_ids if layout.unit(t) is not None]
    seated = _at(record.get("se"))
    return Visit(
        restaurant=restaurant,
        token=record["tk"],
        party_number=int(record["id"]),
        size=int(record["s"]),
        preference=record["p"],
        source=record.get("src", "remote"),
        outcome=record["st"],
        reason=record.get("why", ""),
        tables=", ".join(u.label for u in units) if seated else "",
        table_seats=sum(u.seats for u in units) if seated and units else None,
        table_kind=units[0].kind if seated and units else "",
        skips=int(record.get("sk", 0)),
        quoted_low=int(record["ql"]) if record.get("ql") else None,
        quoted_high=int(record["qh"]) if record.get("qh") else None,
        joined_at=_at(record["j"]),
        notified_at=_at(record.get("o")),
        seated_at=seated,
        ended_at=_at(record["e"]),
    )


def record_ended(*, restaurant: Restaurant, batch: int = 200) -> int:
    """Copy queued end-state records to the database; returns how many were removed."""
    raw = queue.ended_records(restaurant_id=restaurant.id, limit=batch)
    if not raw:
        return 0
    visits = [visit_from_record(restaurant, queue.decode_record(item)) for item in raw]
    Visit.objects.bulk_create(visits, ignore_conflicts=True)
    return queue.ack_ended(restaurant_id=restaurant.id, records=raw)
