"""What history says about a restaurant's turns, as distributions the wait estimator draws
from: meal lengths, check-in times, no-shows, walk-aways and arrivals; and what tonight has
shown against it (``TurnModel.tonight``). Built from the visits by
``restaurants.visit_history``; used by ``domain.estimator``. Pure and frozen.
"""

import bisect
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from statistics import NormalDist

from .values import COUNTER

# Empirical quantiles need this many observations beyond the elapsed time; fewer, and the
# tail comes from a log-normal fitted to all of them.
TAIL_SAMPLES = 5
_NORMAL = NormalDist()
# How much history weighs against tonight, in meals (or check-ins) of tonight: after as
# many meals as this, tonight's own ratio counts half. math.inf ignores tonight.
PRIOR_MEALS = 6.0
# However tonight has run, meals are scaled by no more than this (a table left "occupied"
# after its party went should not triple every quote), and an ongoing meal counts as having
# run at most MAX_RATIO times its expected length.
MIN_RATIO, MAX_RATIO = 0.6, 1.8


@dataclass(frozen=True)
class TurnModel:
    """What history says, in minutes. ``samples`` maps (kind, seats of the placement) and
    ``size_samples`` (kind, party size) to sorted observed meal lengths; where there are
    fewer than ``min_samples``, a log-normal around the restaurant's default is used."""

    table_minutes: float = 60.0
    counter_minutes: float = 40.0
    spread: float = 0.35  # log-normal sigma of the defaults
    samples: dict[tuple[str, int], tuple[float, ...]] = field(default_factory=dict)
    cleaning_minutes: float = 4.0
    checkin_minutes: float = 3.0  # a notified party usually arrives within this
    min_samples: int = 12
    size_samples: dict[tuple[str, int], tuple[float, ...]] = field(default_factory=dict)
    checkin_samples: tuple[float, ...] = ()  # call to seated, sorted
    no_show_rate: float = 0.0  # of called parties
    hold_minutes: float = 10.0  # the check-in timeout: how long a no-show keeps a table
    leave_rate: float = 0.0  # of parties in line, those who give up before being called
    leave_samples: tuple[float, ...] = ()  # join to giving up, sorted
    # Expected joins per local (weekday 0 = Monday, hour), who they are, and the offset of
    # local time from UTC.
    arrivals: dict[tuple[int, int], float] = field(default_factory=dict)
    arrival_mix: tuple[tuple[int, str], ...] = ()
    utc_offset_minutes: int = 0
    service_factor: float = 1.0  # meals now against usual, already applied to the samples
    # Tonight (see ``tonight``): log of each meal finished tonight over what this model
    # expected for it, the check-ins (call to seated) tonight, sorted, and the seating times
    # (ms) of the meals those were taken from; the spread of log(meal / expected) in history.
    tonight_meals: tuple[float, ...] = ()
    tonight_checkins: tuple[float, ...] = ()
    tonight_from_ms: int | None = None
    tonight_to_ms: int | None = None
    ratio_spread: float = 0.35
    prior_meals: float = PRIOR_MEALS
    meal_ratio: float = 1.0  # tonight's meals against expected, applied to every meal drawn

    @cached_property
    def _memo(self) -> dict:
        return {}  # lookups and log-normal fits (by id() of a samples tuple the model holds)

    def _sorted(self, kind: str, seats: int) -> tuple[float, ...] | None:
        """Meals at placements of this size, else at the nearest table size with enough."""
        key = (kind, seats)
        if key not in self._memo:
            enough = sorted((abs(s - seats), s) for k, s in self.samples
                            if k == kind and len(self.samples[(k, s)]) >= self.min_samples
                            and (s == seats or kind != COUNTER))
            self._memo[key] = self.samples[(kind, enough[0][1])] if enough else None
        return self._memo[key]

    def _draw(self, data: tuple[float, ...] | None, median: float, sigma: float, u: float, elapsed: float) -> float:
        """Total length at quantile ``u`` of its distribution given it exceeds ``elapsed``."""
        if data is not None:
            start = bisect.bisect_right(data, elapsed)
            if len(data) - start >= TAIL_SAMPLES:
                position = start + u * (len(data) - start - 1)
                i = int(position)
                return data[i] + (data[min(i + 1, len(data) - 1)] - data[i]) * (position - i)
            if id(data) not in self._memo:
                logs = [math.log(max(x, 0.1)) for x in data]
                mu = sum(logs) / len(logs)
                self._memo[id(data)] = (math.exp(mu), math.sqrt(sum((x - mu) ** 2 for x in logs) / len(logs)) or 0.1)
            median, sigma = self._memo[id(data)]
        base = 0.5 * (1 + math.erf(math.log(elapsed / median) / (sigma * math.sqrt(2)))) if elapsed > 0 else 0.0
        p = min(max(base + u * (1 - base), 1e-6), 1 - 1e-6)
        return max(elapsed + 0.5, median * math.exp(sigma * _NORMAL.inv_cdf(p)))

    def _history(self, kind: str, seats: int, q: float, elapsed: float) -> float:
        median = self.counter_minutes if kind == COUNTER else self.table_minutes
        return self._draw(self._sorted(kind, seats), median, self.spread, q, elapsed)

    def quantile(self, kind: str, seats: int, q: float, elapsed: float = 0.0) -> float:
        """Total meal length at quantile ``q``, given it has already lasted ``elapsed``:
        history's meals, each ``meal_ratio`` times as long."""
        ratio = self.meal_ratio
        return ratio * self._history(kind, seats, q, elapsed / ratio)

    def expected(self, kind: str, seats: int) -> float:
        """What history expects of a meal at this placement: its median length."""
        return self._history(kind, seats, 0.5, 0.0)

    def meal(self, kind: str, seats: int, size: int, q: float) -> float:
        """A meal not yet begun: by party size where history has enough, else by seats."""
        data = self.size_samples.get((kind, size))
        if data is not None and len(data) >= self.min_samples:
            return self.meal_ratio * self._draw(data, 0.0, 0.0, q, 0.0)
        return self.quantile(kind, seats, q)

    def checkin(self, q: float, elapsed: float = 0.0) -> float:
        """Minutes from the call to being seated, given none yet after ``elapsed``: history's,
        blended quantile by quantile with tonight's as tonight's check-ins accumulate."""
        if len(self.checkin_samples) >= self.min_samples:
            usual = self._draw(self.checkin_samples, 0.0, 0.0, q, elapsed)
        else:
            usual = max(elapsed, self.checkin_minutes)
        if not self.tonight_checkins or math.isinf(self.prior_meals):
            return usual
        weight = len(self.tonight_checkins) / (len(self.tonight_checkins) + self.prior_meals)
        return (1 - weight) * usual + weight * self._draw(self.tonight_checkins, 0.0, 0.0, q, elapsed)

    def tonight(self, ongoing: Iterable[tuple[str, int, float]] = ()) -> "TurnModel":
        """This model with every meal scaled by how tonight's have run against what it
        expected, so a slow kitchen lengthens quotes within the hour. ``ongoing`` are the
        meals of tonight's window still under way, as (kind, seats, minutes so far): each is
        known to last longer than that (censored), so tables running past their expected end
        count before they free. Log meal lengths over expected are taken as normal with
        history's spread around tonight's log ratio, whose prior is history's (ratio 1) with
        the weight of ``prior_meals`` meals; the ratio is that posterior's mode."""
        if math.isinf(self.prior_meals):
            return self
        window = self.tonight_from_ms is not None
        cuts = [min(math.log(elapsed / self.expected(kind, seats)), math.log(MAX_RATIO))
                for kind, seats, elapsed in ongoing if window and elapsed > 0]
        if not self.tonight_meals and not cuts:
            return self
        sigma, weight, total = self.ratio_spread, self.prior_meals + len(self.tonight_meals), sum(self.tonight_meals)
        mu = total / weight
        # Newton on the derivative of the log posterior, which is monotone in mu:
        # weight * mu - total - sigma * sum(hazard((cut - mu) / sigma)) = 0.
        for _ in range(20):
            gap, slope = weight * mu - total, weight
            for cut in cuts:
                a = (cut - mu) / sigma
                h = _hazard(a)
                gap -= sigma * h
                slope += h * (h - a)
            step = gap / slope
            mu -= step
            if abs(step) < 1e-6:
                break
        ratio = min(max(math.exp(mu), MIN_RATIO), MAX_RATIO)
        if ratio == self.meal_ratio:
            return self
        adapted = replace(self, meal_ratio=ratio)
        adapted.__dict__["_memo"] = self._memo  # the fits do not depend on the ratio
        return adapted

    def no_show_after(self, elapsed: float) -> float:
        """Chance that a party called ``elapsed`` minutes ago and not yet here never comes."""
        p, data = self.no_show_rate, self.checkin_samples
        if p <= 0 or elapsed <= 0 or not data:
            return p
        late = (len(data) - bisect.bisect_right(data, elapsed)) / len(data)
        return p / (p + (1 - p) * late)


def _hazard(a: float) -> float:
    """The standard normal's density over its upper tail at ``a`` (the inverse Mills ratio)."""
    if a > 30:
        return a + 1 / a
    return math.exp(-a * a / 2) / math.sqrt(2 * math.pi) / (0.5 * math.erfc(a / math.sqrt(2)))
