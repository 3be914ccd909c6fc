"""Measured nights unlike the history (domain/simulation/conditions.py): each option of
``manage.py simulate`` changes what happens at the virtual restaurant, seen in the
diners' outcomes; and the simulator loads the model and records quotes as production does."""

import statistics
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from domain.durations import HOUR_MS, MINUTE_MS, to_datetime
from domain.simulation import scenarios
from domain.simulation.conditions import DELETED, OCCUPIED, Conditions
from domain.simulation.crowd import Diner
from seating import simulation

SEED = 2


def run(*conditions: Conditions, seed: int = SEED) -> list[simulation.Report]:
    return simulation.run_each("smoke", seed, list(conditions), nights=1)


@pytest.mark.django_db
def test_meal_factor_makes_every_meal_that_much_longer_and_the_waits_longer():
    usual, slow = run(Conditions(), Conditions(meal_factor=1.5))
    meals = {(d.number, d.size, d.kind): d.meal_minutes for d in usual.diners if d.meal_minutes}
    slower = [(d.meal_minutes, meals[d.number, d.size, d.kind]) for d in slow.diners
              if d.meal_minutes and (d.number, d.size, d.kind) in meals]
    assert len(slower) > 5
    assert all(new == pytest.approx(1.5 * old) for new, old in slower)
    waits = [statistics.mean(d.waited_minutes for d in r.diners if d.waited_minutes is not None) for r in (usual, slow)]
    # Longer, though not in proportion: quotes that learn from tonight send more parties away.
    assert waits[1] > waits[0] + 1


@pytest.mark.django_db
def test_burst_brings_a_share_of_the_busiest_hours_parties_within_minutes():
    usual, burst = run(Conditions(), Conditions(burst_share=0.8, burst_minutes=10, burst_hour=1))
    opening = usual.diners[0].arrive_ms - usual.diners[0].arrive_ms % (24 * HOUR_MS) + 18 * HOUR_MS
    start = opening + HOUR_MS

    def early(report):
        hour = [d for d in report.diners if start <= d.arrive_ms < start + HOUR_MS]
        return sum(1 for d in hour if d.arrive_ms < start + 10 * MINUTE_MS) / len(hour)

    assert early(usual) < 0.4 and early(burst) >= 0.8
    assert len(burst.diners) == len(usual.diners)  # the same parties, earlier

    def peak_wait(report):
        hour = [d.waited_minutes for d in report.diners if start <= d.arrive_ms < start + HOUR_MS
                and d.waited_minutes is not None]
        return statistics.mean(hour)

    assert peak_wait(burst) > peak_wait(usual)


@pytest.mark.django_db
def test_a_deleted_table_seats_nobody_and_its_size_is_no_longer_quoted():
    largest = scenarios.get("smoke").largest_table()
    assert largest == "T4"  # the six-top
    usual, deleted = run(Conditions(), Conditions(table_out=largest, table_out_mode=DELETED))
    assert any(largest in d.tables.split(", ") for d in usual.diners)
    assert not any(largest in d.tables.split(", ") for d in deleted.diners)
    sixes = [d for d in deleted.diners if d.size == 6 and d.preference == "table"]
    assert sixes and all(d.quote is None and d.outcome == "walked" for d in sixes)


@pytest.mark.django_db
def test_a_silently_occupied_table_seats_nobody_though_the_estimator_expects_it_to_free():
    usual, occupied = run(Conditions(), Conditions(table_out="T4", table_out_mode=OCCUPIED, walkaways=False))
    assert not any("T4" in d.tables.split(", ") for d in occupied.diners)
    sixes = [d for d in occupied.diners if d.size == 6 and d.preference == "table"]
    # Quoted as if the six-top would free after a meal, and never called.
    assert sixes and all(d.quote is not None and d.called_ms is None for d in sixes)


@pytest.mark.django_db
def test_without_walk_aways_everyone_joins_and_stays():
    usual, stay = run(Conditions(), Conditions(walkaways=False))
    assert any(d.outcome in ("walked", "left") for d in usual.diners)
    assert not any(d.outcome in ("walked", "left") for d in stay.diners)
    assert stay.counts["called"] > usual.counts["called"]


@pytest.mark.django_db
def test_the_history_is_shared_and_unchanged_conditions_reproduce_a_run_of_their_own():
    """run_each plays the history once and rolls back between conditions: the second
    unchanged run equals the first, and a changed one in between leaves no trace."""
    first, _, again = run(Conditions(), Conditions(meal_factor=2.0, table_out="T1", table_out_mode=DELETED),
                          Conditions())
    assert again.render() == first.render()
    alone = simulation.run("smoke", SEED, nights=1)
    assert alone.render() == first.render()


