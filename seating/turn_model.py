"""What history says about a restaurant's turns, as distributions the wait estimator draws
from: meal lengths, check-in times, no-shows, walk-aways and arrivals. Built from the visits
by ``seating.turns``; used by ``seating.estimator``. Pure and frozen.
"""

import bisect
import math
from dataclasses import dataclass, field
from functools import cached_property
from statistics import NormalDist

from .types import COUNTER

# Empirical quantiles need this many observations beyond the elapsed time; fewer, and the
# tail comes from a log-normal fitted to all of them.
TAIL_SAMPLES = 5
_NORMAL = NormalDist()


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

    def quantile(self, kind: str, seats: int, q: float, elapsed: float = 0.0) -> float:
        """Total meal length at quantile ``q``, given it has already lasted ``elapsed``."""
        median = self.counter_minutes if kind == COUNTER else self.table_minutes
        return self._draw(self._sorted(kind, seats), median, self.spread, q, elapsed)

    def meal(self, kind: str, seats: int, size: int, q: float) -> float:
        """A meal not yet begun: by party size where history has enough, else by seats."""
        data = self.size_samples.get((kind, size))
        if data is not None and len(data) >= self.min_samples:
            return self._draw(data, 0.0, 0.0, q, 0.0)
        return self.quantile(kind, seats, q)

    def checkin(self, q: float, elapsed: float = 0.0) -> float:
        """Minutes from the call to being seated, given none yet after ``elapsed``."""
        if len(self.checkin_samples) >= self.min_samples:
            return self._draw(self.checkin_samples, 0.0, 0.0, q, elapsed)
        return max(elapsed, self.checkin_minutes)

    def no_show_after(self, elapsed: float) -> float:
        """Chance that a party called ``elapsed`` minutes ago and not yet here never comes."""
        p, data = self.no_show_rate, self.checkin_samples
        if p <= 0 or elapsed <= 0 or not data:
            return p
        late = (len(data) - bisect.bisect_right(data, elapsed)) / len(data)
        return p / (p + (1 - p) * late)
