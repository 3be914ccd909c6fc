"""Accuracy of quotes against what really happened, and the table that shows it.

A quote is judged only for parties that were called ("your table is ready"): a party that
walked away while waiting has no actual wait to compare with (it is counted, not scored).
Our quote is a range, scored by its midpoint; a baseline gives one number. Either is too
short when the actual wait exceeds that number by more than ``TOO_SHORT_MINUTES``: like is
compared with like. Whether the range itself means what it says is its coverage: of the
parties who waited (called after more than 0 minutes), the share whose actual wait fell
below its low end, inside it, and above its high end.
"""

import math
from dataclasses import dataclass

TOO_SHORT_MINUTES = 5.0
OURS = "ours"


@dataclass(frozen=True)
class Accuracy:
    count: int
    mae: float  # minutes
    p90: float  # minutes
    too_short: float  # share of quotes, 0..1


@dataclass(frozen=True)
class Coverage:
    count: int  # parties who waited
    below: float
    inside: float
    above: float


def midpoint(low: float, high: float) -> float:
    return (low + high) / 2


def mean_absolute_error(estimates: list[float], actuals: list[float]) -> float:
    if not actuals:
        return 0.0
    return sum(abs(e - a) for e, a in zip(estimates, actuals, strict=True)) / len(actuals)


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least ``q`` of the values at or below it."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def share_too_short(highs: list[float], actuals: list[float], slack: float = TOO_SHORT_MINUTES) -> float:
    if not actuals:
        return 0.0
    return sum(1 for high, actual in zip(highs, actuals, strict=True) if actual > high + slack) / len(actuals)


def accuracy(points: list[float], actuals: list[float]) -> Accuracy:
    errors = [abs(p - a) for p, a in zip(points, actuals, strict=True)]
    return Accuracy(count=len(actuals), mae=mean_absolute_error(points, actuals), p90=percentile(errors, 0.9),
                    too_short=share_too_short(points, actuals))


def coverage(parties) -> Coverage:
    """Where the actual waits fell against the quoted ranges, for parties who waited."""
    waited = [p for p in parties if p.quote is not None and p.waited_minutes is not None and p.waited_minutes > 0]
    if not waited:
        return Coverage(0, 0.0, 0.0, 0.0)
    below = sum(1 for p in waited if p.waited_minutes < p.quote[0])
    above = sum(1 for p in waited if p.waited_minutes > p.quote[1])
    n = len(waited)
    return Coverage(n, below / n, (n - below - above) / n, above / n)


def score(parties, baseline_names: tuple[str, ...]) -> dict[str, Accuracy]:
    """Accuracy of our quote and of each baseline over the called parties. Each party
    needs ``quote`` (low, high), ``baselines`` {name: minutes} and ``waited_minutes``."""
    called = [p for p in parties if p.waited_minutes is not None and p.quote is not None]
    actuals = [p.waited_minutes for p in called]
    table = {OURS: accuracy([midpoint(*p.quote) for p in called], actuals)}
    for name in baseline_names:
        table[name] = accuracy([p.baselines[name] for p in called], actuals)
    return table


def best_baseline(table: dict[str, Accuracy]) -> str:
    return min((name for name in table if name != OURS), key=lambda name: (table[name].mae, name))


def mae_ratio(table: dict[str, Accuracy]) -> float:
    best = table[best_baseline(table)].mae
    return table[OURS].mae / best if best > 0 else math.inf


def render(title: str, table: dict[str, Accuracy], labels: dict[str, str], counts: dict[str, int],
           cover: Coverage) -> str:
    """The accuracy table of one scenario, as printed by ``manage.py simulate``."""
    width = max(len(label) for label in (*labels.values(), "ours (range midpoint)")) + 2
    lines = [title, "",
             f"{'estimate'.ljust(width)}{'quotes':>7}{'MAE min':>9}{'P90 min':>9}{'too short':>11}",
             "-" * (width + 36)]
    for name, acc in table.items():
        label = "ours (range midpoint)" if name == OURS else labels.get(name, name)
        lines.append(f"{label.ljust(width)}{acc.count:>7}{acc.mae:>9.1f}{acc.p90:>9.1f}{acc.too_short:>10.1%}")
    lines.append("")
    lines.append("  ".join(f"{key.replace('_', ' ')}: {value}" for key, value in counts.items()))
    lines.append(f"our range against the actual wait, {cover.count} parties who waited: {cover.below:.0%} below, "
                 f"{cover.inside:.0%} inside, {cover.above:.0%} above")
    best = best_baseline(table)
    lines.append(f"MAE ours / best baseline ({labels.get(best, best)}): {mae_ratio(table):.2f}; "
                 f"too short by > {TOO_SHORT_MINUTES:g} min: ours {table[OURS].too_short:.1%}, "
                 f"{labels.get(best, best)} {table[best].too_short:.1%}")
    return "\n".join(lines)
