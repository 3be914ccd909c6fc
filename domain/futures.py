"""What varies between the estimator's simulated futures (``domain.estimator``): the fixed
table of stratified uniforms each run reads, and, drawn from it, the parties who join in a
run and those in line who give up. Pure: the same row always gives the same future.
"""

import bisect
import math
import random
from collections.abc import Sequence
from functools import cache

from .durations import HOUR_MS, MINUTE_MS
from .turn_model import TurnModel
from .values import WaitingParty

MAX_ARRIVALS = 60  # newcomers per run, at most

# Uniform draws, fixed for the process: run r reads row r. Each column is stratified over
# the runs (one value in each 1/runs slice), so few runs cover every quantile evenly.
# Columns: three per busy unit, five per party in line, 128 per hour of arrivals (draws are
# reused, far apart, beyond 64 units, 166 parties or 4 hours).
COLUMNS, PARTY_BASE, ARRIVAL_BASE = 1536, 192, 1024


@cache
def draws(runs: int) -> tuple[tuple[float, ...], ...]:
    rng = random.Random(20_260_101 + runs)
    columns = []
    for _ in range(COLUMNS):
        keys = [rng.random() for _ in range(runs)]
        columns.append([(slot + rng.random()) / runs for slot in sorted(range(runs), key=keys.__getitem__)])
    return tuple(zip(*columns, strict=True))


@cache
def model_draws(runs: int, k: int) -> tuple[float, ...]:
    """More stratified columns, for what a whole run shares: k=0 tonight's meal ratio, k=1
    tonight's demand."""
    rng = random.Random(f"{20_260_102 + runs}/{k}")
    slots = list(range(runs))
    rng.shuffle(slots)
    return tuple((slot + rng.random()) / runs for slot in slots)


def unit_draw(row, index: int, k: int) -> float:
    return row[(index * 3 + k) % PARTY_BASE]


def party_draw(row, index: int, k: int) -> float:
    return row[PARTY_BASE + (index * 5 + k) % (ARRIVAL_BASE - PARTY_BASE)]


def arrivals(turns: TurnModel, now_ms: int, row, ahead_ms: int) -> list[WaitingParty]:
    """Parties joining in the next ``ahead_ms``, a Poisson process at the learnt hourly rates.
    Draws are keyed by the absolute hour, so a later estimate sees the same newcomers."""
    if not turns.arrivals or not turns.arrival_mix:
        return []
    out: list[WaitingParty] = []
    offset = turns.utc_offset_minutes * MINUTE_MS
    hour = (now_ms + offset) // HOUR_MS
    while hour * HOUR_MS - offset < now_ms + ahead_ms and len(out) < MAX_ARRIVALS:
        rate = turns.demand_factor * turns.arrivals.get((((hour // 24) + 3) % 7, hour % 24), 0.0)
        base = ARRIVAL_BASE + (hour % 4) * 128
        count, p, total, u = 0, math.exp(-rate), math.exp(-rate), row[base]
        while u > total and count < 63:
            count += 1
            p *= rate / count
            total += p
        times = sorted(hour * HOUR_MS - offset + int(row[base + 1 + 2 * i] * HOUR_MS) for i in range(count))
        for i, at in enumerate(times):
            if at > now_ms:
                size, preference = turns.arrival_mix[int(row[base + 2 + 2 * i] * len(turns.arrival_mix))]
                out.append(WaitingParty(id=-2 - len(out), size=size, preference=preference, joined_ms=at))
        hour += 1
    return out[:MAX_ARRIVALS]


def leave_chances(waiting: Sequence[WaitingParty], turns: TurnModel, now_ms: int) -> list[tuple[float, int]]:
    """For each party, the chance it gives up in a run, and where the times it may give up
    at begin in ``turns.leave_samples``: as many as history says do, at the times they did
    (of those later than a party has already waited). A party is scored only on the runs it
    stays, so at most half of them may see it go."""
    data = turns.leave_samples
    if turns.leave_rate <= 0 or not data:
        return []
    out = []
    for party in waiting:
        start = bisect.bisect_right(data, (now_ms - party.joined_ms) / MINUTE_MS)
        out.append((min(0.5, turns.leave_rate * (len(data) - start) / len(data)), start))
    return out


def leavers(waiting: Sequence[WaitingParty], chances: list[tuple[float, int]], turns: TurnModel,
             row) -> dict[int, int]:
    """Parties that give up in this run, and when."""
    data, out = turns.leave_samples, {}
    for index, (chance, start) in enumerate(chances):
        if party_draw(row, index, 3) < chance:
            pick = data[min(len(data) - 1, start + int(party_draw(row, index, 4) * (len(data) - start)))]
            party = waiting[index]
            out[party.id] = party.joined_ms + int(pick * MINUTE_MS)
    return out
