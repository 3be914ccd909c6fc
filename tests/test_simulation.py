"""The restaurant simulator (seating/simulation/, ``manage.py simulate``): it drives the real
queue, strategies and timer worker on a virtual clock against the test session's Valkey
and database, and scores the wait quotes. Also the metrics and baselines on hand-made
numbers, and what ``restaurants.visit_history`` learns from visit history."""

import time
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from domain.simulation import scoring
from domain.simulation.baselines import Baselines, SeatingPlan
from restaurants import visit_history
from restaurants.models import Restaurant, Visit
from tests.support.factories import make_restaurant, three_weeks_of_meals


def simulate(*args) -> str:
    out = StringIO()
    call_command("simulate", *args, stdout=out)
    return out.getvalue()


# --- end to end ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_smoke_scenario_runs_end_to_end_and_prints_the_table():
    started = time.perf_counter()
    output = simulate("--scenario", "smoke", "--seed", "3")
    assert time.perf_counter() - started < 30
    assert "scenario smoke, seed 3: 1 measured night(s) after 2 night(s) of history" in output
    for row in ("ours (range midpoint)", "TablesReady (size x hour pace)", "NextMe (average actual, 4 h)",
                "rule of thumb", "last 30 called, any age", "past waits by size x hour"):
        assert row in output
    assert "parties who waited:" in output and "inside" in output
    assert "walked away at join:" in output and "no-shows:" in output
    assert "MAE ours / best baseline" in output
    # Everything it wrote is gone again: the database rows and the live queue.
    assert not Restaurant.objects.filter(slug__startswith="sim-").exists()
    assert not Visit.objects.exists()


@pytest.mark.django_db
def test_same_seed_same_output_and_another_seed_differs():
    first = simulate("--scenario", "smoke", "--seed", "5")
    assert simulate("--scenario", "smoke", "--seed", "5") == first
    assert simulate("--scenario", "smoke", "--seed", "6") != first


@pytest.mark.django_db
def test_report_scores_every_called_party():
    from seating import simulation

    report = simulation.run("smoke", 4)
    called = [d for d in report.diners if d.called_ms is not None]
    assert report.table[scoring.OURS].count == len(called) > 0
    for diner in called:
        assert diner.quote is not None and diner.waited_minutes >= 0
        assert set(diner.baselines) == {"tablesready", "nextme", "rule_of_thumb", "last_30_called", "size_hour_waits"}
    assert all(d.quote in (None, (0, 0)) or d.quote[0] < d.quote[1] for d in report.diners)  # (0, 0): seated now


def test_unknown_scenario_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="unknown scenario"):
        simulate("--scenario", "nope")


# --- metrics -------------------------------------------------------------------------------

def test_mean_absolute_error_and_percentile():
    assert scoring.mean_absolute_error([10, 20, 30], [12, 20, 24]) == pytest.approx(8 / 3)
    assert scoring.mean_absolute_error([], []) == 0.0
    errors = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert scoring.percentile(errors, 0.9) == 9  # nearest rank: 9 of the 10 are at or below it
    assert scoring.percentile([4.0], 0.9) == 4.0
    assert scoring.percentile(list(reversed(errors)), 0.5) == 5


def test_too_short_means_more_than_five_minutes_past_the_number():
    points, actuals = [10, 10, 10, 10], [9, 15, 15.5, 30]
    assert scoring.share_too_short(points, actuals) == 0.5  # 15 is not more than 10 + 5


def test_accuracy_of_a_range_uses_its_midpoint_like_a_baselines_number():
    class Party:
        def __init__(self, quote, waited, **baselines):
            self.quote, self.waited_minutes, self.baselines = quote, waited, baselines

    parties = [Party((10, 20), 15, a=10), Party((0, 4), 12, a=0), Party((30, 40), 30, a=40), Party((5, 9), None, a=1)]
    table = scoring.score(parties, ("a",))
    ours = table[scoring.OURS]
    assert ours.count == 3  # the party still waiting (None) is not scored
    assert ours.mae == pytest.approx((0 + 10 + 5) / 3)
    assert ours.p90 == 10
    assert ours.too_short == pytest.approx(1 / 3)  # 12 > midpoint 2 + 5; 15 is not more than 15 + 5
    assert table["a"].mae == pytest.approx((5 + 12 + 10) / 3)
    assert table["a"].too_short == pytest.approx(1 / 3)  # 12 > 0 + 5; 15 is not more than 10 + 5
    assert scoring.best_baseline(table) == "a"
    assert scoring.mae_ratio(table) == pytest.approx(15 / 27)


