"""Quotes follow the night they are given in: meals scaled to the weekday and hour
(``restaurants.visit_history.service_factor``) and to how tonight's meals have run against
what history expected (``TurnModel.tonight``). Each test compares one quote with the same
floor under another model, so it fails when the scaling it is about is switched off
(``visit_history.MIN_SERVICE_MEALS`` unreachable, ``turn_model.PRIOR_MEALS`` = math.inf)."""

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain import estimator as E
from domain.durations import HOUR_MS, to_ms
from domain.durations import MINUTE_MS as MIN
from domain.estimator import Busy, Situation
from domain.strategies import first_fit
from domain.turn_model import TurnModel
from domain.values import TABLE, Policy, Unit, WaitingParty
from restaurants import visit_history
from restaurants.models import Visit
from tests.support.factories import make_restaurant, three_weeks_of_meals

NOW = 1_900_000_000_000
TONIGHT = dict(tonight_from_ms=NOW - 3 * HOUR_MS, tonight_to_ms=NOW)
# Meals of an hour, give or take, with no history of tonight yet.
USUAL = TurnModel(table_minutes=60, spread=0.3, cleaning_minutes=4, checkin_minutes=3, ratio_spread=0.3)


def floor(eaten: list[int], line: int) -> Situation:
    """Four-tops whose parties have eaten ``eaten`` minutes, and ``line`` fours waiting."""
    units = tuple(Unit(id=i, seats=4, kind=TABLE, position=i) for i in range(1, len(eaten) + 1))
    busy = {i: Busy("occupied", NOW - minutes * MIN, 4, party_id=100 + i) for i, minutes in enumerate(eaten, 1)}
    waiting = tuple(WaitingParty(id=i, size=4, preference=TABLE, joined_ms=NOW - 10 * MIN + i) for i in range(1, line + 1))
    return Situation(units, busy, waiting)


def midpoint(quote) -> float:
    return (quote[0] + quote[1]) / 2


def last_quote(situation: Situation, turns: TurnModel) -> tuple[int, int]:
    quote = E.estimate_waiting(situation, first_fit, Policy(), turns, NOW)[situation.waiting[-1].id]
    assert quote is not None and quote[1] is not None
    return quote


def meals_tonight(model: TurnModel, count: int, ratio: float, **window) -> TurnModel:
    return replace(model, tonight_meals=(math.log(ratio),) * count, **(window or TONIGHT))


# --- tonight ----------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def clean_redis():
    """Override the suite-wide fixture that flushes Redis: nothing here touches it."""
    yield


def test_meals_finished_long_tonight_lengthen_the_quote_and_short_ones_shorten_it():
    # The four tables turned 20 minutes ago, after the model was loaded: only the finished
    # meals speak. The fifth four in line waits for a second turn of meals not yet begun.
    situation = floor([20, 20, 20, 20], 5)
    loaded = dict(tonight_from_ms=NOW - 3 * HOUR_MS, tonight_to_ms=NOW - 30 * MIN)
    usual = last_quote(situation, meals_tonight(USUAL, 0, 1.0, **loaded))
    slow = last_quote(situation, meals_tonight(USUAL, 6, 1.3, **loaded))
    fast = last_quote(situation, meals_tonight(USUAL, 6, 0.75, **loaded))
    assert slow[0] > usual[0] and slow[1] > usual[1]
    assert fast[0] < usual[0] and fast[1] < usual[1]
    # The second turn's meals are drawn sqrt(1.3) longer (six meals against history's six).
    assert 1.07 < midpoint(slow) / midpoint(usual) < 1.2


def test_how_fast_tonight_counts():
    """What the README says: after 6 meals 30% long, meals are drawn 14% longer; after 18,
    22%; after 60, 28%. Ten more meals as history expected take back half of it."""
    ratio = {n: meals_tonight(USUAL, n, 1.3).tonight().meal_ratio for n in (6, 18, 60)}
    assert ratio[6] == pytest.approx(1.3 ** (6 / 12), abs=0.005)
    assert ratio[18] == pytest.approx(1.3 ** (18 / 24), abs=0.005)
    assert ratio[60] == pytest.approx(1.3 ** (60 / 66), abs=0.005)
    mixed = replace(USUAL, tonight_meals=(math.log(1.3),) * 6 + (0.0,) * 10, **TONIGHT)
    assert mixed.tonight().meal_ratio == pytest.approx(1.3 ** (6 / 22), abs=0.005)


