"""A restaurant's tables as the seating code sees them, cached per process.

The floor plan changes only when a manager saves the restaurant in admin (which bumps
``updated_at``), so the cache key includes that timestamp and needs no invalidation.
"""

import threading
from dataclasses import dataclass
from functools import cached_property

from seating.types import COUNTER, EITHER, TABLE, Unit

from .models import Restaurant

_cache: dict[tuple[int, object], "Layout"] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Layout:
    units: tuple[Unit, ...]
    preferences: tuple[str, ...]  # what a diner may choose, in form order

    def unit(self, table_id: int) -> Unit | None:
        return self.by_id.get(table_id)

    @cached_property
    def by_id(self) -> dict[int, Unit]:
        return {unit.id: unit for unit in self.units}

    def labels(self, table_ids) -> str:
        by_id = self.by_id
        return ", ".join(by_id[t].label for t in table_ids if t in by_id)


def build_layout(restaurant: Restaurant) -> Layout:
    tables = sorted(restaurant.tables.all(), key=lambda t: (t.kind != TABLE, t.position, t.label))
    units = tuple(Unit(id=t.id, seats=t.seats, kind=t.kind, position=t.position, label=t.label) for t in tables)
    kinds = {u.kind for u in units}
    preferences = tuple(
        p for p, needs in ((TABLE, {TABLE}), (COUNTER, {COUNTER}), (EITHER, {TABLE, COUNTER})) if needs <= kinds
    )
    return Layout(units=units, preferences=preferences)


def layout_for(restaurant: Restaurant) -> Layout:
    key = (restaurant.id, restaurant.updated_at)
    layout = _cache.get(key)
    if layout is None:
        layout = build_layout(restaurant)
        with _lock:
            for old in [k for k in _cache if k[0] == restaurant.id]:
                del _cache[old]
            _cache[key] = layout
    return layout