# --- baselines -----------------------------------------------------------------------------

def test_rule_of_thumb_counts_tables_that_fit():
    plan = SeatingPlan(table_seats=(2, 2, 4, 6), counter_seats=6, tables_combine=False, default_turn_minutes=60)
    baselines = Baselines(plan)
    # No history yet: the default turn. A couple fits all four tables.
    assert baselines.rule_of_thumb(2, "table", ahead=3) == pytest.approx(4 * 60 / 4)
    # A counter couple: six seats make three places; "either" adds the four tables.
    assert baselines.rule_of_thumb(2, "counter", ahead=0) == pytest.approx(60 / 3)
    assert baselines.rule_of_thumb(2, "either", ahead=0) == pytest.approx(60 / 7)
    for minutes in (30, 50):
        baselines.finished(minutes)
    baselines.start_night()
    assert baselines.rule_of_thumb(6, "table", ahead=1) == pytest.approx(2 * 40 / 1)
    combined = Baselines(SeatingPlan((2, 4), 0, True, 60))
    assert combined.rule_of_thumb(6, "table", ahead=0) == pytest.approx(60)


def test_last_thirty_called_and_past_waits_fall_back_sensibly():
    baselines = Baselines(SeatingPlan((2, 4), 0, False, 60))
    assert baselines.estimate(size=2, preference="table", ahead=0, hour=19)["last_30_called"] == 0.0
    for n in range(40):
        baselines.called(2, 19, float(n))  # the last thirty are 10..39
    assert baselines.estimate(size=2, preference="table", ahead=0, hour=19)["last_30_called"] == pytest.approx(24.5)
    # Tonight's waits are history only from the next night on.
    assert baselines.size_hour_waits(2, 19) == 0.0
    baselines.start_night()
    assert baselines.size_hour_waits(2, 19) == pytest.approx(19.5)
    assert baselines.size_hour_waits(4, 19) == pytest.approx(19.5)  # no fours: everyone at 19h
    assert baselines.size_hour_waits(4, 21) == pytest.approx(19.5)  # nobody at 21h: all history


# --- what the estimator learns --------------------------------------------------------------

@pytest.mark.django_db
def test_turn_model_learns_meals_check_ins_no_shows_walk_aways_and_arrivals():
    restaurant = make_restaurant(default_turn_minutes=90, checkin_timeout_minutes=12)
    monday = datetime(2030, 1, 7, 18, tzinfo=UTC)
    visits = []
    for day in range(4):
        for n in range(10):
            joined = monday + timedelta(days=day, minutes=6 * n)
            called = joined + timedelta(minutes=10)
            outcome = "expired" if n == 9 else "left" if n == 8 else "completed"
            visits.append(Visit(
                restaurant=restaurant, token=f"t{day}-{n}", party_number=n, size=2 if n % 2 else 4, preference="table",
                outcome=outcome, tables="T1" if n % 2 else "T3", table_seats=2 if n % 2 else 4, table_kind="table",
                joined_at=joined, notified_at=None if outcome == "left" else called,
                seated_at=called + timedelta(minutes=2) if outcome == "completed" else None,
                ended_at=(called + timedelta(minutes=2 + 40 + n) if outcome == "completed"
                          else called + timedelta(minutes=12) if outcome == "expired" else joined + timedelta(minutes=25))))
    Visit.objects.bulk_create(visits)
    model = visit_history.load_turn_model(restaurant, now=monday + timedelta(days=5))
    assert model.table_minutes == 90 and model.hold_minutes == 12
    assert len(model.samples[("table", 2)]) == 16 and len(model.samples[("table", 4)]) == 16
    assert model.size_samples[("table", 4)][0] == 40.0
    assert set(model.checkin_samples) == {2.0}
    assert model.no_show_rate == pytest.approx(4 / 36)
    assert model.leave_rate == pytest.approx(4 / 40) and set(model.leave_samples) == {25.0}
    # Ten joins an evening between 18:00 and 18:54: all in the 18h hour, Monday to Thursday.
    assert model.arrivals[(0, 18)] == pytest.approx(10.0)
    assert (0, 19) not in model.arrivals
    assert sorted(set(model.arrival_mix)) == [(2, "table"), (4, "table")]
    # Only history up to "now" counts, and the live model is cached per restaurant.
    assert visit_history.load_turn_model(restaurant, now=monday).samples == {}
    visit_history.forget()