def test_tables_running_past_their_expected_end_lengthen_quotes_before_they_free():
    # No meal finished tonight yet, but all four tables have run 80 minutes or more of an
    # expected hour: tonight is slow, and the meals of the next turn will be too.
    situation = floor([80, 85, 90, 95], 5)
    history_only = last_quote(situation, USUAL)  # no window loaded: nothing known of tonight
    tonight = last_quote(situation, replace(USUAL, **TONIGHT))
    assert tonight[0] > history_only[0] and tonight[1] > history_only[1]
    assert E.tonight_model(situation, replace(USUAL, **TONIGHT), NOW).meal_ratio > 1.2
    # Tables that have just turned say nothing much.
    fresh = floor([5, 10, 15, 20], 5)
    assert E.tonight_model(fresh, replace(USUAL, **TONIGHT), NOW).meal_ratio == pytest.approx(1.0, abs=0.03)


def test_a_table_left_occupied_moves_quotes_only_so_far():
    # Nearly three hours of an expected one: counted as if it had run 1.8 times as long.
    forgotten = E.tonight_model(floor([170, 20, 20, 20], 5), replace(USUAL, **TONIGHT), NOW).meal_ratio
    assert forgotten == E.tonight_model(floor([110, 20, 20, 20], 5), replace(USUAL, **TONIGHT), NOW).meal_ratio
    assert 1.0 < forgotten < 1.2
    # Meals seated before tonight's window are not tonight's.
    assert E.tonight_model(floor([600, 20, 20, 20], 5), replace(USUAL, **TONIGHT), NOW).meal_ratio < 1.01


def test_slow_check_ins_tonight_lengthen_check_ins():
    history = tuple(float(1 + i % 4) for i in range(40))  # 1 to 4 minutes
    model = replace(USUAL, checkin_samples=history, tonight_checkins=(9.0, 10.0, 11.0, 12.0, 13.0, 14.0), **TONIGHT)
    usual = replace(model, tonight_checkins=())
    assert model.checkin(0.5) > usual.checkin(0.5) + 3
    assert model.checkin(0.5) < 11.5  # history still weighs half


@pytest.mark.django_db
def test_tonights_finished_visits_reach_the_model_and_stay_out_of_history():
    restaurant = make_restaurant(time_zone="UTC", default_turn_minutes=60)
    now = datetime(2030, 1, 25, 21, tzinfo=UTC)
    visits = []

    def meal(seated, minutes, checkin=2):
        visits.append(Visit(restaurant=restaurant, token=f"t{len(visits)}", party_number=len(visits), size=2,
                            preference="table", outcome="completed", tables="T1", table_seats=2, table_kind="table",
                            joined_at=seated - timedelta(minutes=10), notified_at=seated - timedelta(minutes=checkin),
                            seated_at=seated, ended_at=seated + timedelta(minutes=minutes)))

    for day in range(1, 15):
        for n in range(6):
            meal(now - timedelta(days=day, hours=2, minutes=20 * n), 60)
    for n in range(8):  # tonight: 78-minute meals and slow check-ins
        meal(now - timedelta(hours=2, minutes=50 - 5 * n), 78, checkin=8)
    meal(now - timedelta(minutes=30), 40)  # ends in the future: not finished yet
    Visit.objects.bulk_create(visits)

    model = visit_history.load_turn_model(restaurant, now=now)
    assert len(model.samples[("table", 2)]) == 84 and set(model.samples[("table", 2)]) == {60.0}
    assert model.tonight_meals == pytest.approx((math.log(78 / 60),) * 8)
    assert model.tonight_checkins == (8.0,) * 8 and set(model.checkin_samples) == {2.0}
    assert (model.tonight_from_ms, model.tonight_to_ms) == (to_ms(now) - 3 * HOUR_MS, to_ms(now))
    assert model.tonight().meal_ratio == pytest.approx(1.3 ** (8 / 14), abs=0.01)
    # Production reloads tonight more often than history.
    assert visit_history.TONIGHT_RELOAD_SECONDS < visit_history.RELOAD_SECONDS


# --- the weekday and hour ---------------------------------------------------------------------

@pytest.mark.django_db
def test_the_weekday_and_hour_move_a_quote_the_way_meals_run_then():
    """Lunches of 40 minutes, weekday dinners of 80, Saturday dinners of 110 (three weeks): a
    couple waiting for the one two-top, ten minutes into its meal, is quoted longest on a
    Saturday evening and shortest at lunch."""
    restaurant = make_restaurant(time_zone="UTC")
    monday = datetime(2030, 1, 7, tzinfo=UTC)
    three_weeks_of_meals(restaurant, monday)

    def quote_at(day, hour):
        now = monday + timedelta(days=day, hours=hour, minutes=30)
        model = visit_history.load_turn_model(restaurant, now=now)
        at = to_ms(now)
        units = (Unit(id=1, seats=2, kind=TABLE, position=1),)
        situation = Situation(units, {1: Busy("occupied", at - 10 * MIN, 2, party_id=9)},
                              tuple(WaitingParty(id=i, size=2, preference=TABLE, joined_ms=at - MIN + i) for i in (1,)))
        return E.estimate_waiting(situation, first_fit, Policy(), model, at)[1]

    saturday, tuesday, lunch = quote_at(26, 20), quote_at(22, 20), quote_at(22, 12)
    assert saturday[0] > tuesday[0] and saturday[1] > tuesday[1]
    assert lunch[0] < tuesday[0] and lunch[1] < tuesday[1]


