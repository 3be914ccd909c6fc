"""What the visit history says about a restaurant's turns, for the wait estimator.

From the visits of the last ``HISTORY_DAYS``: meal lengths by kind and table size and by
kind and party size, scaled to how meals run at this weekday and hour (a Saturday dinner
is longer than a Tuesday lunch) once there are enough meals at that time to tell; how long
called parties take to reach the host stand, how many never come, how many in line give up
and when, how long a table takes to clean, and how many join each weekday and hour. With
too little history the estimator falls back to the restaurant's defaults. Loaded at most once
a few minutes per process, since history changes slowly and the estimator runs on every
change.

Tonight is told apart: meals seated in the last ``TONIGHT_HOURS`` are left out of history
and weighed against it instead (their lengths over what the model expected, and their
check-ins), reloaded every ``TONIGHT_RELOAD_SECONDS``, so that a slow kitchen lengthens the
quotes within the hour (``TurnModel.tonight``).
"""

import math
import statistics
import threading
import time
import zoneinfo
from dataclasses import replace
from datetime import timedelta

from django.utils import timezone

from domain.durations import to_ms
from domain.turn_model import TurnModel

from .models import Outcome, Restaurant, Visit

HISTORY_DAYS = 28
RELOAD_SECONDS = 300
# A gap between a table's meal ending and its next call longer than this was not cleaning
# (nobody who fitted was waiting).
MAX_CLEANING_MINUTES = 20
MIN_ARRIVAL_DAYS = 3
MIN_DEMAND_DAYS = 7
# Meals seated within this many hours of now's local hour tell how meals run at this time:
# on the same weekday when there are MIN_SERVICE_MEALS of them, else on any day. A shift of
# less than MIN_SERVICE_SHIFT is within the noise of a few dozen meals and is ignored.
SERVICE_WINDOW_HOURS = 1
MIN_SERVICE_MEALS = 30
MIN_SERVICE_SHIFT = 0.1
TONIGHT_HOURS = 3
TONIGHT_RELOAD_SECONDS = 60
# The spread of meals around their expected length is learnt once this many meals tell it.
MIN_SPREAD_MEALS = 30
# Per restaurant: when history was loaded, when tonight was, and the model.
_cache: dict[int, tuple[float, float, TurnModel]] = {}
# Models set from outside (the simulator runs on a virtual clock, so wall-clock expiry
# would make its nights depend on how fast the machine is).
_pinned: dict[int, TurnModel] = {}
_lock = threading.Lock()


def turn_model(restaurant: Restaurant) -> TurnModel:
    pinned = _pinned.get(restaurant.id)
    if pinned is not None:
        return pinned
    cached, now = _cache.get(restaurant.id), time.monotonic()
    if cached and now - cached[0] < RELOAD_SECONDS and cached[2].table_minutes == restaurant.default_turn_minutes:
        if now - cached[1] < TONIGHT_RELOAD_SECONDS:
            return cached[2]
        model, history_loaded = load_tonight(restaurant, cached[2]), cached[0]
    else:
        model, history_loaded = load_turn_model(restaurant), now
    with _lock:
        _cache[restaurant.id] = (history_loaded, now, model)
    return model


def _minutes(later, earlier) -> float:
    return (later - earlier).total_seconds() / 60


