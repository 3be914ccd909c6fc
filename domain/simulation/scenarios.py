"""The restaurants and crowds the simulator plays, as plain data.

A scenario describes the floor and the policies (what a manager sets in admin) and, apart
from that, how the virtual diners behave: when they arrive, how many they are, how long
they eat, how patient they are. The behaviour is deliberately different from the admin
defaults (meals are shorter or longer than ``default_turn_minutes``), so the estimator has
to learn from the visit history rather than be handed the answer.
"""

from dataclasses import dataclass, field

from domain.values import COUNTER, EITHER, TABLE


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    tables: tuple[int, ...]  # seats of each table, in floor order
    counter_seats: int
    # Restaurant policy, as in admin.
    strategy: str = "first_fit"
    tables_combine: bool = False
    max_party_size: int = 6
    max_skips: int = 3
    max_wait_minutes: int | None = None
    checkin_timeout_minutes: int = 10
    default_turn_minutes: int = 60
    default_counter_turn_minutes: int = 40
    # The night: joins are accepted from ``open_hour`` for one hour per rate; parties
    # already waiting at closing are still seated.
    open_hour: int = 17
    arrivals_per_hour: tuple[float, ...] = (10.0,)
    weekday_factor: tuple[float, ...] = (1.0, 1.0, 1.0, 1.05, 1.25, 1.35, 0.9)  # Monday first
    # Nights differ beyond their weekday (weather, a game on TV, a slow kitchen), which no
    # history can foresee: log-normal factors on tonight's arrivals and meal lengths.
    night_demand_sigma: float = 0.2
    night_meal_sigma: float = 0.06
    # Who comes: preference shares and party sizes (weights) by preference.
    preferences: dict[str, float] = field(default_factory=lambda: {TABLE: 1.0})
    sizes: dict[str, dict[int, float]] = field(default_factory=dict)
    # Meals: log-normal, median minutes by kind plus a per-guest increment, and sigma.
    meal_median: dict[str, float] = field(default_factory=lambda: {TABLE: 50.0, COUNTER: 35.0})
    meal_per_guest: dict[str, float] = field(default_factory=lambda: {TABLE: 3.0, COUNTER: 2.0})
    meal_sigma: dict[str, float] = field(default_factory=lambda: {TABLE: 0.3, COUNTER: 0.35})
    cleaning_median: dict[str, float] = field(default_factory=lambda: {TABLE: 4.0, COUNTER: 1.5})
    cleaning_sigma: float = 0.35
    # After the "table ready" message: log-normal minutes to reach the host stand.
    checkin_median: float = 3.0
    checkin_sigma: float = 0.6
    no_show_rate: float = 0.06
    # Tolerance: a party walks away at once when the quote's high end exceeds it.
    tolerance_median: float = 55.0
    tolerance_sigma: float = 0.45
    # Some parties give up later: with this probability, at a uniform time up to the
    # tolerance times ``late_leave_stretch`` after joining, if not yet called.
    late_leave_rate: float = 0.08
    late_leave_stretch: float = 1.5
    history_nights: int = 14
    measured_nights: int = 1

    @property
    def hours(self) -> int:
        return len(self.arrivals_per_hour)

    def labels(self) -> list[tuple[str, int]]:
        """(label, seats) of every table and counter seat, as the simulator names them."""
        return ([(f"T{number}", seats) for number, seats in enumerate(self.tables, start=1)]
                + [(f"C{number}", 1) for number in range(1, self.counter_seats + 1)])

    def largest_table(self) -> str:
        return max(self.labels()[:len(self.tables)], key=lambda item: item[1])[0]


SCENARIOS: dict[str, Scenario] = {}


def _add(scenario: Scenario) -> None:
    SCENARIOS[scenario.name] = scenario


