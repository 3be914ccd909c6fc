"""Measured nights unlike the history: what ``manage.py simulate`` can change about them.

The history nights are always played as the scenario describes them; these change only the
measured nights, the way a real night can differ from every night before it: a slow
kitchen (meals longer by a factor), a crowd that comes at once (a share of one hour's
parties within a few minutes), a table out of service (deleted from the floor plan, which
the estimator then knows, or silently occupied: shown as taken by a party that never
leaves), and diners who never walk away (to score the quotes of everyone).
"""

import random
from dataclasses import dataclass, replace

from domain.durations import DAY_MS, HOUR_MS, MINUTE_MS

from .crowd import Diner
from .scenarios import Scenario

DELETED, OCCUPIED = "deleted", "occupied"
TABLE_OUT_MODES = (DELETED, OCCUPIED)


@dataclass(frozen=True)
class Conditions:
    meal_factor: float = 1.0
    burst_share: float = 0.0  # of the burst hour's parties, moved into its first burst_minutes
    burst_minutes: float = 15.0
    burst_hour: int | None = None  # hours after opening; None: the busiest hour
    table_out: str | None = None  # a table's label
    table_out_mode: str = OCCUPIED
    walkaways: bool = True

    def __post_init__(self) -> None:
        if self.meal_factor <= 0:
            raise ValueError("the meal factor must be above 0")
        if not 0 <= self.burst_share <= 1:
            raise ValueError("the burst share must be between 0 and 1")
        if self.burst_minutes <= 0 or self.burst_minutes > 60:
            raise ValueError("the burst must last more than 0 and at most 60 minutes")
        if self.table_out_mode not in TABLE_OUT_MODES:
            raise ValueError(f"a table is out of service as one of: {', '.join(TABLE_OUT_MODES)}")

    def describe(self) -> str:
        parts = []
        if self.meal_factor != 1.0:
            parts.append(f"meals x{self.meal_factor:g}")
        if self.burst_share:
            hour = "the busiest hour" if self.burst_hour is None else f"hour {self.burst_hour} after opening"
            parts.append(f"{self.burst_share:.0%} of {hour}'s parties within {self.burst_minutes:g} min")
        if self.table_out:
            parts.append(f"table {self.table_out} {self.table_out_mode}")
        if not self.walkaways:
            parts.append("no walk-aways")
        return ", ".join(parts) or "as the history"


def burst_hour(scenario: Scenario, conditions: Conditions) -> int:
    if conditions.burst_hour is not None:
        if not 0 <= conditions.burst_hour < scenario.hours:
            raise ValueError(f"the burst hour must be 0 to {scenario.hours - 1} (hours after opening)")
        return conditions.burst_hour
    rates = scenario.arrivals_per_hour
    return rates.index(max(rates))


def apply(diners: list[Diner], scenario: Scenario, conditions: Conditions, seed: int) -> list[Diner]:
    """The night's diners as ``conditions`` change them, in arrival order (renumbered)."""
    rng = random.Random(f"{seed}/{scenario.name}/conditions/{diners[0].night if diners else 0}")
    out = []
    for diner in diners:
        diner = replace(diner, meal_scale=diner.meal_scale * conditions.meal_factor)
        if not conditions.walkaways:
            diner = replace(diner, tolerance=float("inf"), leave_after=None)
        out.append(diner)
    if conditions.burst_share and out:
        hour = burst_hour(scenario, conditions)
        start = _opening_ms(out[0], scenario) + hour * HOUR_MS
        in_hour = [d for d in out if start <= d.arrive_ms < start + HOUR_MS]
        moved = rng.sample(in_hour, round(conditions.burst_share * len(in_hour)))
        span = conditions.burst_minutes * MINUTE_MS
        for diner in moved:
            diner.arrive_ms = start + int(rng.random() * span)
    out.sort(key=lambda d: d.arrive_ms)
    for number, diner in enumerate(out):
        diner.number = number
    return out


def _opening_ms(diner: Diner, scenario: Scenario) -> int:
    day = diner.arrive_ms - diner.arrive_ms % DAY_MS
    return day + scenario.open_hour * HOUR_MS