def load_turn_model(restaurant: Restaurant, *, now=None) -> TurnModel:
    """What history says as of ``now``, and what tonight has shown up to then."""
    now = now or timezone.now()
    tonight = now - timedelta(hours=TONIGHT_HOURS)
    rows = list(Visit.objects.filter(restaurant=restaurant, ended_at__gte=now - timedelta(days=HISTORY_DAYS),
                                     ended_at__lte=now)
                .values_list("outcome", "size", "table_kind", "table_seats", "tables", "joined_at", "notified_at",
                             "seated_at", "ended_at", "preference"))
    zone = zoneinfo.ZoneInfo(restaurant.time_zone or "UTC")
    by_seats: dict[tuple[str, int], list[float]] = {}
    by_size: dict[tuple[str, int], list[float]] = {}
    checkins, leaves, meals_by_table, joins, timed_meals = [], [], [], [], []
    called = no_shows = left = 0
    for outcome, size, kind, seats, tables, joined, notified, seated, ended, preference in rows:
        joins.append((outcome, size, preference, joined))
        if notified is not None:
            called += 1
            no_shows += outcome == Outcome.EXPIRED
        if outcome == Outcome.LEFT and notified is None:
            left += 1
            leaves.append(_minutes(ended, joined))
        if outcome != Outcome.COMPLETED or seated is None or not kind or not seats:
            continue
        for label in tables.split(", "):
            meals_by_table.append((label, notified, ended, joined))
        if seated >= tonight:
            continue  # tonight's, weighed against history (load_tonight)
        meal = _minutes(ended, seated)
        timed_meals.append((seated.astimezone(zone), (kind, seats), meal))
        by_seats.setdefault((kind, seats), []).append(meal)
        by_size.setdefault((kind, size), []).append(meal)
        if notified is not None:
            checkins.append(_minutes(seated, notified))
    cleaning = _cleaning_minutes(meals_by_table)
    local_joins = [(joined.astimezone(zone), size, pref) for _, size, pref, joined in joins]
    arrivals, mix = _arrivals(local_joins)
    factor = service_factor(timed_meals, by_seats, now.astimezone(zone))
    model = TurnModel(
        table_minutes=float(restaurant.default_turn_minutes),
        counter_minutes=float(restaurant.default_counter_turn_minutes),
        samples={key: tuple(sorted(v * factor for v in values)) for key, values in by_seats.items()},
        size_samples={key: tuple(sorted(v * factor for v in values)) for key, values in by_size.items()},
        service_factor=factor,
        checkin_samples=tuple(sorted(checkins)),
        no_show_rate=no_shows / called if called >= 20 else 0.0,
        hold_minutes=float(restaurant.checkin_timeout_minutes),
        leave_rate=left / len(rows) if len(rows) >= 20 else 0.0,
        leave_samples=tuple(sorted(leaves)),
        arrivals=arrivals,
        arrival_mix=mix,
        demand_sd=_demand_spread(local_joins, arrivals),
        utc_offset_minutes=int(now.astimezone(zone).utcoffset().total_seconds() // 60),
        ratio_spread=_ratio_spread(by_seats),
        **({"cleaning_minutes": cleaning} if cleaning is not None else {}),
    )
    return load_tonight(restaurant, model, now=now)


def load_tonight(restaurant: Restaurant, model: TurnModel, *, now=None) -> TurnModel:
    """``model`` with tonight's meals: each finished one's length over what the model
    expected for its placement, and their check-ins; the window they were seated in
    tells the estimator which meals under way are tonight's too."""
    now = now or timezone.now()
    start = now - timedelta(hours=TONIGHT_HOURS)
    rows = Visit.objects.filter(restaurant=restaurant, outcome=Outcome.COMPLETED, ended_at__gte=start,
                                ended_at__lte=now, seated_at__gte=start).values_list(
        "table_kind", "table_seats", "notified_at", "seated_at", "ended_at")
    meals, checkins = [], []
    for kind, seats, notified, seated, ended in rows:
        if not kind or not seats:
            continue
        meals.append(math.log(max(_minutes(ended, seated), 1.0) / model.expected(kind, seats)))
        if notified is not None:
            checkins.append(_minutes(seated, notified))
    return replace(model, tonight_meals=tuple(meals), tonight_checkins=tuple(sorted(checkins)),
                   tonight_from_ms=to_ms(start), tonight_to_ms=to_ms(now))


def _ratio_spread(by_seats: dict[tuple[str, int], list[float]]) -> float:
    """How far meals stray from the usual length at their placement: the standard deviation
    of log(meal / median there), over placements with a dozen meals or more."""
    logs = []
    for values in by_seats.values():
        if len(values) >= 12:
            median = statistics.median(values)
            logs += [math.log(max(v, 1.0) / median) for v in values]
    return statistics.pstdev(logs) if len(logs) >= MIN_SPREAD_MEALS else TurnModel.ratio_spread


def service_factor(meals: list[tuple], by_seats: dict[tuple[str, int], list[float]], now) -> float:
    """How much longer (or shorter) meals run around ``now``'s local weekday and hour than
    usual: the median over those meals of each one's length against the median at its kind
    and table size. ``meals`` are (local seating time, (kind, seats), minutes)."""
    usual = {key: statistics.median(values) for key, values in by_seats.items()}

    def near(moment) -> bool:
        apart = abs(moment.hour - now.hour)
        return min(apart, 24 - apart) <= SERVICE_WINDOW_HOURS

    for same_weekday in (True, False):
        ratios = [minutes / usual[key] for moment, key, minutes in meals
                  if near(moment) and (not same_weekday or moment.weekday() == now.weekday()) and usual[key] > 0]
        if len(ratios) >= MIN_SERVICE_MEALS:
            factor = statistics.median(ratios)
            return factor if abs(factor - 1) >= MIN_SERVICE_SHIFT else 1.0
    return 1.0


def _arrivals(joins: list[tuple]) -> tuple[dict[tuple[int, int], float], tuple[tuple[int, str], ...]]:
    """Expected joins per (weekday, hour), local time: the mean per open day (a day with any
    join) of that hour, times how busy that weekday is on its own days when there are at
    least two of them; and who joins, for drawing newcomers."""
    days = {local.date() for local, _, _ in joins}
    if len(days) < MIN_ARRIVAL_DAYS:
        return {}, ()
    per_hour: dict[int, int] = {}
    per_weekday: dict[int, int] = {}
    for local, _, _ in joins:
        per_hour[local.hour] = per_hour.get(local.hour, 0) + 1
        per_weekday[local.weekday()] = per_weekday.get(local.weekday(), 0) + 1
    mean_day = len(joins) / len(days)
    rates = {}
    for weekday in range(7):
        count = sum(1 for day in days if day.weekday() == weekday)
        factor = per_weekday.get(weekday, 0) / count / mean_day if count >= 2 else 1.0
        for hour in sorted(per_hour):
            rates[(weekday, hour)] = per_hour[hour] / len(days) * factor
    return rates, tuple(sorted((size, pref) for _, size, pref in joins))


def _demand_spread(joins: list[tuple], rates: dict[tuple[int, int], float]) -> float:
    """How far a day's joins stray from what ``rates`` expect of its weekday, beyond chance:
    the standard deviation of log(joins / expected) over the days, less a Poisson count's
    own (about 1 / expected); 0 with fewer than ``MIN_DEMAND_DAYS``."""
    per_day: dict = {}
    for local, _, _ in joins:
        per_day[local.date()] = per_day.get(local.date(), 0) + 1
    logs, chance = [], []
    for day, count in per_day.items():
        expected = sum(rate for (weekday, _), rate in rates.items() if weekday == day.weekday())
        if expected > 0:
            logs.append(math.log(count / expected))
            chance.append(1 / expected)
    if len(logs) < MIN_DEMAND_DAYS:
        return 0.0
    return math.sqrt(max(0.0, statistics.pvariance(logs) - statistics.mean(chance)))


def _cleaning_minutes(seatings: list[tuple]) -> float | None:
    """The median gap between a meal ending at a table and the table's next call, when
    the next party was already waiting: cleaning is what the party waited for."""
    gaps = []
    by_table: dict[str, list[tuple]] = {}
    for label, notified, ended, joined in seatings:
        by_table.setdefault(label, []).append((notified, ended, joined))
    for label in sorted(by_table):
        visits = sorted((v for v in by_table[label] if v[0] is not None), key=lambda v: v[0])
        for before, after in zip(visits, visits[1:]):
            gap = _minutes(after[0], before[1])
            if after[2] <= before[1] and 0 <= gap <= MAX_CLEANING_MINUTES:
                gaps.append(gap)
    if len(gaps) < 10:
        return None
    gaps.sort()
    return gaps[len(gaps) // 2]


def pin(restaurant_id: int, model: TurnModel) -> None:
    """Serve ``model`` for this restaurant until ``forget``."""
    with _lock:
        _pinned[restaurant_id] = model


def forget(restaurant_id: int | None = None) -> None:
    with _lock:
        if restaurant_id is None:
            _cache.clear()
            _pinned.clear()
        else:
            _cache.pop(restaurant_id, None)
            _pinned.pop(restaurant_id, None)
