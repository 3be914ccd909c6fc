"""Unit tests for the wait estimator (domain/estimator.py): pure functions over frozen
inputs, so no database and no Redis. The simulator that checks its accuracy end to end is
tested in test_simulation.py."""

import random
from dataclasses import replace

import pytest

from domain import estimator as E
from domain.durations import MINUTE_MS as MIN
from domain.estimator import Busy, Situation
from domain.futures import draws
from domain.strategies import STRATEGIES, best_fit, first_fit
from domain.turn_model import TurnModel
from domain.values import COUNTER, EITHER, TABLE, Policy, Unit, WaitingParty

NOW = 1_900_000_000_000
# Meals of almost exactly an hour, so that expected waits can be read off the floor.
STEADY = TurnModel(table_minutes=60, counter_minutes=40, spread=0.02, cleaning_minutes=4, checkin_minutes=3)


@pytest.fixture(autouse=True)
def clean_redis():
    """Override the suite-wide fixture that flushes Redis: nothing here touches it."""
    yield


def table(id, seats):
    return Unit(id=id, seats=seats, kind=TABLE, position=id, label=f"T{id}")


def seat(id, position):
    return Unit(id=id, seats=1, kind=COUNTER, position=position, label=f"C{position}")


def party(id, size, preference=TABLE, *, waited=0, skips=0):
    return WaitingParty(id=id, size=size, preference=preference, joined_ms=NOW - waited * MIN + id, skips=skips)


def eating(minutes, seats, party_id=None):
    """Occupied since ``minutes`` ago by a party using ``seats`` seats."""
    return Busy("occupied", NOW - minutes * MIN, seats, party_id)


def waits(situation, strategy=first_fit, policy=Policy(), turns=STEADY):
    return E.estimate_waiting(situation, strategy, policy, turns, NOW)


# --- a six-top party behind three couples ---------------------------------------------

def test_six_behind_three_couples_waits_for_a_six_top_not_for_its_place_in_line():
    # The couples' tables are about to free; the only six-top was just taken.
    units = (table(1, 2), table(2, 2), table(3, 2), table(4, 6))
    busy = {1: eating(55, 2), 2: eating(56, 2), 3: eating(57, 2), 4: eating(0, 6)}
    line = (party(1, 2, waited=9), party(2, 2, waited=8), party(3, 2, waited=7), party(4, 6, waited=6))
    quoted = waits(Situation(units, busy, line))
    for couple in (1, 2, 3):
        assert quoted[couple][1] <= 15  # their two-tops free within minutes
    low, high = quoted[4]
    assert 60 <= low <= high <= 70  # the six-top's meal (60) and cleaning (4), not "4th in line"


def test_six_top_freeing_first_goes_to_the_six_under_best_fit_and_to_a_couple_under_first_fit():
    units = (table(1, 2), table(2, 2), table(3, 2), table(4, 6))
    busy = {1: eating(0, 2), 2: eating(0, 2), 3: eating(0, 2), 4: eating(55, 6)}
    line = (party(1, 2, waited=9), party(2, 2, waited=8), party(3, 2, waited=7), party(4, 6, waited=6))
    situation = Situation(units, busy, line)
    assert waits(situation, best_fit)[4][1] <= 15  # the six fills the six-top: seated at once
    assert waits(situation, first_fit)[4][0] >= 60  # the first couple takes it; the six waits a meal


def test_new_party_is_quoted_as_it_would_be_in_line():
    units = (table(1, 2), table(2, 4), table(3, 6))
    busy = {1: eating(20, 2), 2: eating(40, 4), 3: eating(10, 6)}
    line = (party(1, 2, waited=5), party(2, 4, waited=3))
    situation = Situation(units, busy, line)
    quote = E.estimate_new(situation, first_fit, Policy(), STEADY, NOW, 6, TABLE)
    joined = Situation(units, busy, line + (WaitingParty(id=3, size=6, preference=TABLE, joined_ms=NOW),))
    assert waits(joined)[3] == quote  # what the diner is promised is what the page then shows


# --- occupied tables ----------------------------------------------------------------------

@pytest.mark.parametrize("eaten, expected", [(5, (55, 65)), (30, (30, 40)), (55, (5, 15))])
def test_remaining_time_of_an_occupied_table(eaten, expected):
    situation = Situation((table(1, 4),), {1: eating(eaten, 4)}, ())
    low, high = E.estimate_new(situation, first_fit, Policy(), STEADY, NOW, 4, TABLE)
    assert expected[0] <= low <= high <= expected[1]