@pytest.mark.django_db
def test_meal_lengths_follow_the_weekday_and_hour_once_history_tells():
    """Lunches of 40 minutes, weekday dinners of 80, Saturday dinners of 110 (three weeks):
    the model's meals are scaled to the time it is loaded for."""
    restaurant = make_restaurant(time_zone="UTC")
    monday = datetime(2030, 1, 7, tzinfo=UTC)
    three_weeks_of_meals(restaurant, monday)

    def model_at(day, hour):
        return visit_history.load_turn_model(restaurant, now=monday + timedelta(days=day, hours=hour, minutes=30))

    # Usual (the median of all 150 meals) is 80 minutes.
    saturday_dinner = model_at(26, 20)  # 33 Saturday dinners: enough on that weekday alone
    assert saturday_dinner.service_factor == pytest.approx(110 / 80)
    assert max(saturday_dinner.samples[("table", 2)]) == pytest.approx(110 * 110 / 80)
    # Nine Tuesday dinners are too few: every evening's dinners, mostly 80 minutes, say "as usual".
    assert model_at(22, 20).service_factor == 1.0
    assert model_at(22, 12).service_factor == pytest.approx(0.5)  # lunch, any day
    assert model_at(22, 16).service_factor == 1.0  # nothing seated near 16:00
    assert model_at(22, 16).samples[("table", 2)] == (40.0,) * 63 + (80.0,) * 54 + (110.0,) * 33


# --- safety ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_simulate_never_touches_the_configured_redis(settings):
    """A Redis that answers where REDIS_URL points, holding a live queue under every
    restaurant id the run could get: the run uses a server of its own and leaves it alone."""
    import redis

    from waitlist import embedded_valkey
    from waitlist.keys import keys_for
    from waitlist.redis_client import reset_redis

    other = embedded_valkey.start(prefix="waitlist-test-other-")
    try:
        settings.REDIS_URL = other.url
        reset_redis()
        client = redis.Redis.from_url(other.url)
        next_id = (Restaurant.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        for restaurant_id in range(1, next_id + 50):
            client.hset(keys_for(restaurant_id).meta, mapping={"version": "7", "open": "1"})
            client.zadd(keys_for(restaurant_id).tq, {"party-1": 1})
        before = {key: client.dump(key) for key in client.scan_iter(count=1000)}
        client.config_resetstat()
        output = simulate("--scenario", "smoke", "--seed", "3")
        assert "MAE ours / best baseline" in output
        stats = client.info("commandstats")
        assert {key: client.dump(key) for key in client.scan_iter(count=1000)} == before
        # Nothing but this test's own INFO reached it: no script, scan or delete.
        assert set(stats) <= {"cmdstat_info", "cmdstat_config|resetstat", "cmdstat_client|setinfo"}, stats
        client.close()
    finally:
        reset_redis()
        other.stop()


def test_embedded_valkeys_started_at_once_each_get_a_server_of_their_own():
    """Started together, they all pick the same free port; all but one lose it and try again."""
    from concurrent.futures import ThreadPoolExecutor

    from waitlist import embedded_valkey

    with ThreadPoolExecutor(4) as pool:
        servers = list(pool.map(lambda n: embedded_valkey.start(prefix=f"waitlist-test-race-{n}-"), range(4)))
    try:
        assert len({server.url for server in servers}) == 4
        assert all(embedded_valkey._answers_as(server.server) for server in servers)
    finally:
        for server in servers:
            server.stop()
