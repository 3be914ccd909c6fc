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
# Of tables shown occupied, the share taken as stuck (a party lingering, or a table nobody
# cleared in the app), whose end is memoryless, on average one expected meal away. It hardly
# matters for a meal within history's range; for one past it, the chance that it is stuck
# grows to near certainty instead of its end being taken as imminent.
STUCK_SHARE = 0.01


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
    # How much a night's joins stray from the expected (the standard deviation of the log of
    # their ratio, beyond chance), and the factor one simulated future applies to the rates.
    demand_sd: float = 0.0
    demand_factor: float = 1.0
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
    # How sure tonight's ratio is: the standard deviation of its log (the posterior's, set by
    # ``tonight``); the estimator's futures each draw their own ratio from it.
    ratio_sd: float = 0.0

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
            median, sigma = self._fit(data)
        base = 0.5 * (1 + math.erf(math.log(elapsed / median) / (sigma * math.sqrt(2)))) if elapsed > 0 else 0.0
        p = min(max(base + u * (1 - base), 1e-6), 1 - 1e-6)
        return max(elapsed + 0.5, median * math.exp(sigma * _NORMAL.inv_cdf(p)))

    def _fit(self, data: tuple[float, ...]) -> tuple[float, float]:
        """A log-normal fitted to ``data``: (median, sigma)."""
        if id(data) not in self._memo:
            logs = [math.log(max(x, 0.1)) for x in data]
            mu = sum(logs) / len(logs)
            self._memo[id(data)] = (math.exp(mu), math.sqrt(sum((x - mu) ** 2 for x in logs) / len(logs)) or 0.1)
        return self._memo[id(data)]

    def _history(self, kind: str, seats: int, q: float, elapsed: float) -> float:
        median = self.counter_minutes if kind == COUNTER else self.table_minutes
        return self._draw(self._sorted(kind, seats), median, self.spread, q, elapsed)

    def quantile(self, kind: str, seats: int, q: float, elapsed: float = 0.0) -> float:
        """Total meal length at quantile ``q``, given it has already lasted ``elapsed``:
        history's meals, each ``meal_ratio`` times as long."""
        ratio, usual = self.meal_ratio, elapsed / self.meal_ratio
        if usual > (expected := self.expected(kind, seats)):
            stuck = STUCK_SHARE * math.exp(-usual / expected)
            share = stuck / (stuck + (1 - STUCK_SHARE) * self._survival(kind, seats, usual))
            if q >= 1 - share:  # the longest of the draws: stuck
                return elapsed - ratio * expected * math.log(max(1e-6, 1 - (q - (1 - share)) / share))
            q /= 1 - share
        return ratio * self._history(kind, seats, q, usual)

    def _survival(self, kind: str, seats: int, elapsed: float) -> float:
        """The share of history's meals at this placement that last longer than ``elapsed``."""
        data = self._sorted(kind, seats)
        if data is not None and len(data) - (start := bisect.bisect_right(data, elapsed)) >= TAIL_SAMPLES:
            return (len(data) - start) / len(data)
        if data is not None:
            median, sigma = self._fit(data)
        else:
            median, sigma = (self.counter_minutes if kind == COUNTER else self.table_minutes), self.spread
        return 0.5 * math.erfc(math.log(elapsed / median) / (sigma * math.sqrt(2)))

    def expected(self, kind: str, seats: int) -> float:
        """What history expects of a meal at this placement: its median length."""
        key = ("expected", kind, seats)
        if key not in self._memo:
            self._memo[key] = self._history(kind, seats, 0.5, 0.0)
        return self._memo[key]

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
        sigma, weight, total = self.ratio_spread, self.prior_meals + len(self.tonight_meals), sum(self.tonight_meals)
        if not self.tonight_meals and not cuts:
            # Nothing seen tonight yet: tonight may still run unlike history, as much as the
            # prior says, once the window tells the estimator it is learning from tonight.
            return self._adapted(self.meal_ratio, sigma / math.sqrt(weight) if window else 0.0)
        mu, slope = total / weight, weight
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
        # The posterior's curvature at its mode is slope / sigma**2.
        return self._adapted(min(max(math.exp(mu), MIN_RATIO), MAX_RATIO), sigma / math.sqrt(slope))

    def _adapted(self, ratio: float, sd: float) -> "TurnModel":
        if ratio == self.meal_ratio and sd == self.ratio_sd:
            return self
        adapted = replace(self, meal_ratio=ratio, ratio_sd=sd)
        adapted.__dict__["_memo"] = self._memo  # the fits do not depend on the ratio
        return adapted

    def futures(self, meal_draws: tuple[float, ...], demand_draws: tuple[float, ...]) -> list["TurnModel"]:
        """One model per simulated future, each with tonight's meal ratio drawn from its
        posterior and tonight's demand from the nights' spread (log-normal, at the stratified
        uniforms given), so the quoted range carries what is not yet known about tonight; the
        same model for every run when nothing is uncertain."""
        if self.ratio_sd <= 0 and self.demand_sd <= 0:
            return [self] * len(meal_draws)
        out = []
        for u, v in zip(meal_draws, demand_draws, strict=True):
            ratio = min(max(self.meal_ratio * math.exp(self.ratio_sd * _NORMAL.inv_cdf(u)), MIN_RATIO), MAX_RATIO)
            model = replace(self, meal_ratio=ratio, ratio_sd=0.0,
                            demand_factor=self.demand_factor * math.exp(self.demand_sd * _NORMAL.inv_cdf(v)))
            model.__dict__["_memo"] = self._memo
            out.append(model)
        return out

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
