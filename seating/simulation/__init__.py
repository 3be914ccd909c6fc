"""A restaurant simulator that checks the wait estimator against what really happens.

``run(scenario, seed)`` plays ``history_nights`` nights to build a visit history, then the
measured nights, through the real queue, strategies, timer worker and live view, and scores
the quotes given at join against the actual waits, next to three baselines.

Everything it writes to the database is rolled back at the end (it runs in one
transaction, so a SQLite database is locked for writes meanwhile) and its Redis keys are
removed, so it can run against a development database or inside a test's transaction.

    world.py                     the virtual nights (event loop over the service layer)
    domain/simulation/scenarios  the restaurants and crowds
    domain/simulation/crowd      the diners of a night
    domain/simulation/baselines  what other products would have quoted
    domain/simulation/scoring    errors, and the printed table
"""

from dataclasses import dataclass

from django.db import transaction

from domain.simulation import scenarios, scoring
from domain.simulation.baselines import LABELS, NAMES
from domain.simulation.conditions import Conditions
from domain.simulation.crowd import Diner

from .world import World


@dataclass(frozen=True)
class Report:
    scenario: str
    seed: int
    history_nights: int
    measured_nights: int
    diners: tuple[Diner, ...]  # of the measured nights
    table: dict[str, scoring.Accuracy]
    conditions: Conditions = Conditions()

    @property
    def coverage(self) -> scoring.Coverage:
        return scoring.coverage(self.diners)

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
        return scoring.mae_ratio(self.table)

    @property
    def too_short(self) -> float:
        return self.table[scoring.OURS].too_short

    @property
    def best_baseline(self) -> str:
        return scoring.best_baseline(self.table)

    def render(self) -> str:
        title = (f"scenario {self.scenario}, seed {self.seed}: {self.measured_nights} measured night(s) "
                 f"after {self.history_nights} night(s) of history; measured nights: {self.conditions.describe()}")
        return scoring.render(title, self.table, LABELS, self.counts, self.coverage)


def run(scenario_name: str, seed: int, *, nights: int | None = None, history: int | None = None,
        conditions: Conditions | None = None) -> Report:
    return run_each(scenario_name, seed, [conditions or Conditions()], nights=nights, history=history)[0]


def run_each(scenario_name: str, seed: int, conditions: list[Conditions], *, nights: int | None = None,
             history: int | None = None) -> list[Report]:
    """The same history once, then the measured nights under each of ``conditions``: one
    report each, as if each had been a run of its own."""
    scenario = scenarios.get(scenario_name)
    nights = scenario.measured_nights if nights is None else nights
    history = scenario.history_nights if history is None else history
    slug = f"sim-{scenario.name}-{seed}"[:50]
    reports = []
    with transaction.atomic():
        world = World(scenario, seed, slug)
        try:
            for index in range(history):
                world.run_night(index)
            saved = world.save()
            for n, changed in enumerate(conditions):
                if n:
                    world.restore(saved)
                measured = [world.run_night(history + night, changed) for night in range(nights)]
                diners = tuple(d for night in measured for d in night.diners)
                reports.append(Report(scenario=scenario.name, seed=seed, history_nights=history,
                                      measured_nights=nights, diners=diners, table=scoring.score(diners, NAMES),
                                      conditions=changed))
        finally:
            world.close()
            transaction.set_rollback(True)
    return reports
