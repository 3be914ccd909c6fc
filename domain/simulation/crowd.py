"""The diners of one simulated night, drawn when the night starts, so what they do does not
depend on what the estimator quotes them (except whether they stay).

The only randomness is ``random.Random`` seeded from the run's seed, the scenario and the
night. Time is virtual: integer ms from ``EPOCH_MS``.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

from domain.durations import DAY_MS, HOUR_MS, MINUTE_MS, to_ms

from .scenarios import Scenario

# Night 0 starts on a Monday, in the future so no real visit history can overlap it.
EPOCH_MS = to_ms(datetime(2030, 1, 7, tzinfo=UTC))


@dataclass
class Diner:
    """A party as the scenario drew it, and what became of it."""

    night: int
    number: int
    arrive_ms: int
    size: int
    preference: str
    tolerance: float  # minutes
    leave_after: float | None  # minutes after joining, if it gives up while waiting
    no_show: bool
    checkin_delay: float  # minutes from the call to the host stand
    meal_z: float
    cleaning_z: float
    meal_scale: float = 1.0  # tonight's kitchen
    party_id: int | None = None
    quote: tuple[int, int] | None = None
    baselines: dict[str, float] = field(default_factory=dict)
    ahead: int | None = None
    called_ms: int | None = None
    kind: str = ""
    tables: str = ""  # labels of the tables it was called to
    meal_minutes: float | None = None
    outcome: str = "arriving"  # walked | waiting | left | called | no_show | seated | done

    @property
    def hour(self) -> int:
        return (self.arrive_ms % DAY_MS) // HOUR_MS

    @property
    def waited_minutes(self) -> float | None:
        return None if self.called_ms is None else (self.called_ms - self.arrive_ms) / MINUTE_MS


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(sigma * rng.gauss(0.0, 1.0))


def _pick(rng: random.Random, weights: dict) -> object:
    keys = sorted(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def draw_night(scenario: Scenario, seed: int, index: int) -> list[Diner]:
    """Everyone who comes on night ``index``: arrivals are a Poisson process whose rate is
    constant within each opening hour."""
    rng = random.Random(f"{seed}/{scenario.name}/{index}")
    factor = scenario.weekday_factor[index % 7] * _lognormal(rng, 1.0, scenario.night_demand_sigma)
    meal_scale = _lognormal(rng, 1.0, scenario.night_meal_sigma)
    start = EPOCH_MS + index * DAY_MS + scenario.open_hour * HOUR_MS
    diners = []
    for hour, rate in enumerate(scenario.arrivals_per_hour):
        t = 0.0
        while True:
            t += rng.expovariate(rate * factor)
            if t >= 1.0:
                break
            preference = _pick(rng, scenario.preferences)
            tolerance = _lognormal(rng, scenario.tolerance_median, scenario.tolerance_sigma)
            leaves = rng.random() < scenario.late_leave_rate
            diners.append(Diner(
                night=index, number=len(diners), arrive_ms=start + int((hour + t) * HOUR_MS),
                size=_pick(rng, scenario.sizes[preference]), preference=preference, tolerance=tolerance,
                leave_after=rng.uniform(5.0, tolerance * scenario.late_leave_stretch) if leaves else None,
                no_show=rng.random() < scenario.no_show_rate,
                checkin_delay=_lognormal(rng, scenario.checkin_median, scenario.checkin_sigma),
                meal_z=rng.gauss(0.0, 1.0), cleaning_z=rng.gauss(0.0, 1.0), meal_scale=meal_scale))
    return diners
