"""The baselines the simulator scores our quotes against, on small hand-made histories:
each computes what its maker's documentation says (domain/simulation/baselines.py)."""

import pytest

from domain.durations import HOUR_MS, MINUTE_MS
from domain.simulation import baselines as module
from domain.simulation.baselines import Baselines, SeatingPlan


def history(nights: list[tuple[int, dict[tuple[int, int], int]]]) -> Baselines:
    """Baselines after ``nights`` of (weekday, {(hour called, size): parties called})."""
    baselines = Baselines(SeatingPlan((2, 4), 0, False, 60))
    for weekday, served in nights:
        baselines.start_night(weekday=weekday)
        for (hour, size), count in served.items():
            for _ in range(count):
                baselines.called(size, hour, 10.0)
    baselines.start_night(weekday=4)  # tonight, a Friday
    return baselines


def test_tablesready_is_the_pace_of_that_size_at_that_weekday_and_hour_times_the_list_plus_one():
    # Two Fridays with 12 and 12 couples called at 19h: one every 5 minutes. Filler parties
    # at 18h on a Monday make the 50 served it needs before it estimates at all.
    baselines = history([(4, {(19, 2): 12}), (0, {(18, 4): 30}), (4, {(19, 2): 12})])
    # Five couples on the list: the next one is the sixth, 5 x 6 = 30 minutes (its help page's example).
    assert baselines.tablesready(2, weekday=4, hour=19, same_size_waiting=5) == pytest.approx(30)
    assert baselines.estimate(size=2, preference="table", ahead=9, hour=19, weekday=4,
                              same_size_waiting=5)["tablesready"] == pytest.approx(30)
    # Parties of other sizes on the list do not count; an empty list is one pace.
    assert baselines.tablesready(2, weekday=4, hour=19, same_size_waiting=0) == pytest.approx(5)


def test_tablesready_falls_back_to_every_night_at_that_hour_then_to_that_size_at_any_hour():
    baselines = history([(4, {(19, 2): 2}), (0, {(19, 2): 4, (18, 4): 30}), (1, {(19, 2): 6, (20, 4): 10})])
    # Fridays called only two couples at 19h (fewer than 3): every night's 19h, 12 couples
    # over 3 nights, one every 15 minutes.
    assert baselines.tablesready(2, weekday=4, hour=19, same_size_waiting=1) == pytest.approx(2 * 15)
    # No fours ever at 19h: fours over every open hour (5 hours with calls, 40 fours).
    assert baselines.tablesready(4, weekday=4, hour=19, same_size_waiting=0) == pytest.approx(60 * 5 / 40)
    # No sixes ever: the default wait.
    assert baselines.tablesready(6, weekday=4, hour=19, same_size_waiting=0) == module.DEFAULT_WAIT_MINUTES


def test_tablesready_quotes_the_default_wait_before_fifty_parties_and_learns_only_overnight():
    baselines = history([(4, {(19, 2): 49})])
    assert baselines.tablesready(2, weekday=4, hour=19, same_size_waiting=3) == module.DEFAULT_WAIT_MINUTES
    for _ in range(10):
        baselines.called(2, 19, 10.0)  # tonight
    assert baselines.tablesready(2, weekday=4, hour=19, same_size_waiting=3) == module.DEFAULT_WAIT_MINUTES
    baselines.start_night(weekday=5)
    # 59 couples at 19h over 2 nights (the first Friday and tonight's).
    assert baselines.tablesready(2, weekday=5, hour=19, same_size_waiting=0) == pytest.approx(120 / 59)


def test_nextme_averages_the_last_thirty_that_joined_in_the_past_four_hours():
    baselines = Baselines(SeatingPlan((2, 4), 0, False, 60))
    baselines.start_night()
    now = 10 * HOUR_MS
    assert baselines.nextme(now) == 0.0
    # Joined 5 hours ago, waited 100 minutes: outside the window.
    baselines.called(2, 5, 100.0, joined_ms=now - 5 * HOUR_MS)
    assert baselines.nextme(now) == 0.0
    # Forty joined in the last 4 hours (called out of join order): the last thirty to join count.
    for n in reversed(range(40)):
        baselines.called(2, 8, float(n), joined_ms=now - 3 * HOUR_MS + n * MINUTE_MS)
    assert baselines.nextme(now) == pytest.approx(sum(range(10, 40)) / 30)
    # They joined between 7:00 and 7:39; at 11:15 the window starts at 7:15: 15..39 remain.
    later = now + HOUR_MS + 15 * MINUTE_MS
    assert baselines.nextme(later) == pytest.approx(sum(range(15, 40)) / 25)
