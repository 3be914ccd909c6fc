"""Aggregates over one restaurant's visit history for a period, as frozen dataclasses.

Two queries (the period's visits, the restaurant's tables); everything else is computed in
Python with exact fractions and rounded once, so the numbers follow the definitions below to
the letter and are the same on SQLite and PostgreSQL (no database date or percentile
functions, whose time-zone handling differs).

Definitions, all in the restaurant's local time:

- Period: from 00:00 on the first day to 00:00 after the last day. A visit belongs to it
  when the party *joined* within it, so an evening's late parties stay with that evening.
- Offered: the party was offered a table. It has an offer time (``notified_at``), or was
  seated, or was a no-show (a no-show had a table held for it).
- Actual wait: joined -> offered (``notified_at``, or ``seated_at`` when no offer time was
  recorded), in minutes. Quoted wait: the midpoint of the range the party was quoted on
  joining. Both are averaged over the offered parties, grouped by the hour they joined; the
  quoted average covers only those that were given a quote (``quoted`` counts them).
- No-show rate: no-shows (outcome ``expired``) / offered parties.
- Walk-away rate: parties that left (outcome ``left``) without ever being offered a table /
  all parties.
- Utilisation: see ``_utilisation``.
- Turn time: seated -> ended of completed visits, by the kind and seat count of what the
  party was seated at (two tables pushed together count as one seating of their seats).
  Median and 80th percentile use linear interpolation between the closest ranks (the usual
  spreadsheet PERCENTILE.INC, numpy's default).
"""

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from restaurants.models import Outcome, Restaurant, TableKind, Visit

# Past a month, a pair of bars per day gets too thin to read on a phone: group by week.
MAX_DAILY_BUCKETS = 31
HOUR = timedelta(hours=1)
_MICRO_PER_MINUTE = 60_000_000