def test_a_meal_running_past_its_usual_length_still_ends_in_the_future():
    model = replace(STEADY, spread=0.3)
    situation = Situation((table(1, 4),), {1: eating(120, 4)}, ())
    low, high = E.estimate_new(situation, first_fit, Policy(), model, NOW, 4, TABLE)
    # Twice its usual length, as 1% of history's meals last: it ends soon, most likely, though
    # the longest futures (beyond the 85th percentile's) allow that it may be stuck (see the
    # next test).
    assert 0 <= low <= 10 and high is not None and high <= 90


def test_a_table_far_past_every_meal_in_history_may_be_stuck():
    """Three hours into meals of an hour (a party lingering, or a table nobody cleared in
    the app): history cannot say when it ends, so the quote is wide and long rather than
    "any minute now". With ``turn_model.STUCK_SHARE`` at 0 it would be a few minutes."""
    model = replace(STEADY, spread=0.3)
    situation = Situation((table(1, 4),), {1: eating(180, 4)}, ())
    low, high = E.estimate_new(situation, first_fit, Policy(), model, NOW, 4, TABLE)
    assert low <= 30 and high >= 40
    assert model.quantile(TABLE, 4, 0.5, elapsed=180) > 195
    assert model.quantile(TABLE, 4, 0.5, elapsed=30) == pytest.approx(replace(STEADY, spread=0.3).quantile(
        TABLE, 4, 0.5, elapsed=30))  # within history's range, nothing changes


def test_learnt_remaining_time_is_conditional_on_time_already_spent():
    meals = tuple(sorted(30.0 + i % 40 for i in range(200)))  # 30 to 69 minutes
    model = TurnModel(samples={(TABLE, 4): meals}, cleaning_minutes=0)
    assert model.quantile(TABLE, 4, 0.5) == pytest.approx(49.5, abs=1)
    assert model.quantile(TABLE, 4, 0.5, elapsed=60) == pytest.approx(64.5, abs=1)
    assert model.quantile(TABLE, 4, 0.5, elapsed=80) > 80  # beyond every sample: the fitted tail


def test_a_partys_counter_seats_free_together():
    seats = tuple(seat(10 + p, p) for p in range(1, 5))
    # One couple on seats 1-2 for 35 minutes and another on seats 3-4, seated at the same moment.
    busy = {u.id: Busy("occupied", NOW - 35 * MIN, 2) for u in seats}
    situation = Situation(seats, busy, ())
    assert E.busy_groups(situation) == [(0, 1), (2, 3)]
    for row in draws(E.RUNS):
        free = {u.id: E._free_at(u, 0, busy[u.id], STEADY, NOW, row) for u in seats}
        assert len(set(free.values())) == 1  # same time, same draw: these are identical parties
    known = {u.id: replace(busy[u.id], party_id=1 if u.position <= 2 else 2) for u in seats}
    assert E.busy_groups(Situation(seats, known, ())) == [(0, 1), (2, 3)]


def test_a_held_table_frees_at_the_hold_for_a_no_show_or_after_a_meal():
    model = replace(STEADY, no_show_rate=0.5, checkin_samples=tuple(float(i % 5) for i in range(50)))
    units = (table(1, 4),)
    held = Situation(units, {1: Busy("held", NOW - 2 * MIN, 4)}, ())
    samples = E.simulate_waits(held, first_fit, Policy(), model, NOW, extra=party(9, 4))[9]
    minutes = sorted(s / MIN for s in samples)
    assert any(7 <= m <= 9 for m in minutes)  # no-show: the 10-minute hold ends in 8
    assert any(m >= 60 for m in minutes)  # came: a whole meal and cleaning


# --- ranges ---------------------------------------------------------------------------------

def random_situation(rng, combine):
    units = [table(i, rng.choice((2, 2, 4, 4, 6))) for i in range(1, rng.randint(2, 9))]
    units += [seat(100 + p, p) for p in range(1, rng.randint(0, 7))]
    busy = {u.id: eating(rng.randint(0, 90), u.seats) for u in units if rng.random() < 0.8}
    prefs = [TABLE, EITHER, COUNTER] if any(u.kind == COUNTER for u in units) else [TABLE]
    line = tuple(party(i, rng.randint(1, 8), rng.choice(prefs), waited=rng.randint(0, 60), skips=rng.randint(0, 3))
                 for i in range(1, rng.randint(1, 14)))
    return Situation(tuple(units), busy, line), Policy(max_skips=3, tables_combine=combine,
                                                   max_wait_ms=rng.choice((None, 45 * MIN)))