@pytest.mark.django_db
def test_production_sees_a_meal_finished_tonight_within_a_minute_without_reloading_history():
    from django.utils import timezone

    restaurant = make_restaurant(time_zone="UTC")
    visit_history.forget()

    def finished(token, seated_minutes_ago, minutes):
        seated = timezone.now() - timedelta(minutes=seated_minutes_ago)
        Visit.objects.create(restaurant=restaurant, token=token, party_number=1, size=2, preference="table",
                             outcome="completed", tables="T1", table_seats=2, table_kind="table",
                             joined_at=seated - timedelta(minutes=5), notified_at=seated - timedelta(minutes=1),
                             seated_at=seated, ended_at=seated + timedelta(minutes=minutes))

    finished("a", 100, 90)
    first = visit_history.turn_model(restaurant)
    assert len(first.tonight_meals) == 1
    finished("b", 80, 75)
    assert visit_history.turn_model(restaurant) is first  # within the minute: cached
    history_loaded, tonight_loaded, model = visit_history._cache[restaurant.id]
    visit_history._cache[restaurant.id] = (history_loaded, tonight_loaded - visit_history.TONIGHT_RELOAD_SECONDS, model)
    again = visit_history.turn_model(restaurant)
    assert len(again.tonight_meals) == 2 and again.tonight().meal_ratio > first.tonight().meal_ratio > 1
    assert visit_history._cache[restaurant.id][0] == history_loaded  # history was not read again
    visit_history.forget()


# --- what tonight has not told yet ----------------------------------------------------------

def width(quote) -> int:
    return quote[1] - quote[0]


def test_what_tonight_has_not_yet_told_widens_the_range_and_narrows_as_meals_finish():
    """Each simulated future draws tonight's meal ratio from its posterior: with the window
    loaded and no meal finished, as far as history's prior lets a night stray; after thirty
    meals as expected, much less. Without (futures all at the mode) the ranges are narrower."""
    situation = floor([20, 20, 20, 20], 5)
    unknown = replace(USUAL, **TONIGHT).tonight()
    assert unknown.ratio_sd == pytest.approx(USUAL.ratio_spread / math.sqrt(USUAL.prior_meals))
    told = meals_tonight(USUAL, 30, 1.0).tonight()
    assert 0 < told.ratio_sd < unknown.ratio_sd / 2
    even = tuple((i + 0.5) / 16 for i in range(16))
    ratios = sorted(m.meal_ratio for m in unknown.futures(even, even))
    assert ratios[0] < 0.9 < 1.1 < ratios[-1]
    assert width(last_quote(situation, replace(USUAL, **TONIGHT))) > width(last_quote(situation, USUAL)) + 5
    assert width(last_quote(situation, replace(USUAL, **TONIGHT))) > width(last_quote(
        situation, meals_tonight(USUAL, 30, 1.0)))


def test_the_nights_spread_of_demand_is_learnt_beyond_chance():
    """Joins per day against what the weekday and hour rates expect: days of exactly the
    expected count say nights do not stray; days of half and one and a half times it do."""
    monday = datetime(2030, 1, 7, 18, tzinfo=UTC)
    rates = {(weekday, 18): 40.0 for weekday in range(7)}

    def joins(counts):
        return [(monday + timedelta(days=day, minutes=n % 60), 2, "table")
                for day, count in enumerate(counts) for n in range(count)]

    assert visit_history._demand_spread(joins([40] * 14), rates) == 0.0
    spread = visit_history._demand_spread(joins([20, 60] * 7), rates)
    assert 0.45 < spread < 0.6  # log(1.5 / 0.5) / 2 = 0.55, less a Poisson count's 0.16
    assert visit_history._demand_spread(joins([20, 60] * 3), rates) == 0.0  # too few days to tell
    model = replace(USUAL, demand_sd=spread)
    even = tuple((i + 0.5) / 16 for i in range(16))
    factors = {m.demand_factor for m in model.futures((0.5,) * 16, even)}
    assert len(factors) == 16 and min(factors) < 0.6 and max(factors) > 1.6