def zone_of(restaurant: Restaurant) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(restaurant.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        # A zone removed from the system's tz database must not take the page down.
        return zoneinfo.ZoneInfo("UTC")


def _minutes(delta: timedelta) -> Fraction:
    return Fraction(delta // timedelta(microseconds=1), _MICRO_PER_MINUTE)


def _mean(values: list[Fraction]) -> float | None:
    return float(sum(values, Fraction(0)) / len(values)) if values else None


def percentile(values: list[Fraction], q: Fraction) -> float:
    """Linear interpolation between closest ranks (PERCENTILE.INC) of non-empty ``values``."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (position - low))


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    zone: zoneinfo.ZoneInfo

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=self.zone)

    @property
    def ends_at(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=self.zone)

    @property
    def weekly(self) -> bool:
        return self.days > MAX_DAILY_BUCKETS


@dataclass(frozen=True)
class Waits:
    """Waits of the parties offered a table who joined in one local hour (``hour`` None: all)."""
    hour: int | None
    offered: int
    actual_minutes: float | None
    quoted: int
    quoted_minutes: float | None


@dataclass(frozen=True)
class Rates:
    """No-shows and walk-aways among the parties that joined from ``first`` to ``last``."""
    first: date
    last: date
    parties: int
    offered: int
    no_shows: int
    walked_away: int

    @property
    def no_show_rate(self) -> float | None:
        return _ratio(self.no_shows, self.offered)

    @property
    def walk_away_rate(self) -> float | None:
        return _ratio(self.walked_away, self.parties)

    @property
    def no_show_pct(self) -> float | None:
        return None if self.no_show_rate is None else self.no_show_rate * 100

    @property
    def walk_away_pct(self) -> float | None:
        return None if self.walk_away_rate is None else self.walk_away_rate * 100


@dataclass(frozen=True)
class TableUse:
    """How much of the open time the tables of one size class were occupied."""
    kind: str
    seats: int
    tables: int
    occupied_minutes: float
    available_minutes: float

    @property
    def share(self) -> float | None:
        return self.occupied_minutes / self.available_minutes if self.available_minutes else None

    @property
    def pct(self) -> float | None:
        return None if self.share is None else self.share * 100

    @property
    def occupied_hours(self) -> float:
        return self.occupied_minutes / 60

    @property
    def available_hours(self) -> float:
        return self.available_minutes / 60

    @property
    def label(self) -> str:
        if self.kind == TableKind.COUNTER:
            return ngettext("Counter seat", "Counter seats", self.tables)
        return ngettext("%(seats)s-seat table", "%(seats)s-seat tables", self.tables) % {"seats": self.seats}


@dataclass(frozen=True)
class Turns:
    kind: str
    seats: int
    seatings: int
    median_minutes: float
    p80_minutes: float

    @property
    def label(self) -> str:
        if self.kind == TableKind.COUNTER:
            return ngettext("Counter, %(seats)s seat", "Counter, %(seats)s seats", self.seats) % {"seats": self.seats}
        return _("Table for %(seats)s") % {"seats": self.seats}


@dataclass(frozen=True)
class Insights:
    period: Period
    overall: Rates
    waits: Waits  # all hours together
    hours: tuple[Waits, ...]  # only hours with offered parties, in order
    buckets: tuple[Rates, ...]  # one per day (one per week when period.weekly), in order
    open_hours: int
    tables: tuple[TableUse, ...]
    turns: tuple[Turns, ...]

    @property
    def empty(self) -> bool:
        return self.overall.parties == 0


def offered_at(visit) -> datetime | None:
    """When the party was offered a table: its offer time, or its seating when no offer time
    was recorded (a visit row or a ``Visit``)."""
    return visit.notified_at or visit.seated_at


@dataclass(frozen=True)
class _Row:
    """The columns of one visit that the aggregates read."""
    outcome: str
    tables: str
    table_seats: int | None
    table_kind: str
    quoted_low: int | None
    quoted_high: int | None
    joined_at: datetime
    notified_at: datetime | None
    seated_at: datetime | None
    ended_at: datetime

    @property
    def offered_at(self) -> datetime | None:
        return offered_at(self)

    @property
    def offered(self) -> bool:
        return self.offered_at is not None or self.outcome == Outcome.EXPIRED

    @property
    def walked_away(self) -> bool:
        return self.outcome == Outcome.LEFT and not self.offered

    @property
    def quote(self) -> Fraction | None:
        if self.quoted_low is None or self.quoted_high is None:
            return None
        return Fraction(self.quoted_low + self.quoted_high, 2)


_COLUMNS = [name for name in _Row.__dataclass_fields__]


def insights(restaurant: Restaurant, start: date, end: date) -> Insights:
    period = Period(start=start, end=end, zone=zone_of(restaurant))
    rows = [_Row(*values) for values in Visit.objects.filter(
        restaurant=restaurant, joined_at__gte=period.starts_at, joined_at__lt=period.ends_at,
    ).values_list(*_COLUMNS)]
    layout = list(restaurant.tables.values_list("label", "kind", "seats"))
    open_slots = _open_slots(rows, period.zone)
    return Insights(
        period=period,
        overall=_rates(rows, period.start, period.end),
        waits=_waits(None, rows),
        hours=_hours(rows, period.zone),
        buckets=_buckets(rows, period),
        open_hours=len(open_slots),
        tables=_utilisation(rows, layout, open_minutes=60 * len(open_slots)),
        turns=_turns(rows),
    )


def _local(moment: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    return moment.astimezone(zone)


def _rates(rows: list[_Row], first: date, last: date) -> Rates:
    return Rates(first=first, last=last, parties=len(rows), offered=sum(r.offered for r in rows),
                 no_shows=sum(r.outcome == Outcome.EXPIRED for r in rows),
                 walked_away=sum(r.walked_away for r in rows))


def _waits(hour: int | None, rows: list[_Row]) -> Waits:
    """Waits of the ``rows`` that were offered a table at a known time."""
    offered = [r for r in rows if r.offered_at is not None]
    quotes = [r.quote for r in offered if r.quote is not None]
    return Waits(hour=hour, offered=len(offered),
                 actual_minutes=_mean([_minutes(r.offered_at - r.joined_at) for r in offered]),
                 quoted=len(quotes), quoted_minutes=_mean(quotes))


def _hours(rows: list[_Row], zone) -> tuple[Waits, ...]:
    by_hour: dict[int, list[_Row]] = defaultdict(list)
    for row in rows:
        if row.offered_at is not None:
            by_hour[_local(row.joined_at, zone).hour].append(row)
    return tuple(_waits(hour, by_hour[hour]) for hour in sorted(by_hour))


def _buckets(rows: list[_Row], period: Period) -> tuple[Rates, ...]:
    """Rates per day, or per Monday-to-Sunday week (clipped to the period) for long periods.
    Every day or week of the period is there, with zeros when nobody came."""
    by_day: dict[date, list[_Row]] = defaultdict(list)
    for row in rows:
        by_day[_local(row.joined_at, period.zone).date()].append(row)
    buckets = []
    first = period.start
    while first <= period.end:
        last = min(first + timedelta(days=6 - first.weekday()), period.end) if period.weekly else first
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        buckets.append(_rates([row for day in days for row in by_day.get(day, [])], first, last))
        first = last + timedelta(days=1)
    return tuple(buckets)


def _open_slots(rows: list[_Row], zone) -> set[datetime]:
    """The local clock hours (each keyed by its start, in UTC) during which at least one
    party of the period was in the restaurant's hands: from joining until its visit ended.

    Keyed by instant rather than by local date and hour so that the hour repeated when the
    clocks go back counts twice, as it lasts twice."""
    slots: set[datetime] = set()
    for row in rows:
        slot = _local(row.joined_at, zone).replace(minute=0, second=0, microsecond=0).astimezone(UTC)
        while True:
            slots.add(slot)
            slot += HOUR
            if slot >= row.ended_at:
                break
    return slots


def _utilisation(rows: list[_Row], layout: list[tuple[str, str, int]], *, open_minutes: int) -> tuple[TableUse, ...]:
    """Share of the open time that each table size class was occupied.

    A size class is the tables of the restaurant's current layout with the same kind and
    seat count (each counter seat is its own one-seat unit). For each class:

        occupied table-minutes / (tables in the class x open minutes)

    - Occupied table-minutes: seated -> ended of every completed visit in the period,
      counted once for each table it used, in that table's class. Two 2-seat tables pushed
      together for a party of four add the meal's length to the 2-seat class twice; a party
      of three at the counter adds it to the counter class three times. A visit whose table
      labels are no longer in the layout is counted in the class of its recorded kind and
      seat count (a counter visit as that many counter seats).
    - Open minutes: 60 x the number of clock hours in the period in which at least one
      party was waiting, holding a table or at a table (see ``_open_slots``). Hours with no
      activity at all (closed, or open and empty) do not count as available time.

    A class that exists only in old visits (its tables were removed) is listed with no
    tables and no share.
    """
    counts: dict[tuple[str, int], int] = defaultdict(int)
    by_label: dict[str, tuple[str, int]] = {}
    for label, kind, seats in layout:
        counts[(kind, seats)] += 1
        by_label[label] = (kind, seats)
    occupied: dict[tuple[str, int], Fraction] = defaultdict(Fraction)
    for row in rows:
        if row.outcome != Outcome.COMPLETED or row.seated_at is None:
            continue
        length = max(_minutes(row.ended_at - row.seated_at), Fraction(0))
        used = [by_label[label] for label in _labels(row.tables) if label in by_label]
        if used:
            for key in used:
                occupied[key] += length
        elif row.table_seats:
            if row.table_kind == TableKind.COUNTER:
                occupied[(TableKind.COUNTER.value, 1)] += length * row.table_seats
            else:
                occupied[(row.table_kind or TableKind.TABLE.value, row.table_seats)] += length
    keys = sorted(set(counts) | set(occupied), key=_class_order)
    return tuple(TableUse(kind=kind, seats=seats, tables=counts.get((kind, seats), 0),
                          occupied_minutes=float(occupied.get((kind, seats), 0)),
                          available_minutes=float(counts.get((kind, seats), 0) * open_minutes))
                 for kind, seats in keys)


def _labels(tables: str) -> list[str]:
    return [label.strip() for label in tables.split(",") if label.strip()]


def _class_order(key: tuple[str, int]) -> tuple[bool, int]:
    kind, seats = key
    return (kind == TableKind.COUNTER, seats)


def _turns(rows: list[_Row]) -> tuple[Turns, ...]:
    lengths: dict[tuple[str, int], list[Fraction]] = defaultdict(list)
    for row in rows:
        if row.outcome == Outcome.COMPLETED and row.seated_at is not None and row.table_seats:
            kind = row.table_kind or TableKind.TABLE.value
            lengths[(kind, row.table_seats)].append(max(_minutes(row.ended_at - row.seated_at), Fraction(0)))
    return tuple(Turns(kind=kind, seats=seats, seatings=len(values),
                       median_minutes=percentile(values, Fraction(1, 2)),
                       p80_minutes=percentile(values, Fraction(4, 5)))
                 for (kind, seats), values in sorted(lengths.items(), key=lambda item: _class_order(item[0])))


def default_period(today: date) -> tuple[date, date]:
    """The last 7 days: today and the six before."""
    return today - timedelta(days=6), today

