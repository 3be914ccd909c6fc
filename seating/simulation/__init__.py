"""A restaurant simulator that checks the wait estimator against what really happens.

``run(scenario, seed)`` plays ``history_nights`` nights to build a visit history, then the
measured nights, through the real queue, strategies, timer worker and live view, and scores
the quotes given at join against the actual waits, next to three baselines.

Everything it writes to the database is rolled back at the end (it runs in one
transaction, so a SQLite database is locked for writes meanwhile) and its Redis keys are
removed, so it can run against a development database or inside a test's transaction.

    scenarios.py  the restaurants and crowds
    world.py      the virtual nights (event loop over the service layer)
    baselines.py  what other products would have quoted
    metrics.py    errors, and the printed table
"""

from dataclasses import dataclass

from django.db import transaction

from . import metrics, scenarios
from .baselines import LABELS, NAMES
from .world import Diner, World


@dataclass(frozen=True)
class Report:
    scenario: str
    seed: int
    history_nights: int
    measured_nights: int
    diners: tuple[Diner, ...]  # of the measured nights
    table: dict[str, metrics.Accuracy]

    @property
    def counts(self) -> dict[str, int]:
        return {
            "parties": len(self.diners),
            "walked away at join": sum(1 for d in self.diners if d.outcome == "walked"),
            "walked away waiting": sum(1 for d in self.diners if d.outcome == "left"),
            "no-shows": sum(1 for d in self.diners if d.outcome == "no_show"),
            "called": sum(1 for d in self.diners if d.called_ms is not None),
        }

    @property
    def mae_ratio(self) -> float:
        return metrics.mae_ratio(self.table)

    @property
    def too_short(self) -> float:
        return self.table[metrics.OURS].too_short

    @property
    def best_baseline(self) -> str:
        return metrics.best_baseline(self.table)

    def render(self) -> str:
        title = (f"scenario {self.scenario}, seed {self.seed}: {self.measured_nights} measured night(s) "
                 f"after {self.history_nights} night(s) of history")
        return metrics.render(title, self.table, LABELS, self.counts)


def run(scenario_name: str, seed: int, *, nights: int | None = None, history: int | None = None) -> Report:
    scenario = scenarios.get(scenario_name)
    nights = scenario.measured_nights if nights is None else nights
    history = scenario.history_nights if history is None else history
    slug = f"sim-{scenario.name}-{seed}"[:50]
    with transaction.atomic():
        world = World(scenario, seed, slug)
        try:
            for index in range(history):
                world.run_night(index)
            measured = [world.run_night(history + n) for n in range(nights)]
        finally:
            world.close()
            transaction.set_rollback(True)
    diners = tuple(d for night in measured for d in night.diners)
    return Report(scenario=scenario.name, seed=seed, history_nights=history, measured_nights=nights,
                  diners=diners, table=metrics.score(diners, NAMES))
