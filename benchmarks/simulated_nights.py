"""Simulated nights for ``benchmarks.estimates``, in parallel: one process per CPU (at most
``MAX_WORKERS``), each with its own database and embedded Valkey (a simulation holds one
database transaction for its whole run, and the restaurant ids would clash on one
server). Each job is one scenario and seed: its history once, then the measured nights
under every condition (seating.simulation.run_each)."""

import multiprocessing
import os
import time
from dataclasses import dataclass

MAX_WORKERS = 2


@dataclass(frozen=True)
class Outcome:
    """One scenario, seed and condition, as numbers (what crosses the process boundary)."""

    scenario: str
    seed: int
    condition: str
    quotes: int
    ours_mae: float
    best: str
    best_mae: float
    ratio: float
    too_short: float
    best_too_short: float
    waited: int
    below: float
    inside: float
    above: float
    seconds: float  # the job's, shared by its conditions


def run_all(jobs: list[tuple[str, int]], conditions: dict[str, dict[str, object]], nights: int) -> list[Outcome]:
    """``conditions``: {name: {scenario: Conditions}}, the same names for every scenario."""
    context = multiprocessing.get_context("spawn")
    todo, done = context.Queue(), context.Queue()
    for job in jobs:
        todo.put(job)
    workers = min(MAX_WORKERS, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1, len(jobs))
    for _ in range(workers):
        todo.put(None)
    processes = [context.Process(target=_worker, args=(todo, done, conditions, nights)) for _ in range(workers)]
    for process in processes:
        process.start()
    outcomes, finished = [], 0
    while finished < workers:
        item = done.get()
        if item is None:
            finished += 1
        elif isinstance(item, str):
            for process in processes:
                process.terminate()
            raise RuntimeError(f"a simulation failed:\n{item}")
        else:
            outcomes.extend(item)
    for process in processes:
        process.join()
    return sorted(outcomes, key=lambda o: (o.scenario, o.seed, list(conditions).index(o.condition)))


def _worker(todo, done, conditions, nights) -> None:
    import traceback

    for name in ("REDIS_URL", "DATABASE_URL", "VAR_DIR"):
        os.environ.pop(name, None)  # the parent's: this process starts its own
    from .harness import Environment

    try:
        with Environment():
            while (job := todo.get()) is not None:
                done.put(_simulate(*job, conditions, nights))
    except Exception:
        done.put(traceback.format_exc())
    done.put(None)


def _simulate(scenario: str, seed: int, conditions, nights: int) -> list[Outcome]:
    from domain.simulation import scoring
    from seating import simulation

    started = time.perf_counter()
    names = list(conditions)
    reports = simulation.run_each(scenario, seed, [conditions[name][scenario] for name in names], nights=nights)
    seconds = time.perf_counter() - started
    outcomes = []
    for name, report in zip(names, reports, strict=True):
        table, best, cover = report.table, report.best_baseline, report.coverage
        outcomes.append(Outcome(
            scenario=scenario, seed=seed, condition=name, quotes=table[scoring.OURS].count,
            ours_mae=table[scoring.OURS].mae, best=best, best_mae=table[best].mae, ratio=report.mae_ratio,
            too_short=report.too_short, best_too_short=table[best].too_short, waited=cover.count,
            below=cover.below, inside=cover.inside, above=cover.above, seconds=seconds))
    return outcomes
