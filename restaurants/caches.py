"""Per-process caches of what every request starts with: the restaurant row (by slug) and
its tables as the seating code sees them (the ``Layout``).

Every diner request, every stream and every host action looks up its restaurant; its row
changes only when a manager saves it in admin. Saving forgets it in the saving process at
once; other server processes see the change within settings.RESTAURANT_CACHE_SECONDS. The
layout is keyed on the row's ``updated_at`` (admin bumps it when the tables change), so it
needs no invalidation of its own.
"""

import os
import threading
import time
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings

from domain.values import COUNTER, EITHER, TABLE, Unit

from .models import Restaurant

_rows: dict[str, tuple[float, Restaurant]] = {}
_layouts: dict[tuple[int, object], "Layout"] = {}
_lock = threading.Lock()


def restaurant(slug: str) -> Restaurant | None:
    """The restaurant with this slug, read again at most every RESTAURANT_CACHE_SECONDS."""
    hit = _rows.get(slug)
    if hit is not None and time.monotonic() - hit[0] < settings.RESTAURANT_CACHE_SECONDS:
        return hit[1]
    found = Restaurant.objects.filter(slug=slug).first()
    if found is not None:
        with _lock:
            _rows[slug] = (time.monotonic(), found)
    return found


def forget(slug: str | None = None) -> None:
    with _lock:
        if slug is None:
            _rows.clear()
        else:
            _rows.pop(slug, None)


# A forked server process (test servers are forked) starts with nothing it did not read.
os.register_at_fork(after_in_child=forget)


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


def layout(restaurant: Restaurant) -> Layout:
    """The restaurant's tables as units, rebuilt when the row's ``updated_at`` changes."""
    key = (restaurant.id, restaurant.updated_at)
    found = _layouts.get(key)
    if found is None:
        found = build_layout(restaurant)
        with _lock:
            for old in [k for k in _layouts if k[0] == restaurant.id]:
                del _layouts[old]
            _layouts[key] = found
    return found