_add(Scenario(
    name="counter-bar",
    description="A ramen counter: ten adjoining seats, two small tables, mostly solo diners and couples.",
    tables=(2, 4),
    counter_seats=10,
    max_party_size=4,
    default_turn_minutes=50,
    default_counter_turn_minutes=45,
    open_hour=18,
    arrivals_per_hour=(9.0, 15.0, 17.0, 13.0, 7.0),
    preferences={COUNTER: 0.65, EITHER: 0.28, TABLE: 0.07},
    sizes={COUNTER: {1: 0.5, 2: 0.42, 3: 0.06, 4: 0.02},
           EITHER: {1: 0.4, 2: 0.5, 3: 0.07, 4: 0.03},
           TABLE: {2: 0.7, 3: 0.2, 4: 0.1}},
    meal_median={TABLE: 38.0, COUNTER: 26.0},
    meal_per_guest={TABLE: 2.0, COUNTER: 2.5},
    meal_sigma={TABLE: 0.3, COUNTER: 0.3},
    cleaning_median={TABLE: 3.0, COUNTER: 1.5},
    tolerance_median=45.0,
))

_add(Scenario(
    name="family",
    description="A 20-table family restaurant: twos, fours and sixes, no counter.",
    tables=(2,) * 6 + (4,) * 10 + (6,) * 4,
    counter_seats=0,
    max_party_size=6,
    default_turn_minutes=60,
    open_hour=17,
    arrivals_per_hour=(14.0, 25.0, 28.0, 20.0, 9.0),
    preferences={TABLE: 1.0},
    sizes={TABLE: {1: 0.03, 2: 0.3, 3: 0.15, 4: 0.32, 5: 0.1, 6: 0.1}},
    meal_median={TABLE: 44.0, COUNTER: 30.0},
    meal_per_guest={TABLE: 4.0, COUNTER: 2.0},
    meal_sigma={TABLE: 0.28, COUNTER: 0.3},
    cleaning_median={TABLE: 5.0, COUNTER: 1.5},
    tolerance_median=60.0,
))

_add(Scenario(
    name="busy-mixed",
    description="A busy brasserie: tables that combine for large parties, an eight-seat bar counter.",
    tables=(2,) * 8 + (4,) * 6 + (6,) * 2,
    counter_seats=8,
    strategy="best_fit",
    tables_combine=True,
    max_party_size=10,
    max_skips=3,
    max_wait_minutes=75,
    default_turn_minutes=70,
    default_counter_turn_minutes=40,
    open_hour=17,
    arrivals_per_hour=(16.0, 28.0, 34.0, 28.0, 16.0, 7.0),
    preferences={TABLE: 0.6, EITHER: 0.25, COUNTER: 0.15},
    sizes={TABLE: {2: 0.38, 3: 0.12, 4: 0.24, 5: 0.07, 6: 0.08, 7: 0.03, 8: 0.04, 10: 0.04},
           EITHER: {1: 0.15, 2: 0.6, 3: 0.15, 4: 0.1},
           COUNTER: {1: 0.45, 2: 0.45, 3: 0.1}},
    meal_median={TABLE: 48.0, COUNTER: 30.0},
    meal_per_guest={TABLE: 4.0, COUNTER: 3.0},
    meal_sigma={TABLE: 0.3, COUNTER: 0.35},
    cleaning_median={TABLE: 5.0, COUNTER: 2.0},
    tolerance_median=60.0,
))

_add(Scenario(
    name="smoke",
    description="Two hours at a tiny place with two prior nights: for CI.",
    tables=(2, 4, 4, 6),
    counter_seats=4,
    max_party_size=6,
    open_hour=18,
    arrivals_per_hour=(9.0, 9.0),
    preferences={TABLE: 0.6, COUNTER: 0.2, EITHER: 0.2},
    sizes={TABLE: {2: 0.5, 3: 0.2, 4: 0.2, 6: 0.1}, COUNTER: {1: 0.5, 2: 0.5}, EITHER: {1: 0.3, 2: 0.7}},
    history_nights=2,
))


def get(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        raise KeyError(f"unknown scenario {name!r}; choose from {', '.join(sorted(SCENARIOS))}") from None


def measured_names() -> list[str]:
    """Every scenario except the CI one, in a stable order."""
    return [name for name in SCENARIOS if name != "smoke"]
