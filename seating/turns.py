"""Turn times learnt from visit history, for the wait estimator.

Completed visits give observed meal lengths by kind and table size; with enough of them
the estimator uses them instead of the restaurant's defaults. Loaded at most once a few
minutes per process, since history changes slowly and the estimator runs on every change.
"""

import threading
import time
from datetime import timedelta

from django.utils import timezone

from restaurants.models import Outcome, Restaurant, Visit

from .estimator import TurnModel

HISTORY_DAYS = 28
RELOAD_SECONDS = 300
_cache: dict[int, tuple[float, TurnModel]] = {}
_lock = threading.Lock()


def turn_model(restaurant: Restaurant) -> TurnModel:
    cached = _cache.get(restaurant.id)
    if cached and time.monotonic() - cached[0] < RELOAD_SECONDS and cached[1].table_minutes == restaurant.default_turn_minutes:
        return cached[1]
    model = load_turn_model(restaurant)
    with _lock:
        _cache[restaurant.id] = (time.monotonic(), model)
    return model


def load_turn_model(restaurant: Restaurant, *, now=None) -> TurnModel:
    since = (now or timezone.now()) - timedelta(days=HISTORY_DAYS)
    rows = (Visit.objects.filter(restaurant=restaurant, outcome=Outcome.COMPLETED, ended_at__gte=since,
                                 seated_at__isnull=False)
            .values_list("table_kind", "table_seats", "seated_at", "ended_at"))
    samples: dict[tuple[str, int], list[float]] = {}
    for kind, seats, seated_at, ended_at in rows:
        if not kind or not seats:
            continue
        samples.setdefault((kind, seats), []).append((ended_at - seated_at).total_seconds() / 60)
    return TurnModel(
        table_minutes=float(restaurant.default_turn_minutes),
        counter_minutes=float(restaurant.default_counter_turn_minutes),
        samples={key: tuple(sorted(values)) for key, values in samples.items()},
    )


def forget(restaurant_id: int | None = None) -> None:
    with _lock:
        if restaurant_id is None:
            _cache.clear()
        else:
            _cache.pop(restaurant_id, None)