def test_every_range_is_ordered_and_repeatable():
    rng = random.Random(7)
    model = TurnModel(no_show_rate=0.1, leave_rate=0.1, leave_samples=(5.0, 10.0, 20.0, 40.0))
    for _ in range(40):
        situation, policy = random_situation(rng, rng.random() < 0.5)
        for name, strategy in STRATEGIES.items():
            quoted = E.estimate_waiting(situation, strategy.choose, policy, model, NOW)
            assert quoted == E.estimate_waiting(situation, strategy.choose, policy, model, NOW), name
            for quote in quoted.values():
                assert quote in (None, (E.OPEN_MINUTES, None), (0, 0)) or 0 <= quote[0] < quote[1] <= E.OPEN_MINUTES


def test_a_party_every_future_seats_at_once_is_quoted_no_wait():
    # A free four-top: seated now, not "0 to 1 minutes"; one busy table ahead of it: minutes.
    units = (table(1, 4), table(2, 4))
    assert waits(Situation(units, {1: eating(10, 4)}, (party(1, 4),))) == {1: (0, 0)}
    assert E.wait_range([0] * 16) == (0, 0)
    low, high = E.wait_range([0] * 8 + [3 * MIN] * 8)
    assert low == 0 and high >= 3
    assert waits(Situation(units, {1: eating(10, 4), 2: eating(30, 4)}, (party(1, 4),)))[1][0] > 0


def test_party_larger_than_any_table_gets_none():
    units = (table(1, 2), table(2, 4), seat(10, 1), seat(11, 2))
    situation = Situation(units, {1: eating(10, 2)}, (party(1, 2),))
    assert E.estimate_new(situation, first_fit, Policy(), STEADY, NOW, 6, TABLE) is None
    assert E.estimate_new(situation, first_fit, Policy(), STEADY, NOW, 3, COUNTER) is None
    # Pushed together, the two tables seat six.
    assert E.estimate_new(situation, first_fit, Policy(tables_combine=True), STEADY, NOW, 6, TABLE) is not None
    assert waits(Situation(units, {}, (party(1, 7),)), policy=Policy(tables_combine=True)) == {1: None}


def test_future_arrivals_take_tables_under_best_fit():
    # A party of four waits for two two-tops to free together; under best fit the couples
    # who join meanwhile take each two-top as it frees, until the four has been passed over
    # three times and holds them.
    units = (table(1, 2), table(2, 2))
    situation = Situation(units, {1: eating(50, 2), 2: eating(20, 2)}, (party(1, 4),))
    policy = Policy(tables_combine=True, max_skips=3)
    quiet = E.estimate_waiting(situation, best_fit, policy, STEADY, NOW)[1]
    assert 40 <= quiet[0] <= quiet[1] <= 50  # when the second table frees
    hour = ((NOW // (60 * MIN)) // 24 + 3) % 7, (NOW // (60 * MIN)) % 24
    busy_model = replace(STEADY, arrivals={hour: 20.0, (hour[0], (hour[1] + 1) % 24): 20.0}, arrival_mix=((2, TABLE),))
    crowded = E.estimate_waiting(situation, best_fit, policy, busy_model, NOW)[1]
    assert crowded[0] > quiet[1]


# --- the shortcut that keeps simulated decisions cheap -----------------------------------

def test_narrowing_never_changes_a_strategys_offers():
    rng = random.Random(11)
    for case in range(4000):
        units = [table(i, rng.choice((2, 2, 4, 6))) for i in range(1, rng.randint(1, 7))]
        units += [seat(100 + p, p) for p in rng.sample(range(1, 9), rng.randint(0, 6))]
        free = [u for u in units if rng.random() < 0.6]
        largest = rng.choice((3, 8))  # small parties make many alike ones
        window = [party(i, rng.randint(1, largest), rng.choice((TABLE, COUNTER, EITHER)), waited=rng.randint(0, 90),
                        skips=rng.choice((0, 0, 1, 3, 5))) for i in range(1, rng.randint(1, 20))]
        policy = Policy(max_skips=rng.choice((1, 3)), tables_combine=rng.random() < 0.5,
                        max_wait_ms=rng.choice((None, 45 * MIN)))
        for name, strategy in STRATEGIES.items():
            usable, parties = E._narrow(strategy.choose, free, window, policy, NOW)
            narrowed = strategy.choose(usable, parties, policy, NOW) if parties else []
            assert narrowed == strategy.choose(free, window, policy, NOW), (case, name)