@pytest.mark.django_db
def test_the_model_is_loaded_at_service_time_and_reloaded_on_productions_schedule(monkeypatch):
    """History every five minutes, tonight's meals every minute in between, as
    visit_history.turn_model does on the wall clock."""
    from restaurants import visit_history
    from seating.simulation.world import FORM_MS, World

    world = World(scenarios.get("smoke"), SEED, "sim-model-load")
    loads, tonight = [], []
    real, real_tonight = visit_history.load_turn_model, visit_history.load_tonight

    def recorded(restaurant, *, now=None):
        loads.append(now)
        return real(restaurant, now=now)

    def recorded_tonight(restaurant, model, *, now=None):
        tonight.append(now)
        return real_tonight(restaurant, model, now=now)

    monkeypatch.setattr(visit_history, "load_turn_model", recorded)
    monkeypatch.setattr(visit_history, "load_tonight", recorded_tonight)
    try:
        world.run_night(0)
        assert len(loads) == 1  # a history night: once, at its first diner
        loads.clear()
        tonight.clear()
        night = world.run_night(1, Conditions())
    finally:
        world.close()
    first_form = min(d.arrive_ms for d in night.diners) - FORM_MS
    assert loads[0] == to_datetime(first_form)  # when first needed, not at midnight
    gaps = [(b - a).total_seconds() for a, b in zip(loads, loads[1:], strict=False)]
    assert min(gaps) >= visit_history.RELOAD_SECONDS
    # Again and again through the two hours of joins and the meals after them, at the first
    # event after each expiry (a quiet restaurant has gaps longer than five minutes).
    assert len(loads) > 10 and (loads[-1] - loads[0]).total_seconds() > 2 * 3600
    # Tonight alone in between (load_turn_model reads tonight too, each time it loads).
    alone = sorted(set(tonight) - set(loads))
    assert len(alone) > len(loads)
    every = sorted(set(tonight) | set(loads))
    after = [(b - a).total_seconds() for a, b in zip(every, every[1:], strict=False) if b in alone]
    assert min(after) >= visit_history.TONIGHT_RELOAD_SECONDS  # a minute after the last load


@pytest.mark.django_db
def test_a_join_records_the_cached_quote_or_behind_a_changed_queue_its_first_estimate():
    from seating.simulation.world import World
    from waitlist import live_view, queue
    from waitlist.quotes import JOIN_QUOTE_MAX_AGE_MS, QUOTE_MAX_AGE_MS

    world = World(scenarios.get("smoke"), SEED, "sim-quote-cache")
    try:
        world.run_night(0)
        now = world.quotes.built_ms + 10 * MINUTE_MS
        world.snapshot = queue.snapshot(restaurant=world.restaurant)
        world.version = world.snapshot.version
        shown = world._quotes(now, QUOTE_MAX_AGE_MS)
        for n in range(4):
            change = queue.join(restaurant=world.restaurant, name=f"P{n}", size=4, preference="table",
                                diner=f"k{n}", request_id=f"k{n}", quote=None, now_ms=now)
        world.version = change.version
        # Thirty seconds later the join records the quote the form showed, four parties ago.
        at_join = world._quotes(now + 30_000, JOIN_QUOTE_MAX_AGE_MS)
        assert at_join is shown and at_join.quote(4, "table") == shown.quote(4, "table")
        # The next form, older than five seconds and the queue changed: computed again, longer.
        fresh = world._quotes(now + 31_000, QUOTE_MAX_AGE_MS)
        assert fresh is not shown and fresh.built_ms == now + 31_000
        assert fresh.quote(4, "table")[1] > shown.quote(4, "table")[1]
        # A join on the queue the cached quote was computed for records it, however old.
        diner = Diner(night=0, number=998, arrive_ms=now + 35_000, size=4, preference="table", tolerance=999.0,
                      leave_after=None, no_show=False, checkin_delay=1.0, meal_z=0.0, cleaning_z=0.0)
        world._on_arrive(now + 35_000, diner)
        assert diner.quote == fresh.quote(4, "table") and world.quotes is fresh
        # Two minutes on, with the queue changed since, the join records the party's first
        # estimate in line (production replaces the cached quote with it): the newcomer's
        # quote on the queue as it is, which the view after the join estimates for it too.
        change = queue.join(restaurant=world.restaurant, name="P9", size=4, preference="table",
                            diner="k9", request_id="k9", quote=None, now_ms=now + 40_000)
        world.version = change.version
        at = now + 151_000
        before = live_view.build(world.restaurant, queue.snapshot(restaurant=world.restaurant), at_ms=at,
                                 estimate=False).new_party_quote(4, "table")
        diner = Diner(night=0, number=999, arrive_ms=at, size=4, preference="table", tolerance=999.0,
                      leave_after=None, no_show=False, checkin_delay=1.0, meal_z=0.0, cleaning_z=0.0)
        world._on_arrive(at, diner)
        after = live_view.build(world.restaurant, queue.snapshot(restaurant=world.restaurant), at_ms=at)
        assert diner.quote == before == after.waits[diner.party_id] and diner.outcome == "waiting"
        assert diner.quote != fresh.quote(4, "table")
        assert world.quotes is not fresh and world.quotes.built_ms == at
    finally:
        world.close()


def test_bad_options_are_refused_with_a_clear_message():
    for args, message in ((["--meal-factor", "0"], "meal factor"), (["--burst", "1.5"], "burst share"),
                          (["--burst", "0.5", "--burst-hour", "9"], "burst hour"),
                          (["--table-out", "T99"], "no table 'T99'")):
        with pytest.raises(CommandError, match=message):
            call_command("simulate", "--scenario", "smoke", *args, stdout=StringIO())


@pytest.mark.django_db
def test_simulate_prints_the_conditions_of_the_measured_nights():
    out = StringIO()
    call_command("simulate", "--scenario", "smoke", "--seed", "3", "--meal-factor", "1.3", "--burst", "0.5",
                 "--table-out", "T2", "--no-walkaways", stdout=out)
    assert ("measured nights: meals x1.3, 50% of the busiest hour's parties within 15 min, table T2 occupied, "
            "no walk-aways") in out.getvalue()
