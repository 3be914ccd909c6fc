"""Unit tests for the seating strategies (domain/strategies.py).

Strategies are pure functions over frozen dataclasses, so these tests need no database and
no Redis. The starvation guard and the property tests live in test_strategies_guard.py.
"""

import pytest

from domain.strategies import (
    STRATEGIES,
    Strategy,
    best_fit,
    fifo,
    first_fit,
    get_strategy,
)
from domain.values import COUNTER, EITHER, TABLE, Offer, Policy
from restaurants.models import STRATEGY_CHOICES
from tests.support.strategies import NOW, counter, party, positions, run, seated, table

ALL = list(STRATEGIES)


@pytest.fixture(autouse=True)
def clean_redis():
    """Override the suite-wide fixture that flushes Redis: nothing here touches it."""
    yield


# --- registry -----------------------------------------------------------------------------

def test_choices_match_registry():
    assert [key for key, _ in STRATEGY_CHOICES] == list(STRATEGIES)
    assert [str(label) for _, label in STRATEGY_CHOICES] == [str(s.label) for s in STRATEGIES.values()]
    assert set(STRATEGIES) == {"fifo", "first_fit", "best_fit"}


@pytest.mark.parametrize(("name", "function"), [("fifo", fifo), ("first_fit", first_fit), ("best_fit", best_fit)])
def test_get_strategy_known_names(name, function):
    strategy = get_strategy(name)
    assert isinstance(strategy, Strategy)
    assert strategy is STRATEGIES[name]
    assert strategy.choose is function
    assert str(strategy.label) and str(strategy.description)


@pytest.mark.parametrize("name", ["", "lifo", "FIFO", "best-fit", "random"])
def test_get_strategy_falls_back_to_first_fit(name):
    assert get_strategy(name) is STRATEGIES["first_fit"]


# --- basic choice -------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "expected"), [
    ("fifo", {}),           # the 6 at the head does not fit: the table waits for it
    ("first_fit", {2: (1,)}),  # earliest party that fits
    ("best_fit", {3: (1,)}),   # the party that fills it exactly
])
def test_basic_choice_for_one_freed_table(name, expected):
    waiting = [party(1, 6), party(2, 3), party(3, 4)]
    assert seated(run(name, [table(1, 4)], waiting)) == expected


@pytest.mark.parametrize("name", ALL)
def test_everyone_fits_in_order(name):
    free = [table(1, 2), table(2, 4), table(3, 6)]
    offers = run(name, free, [party(1, 6), party(2, 2), party(3, 4)])
    assert seated(offers) == {1: (3,), 2: (1,), 3: (2,)}
    assert all(o.kind == TABLE and o.empty_seats == 0 for o in offers)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize(("free", "waiting"), [
    ([], [party(1, 2)]),
    ([table(1, 4)], []),
    ([], []),
])
def test_nothing_to_do(name, free, waiting):
    assert run(name, free, waiting) == []


@pytest.mark.parametrize("name", ALL)
def test_offer_reports_kind_and_empty_seats(name):
    [offer] = run(name, [table(7, 6)], [party(1, 4)])
    assert offer == Offer(party_id=1, table_ids=(7,), kind=TABLE, empty_seats=2)


# --- fifo ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("free", "waiting", "expected"), [
    # the head does not fit: a smaller party behind it does not jump the line
    ([table(1, 2)], [party(1, 4), party(2, 2)], {}),
    ([table(1, 2), table(2, 2)], [party(1, 2), party(2, 5), party(3, 2)], {1: (1,)}),
    # the blocked head wants tables only, so counter seats still go to the counter party behind
    ([table(1, 2), *counter(1, 2)], [party(1, 4), party(2, 2, COUNTER)], {2: (100, 101)}),
    # a counter party that does not fit does not hold up a table party
    ([table(1, 2), *counter(1, 3)], [party(1, 2, COUNTER), party(2, 2)], {2: (1,)}),
    # an "either" party that fits nothing blocks both kinds
    ([table(1, 2), *counter(1)], [party(1, 5, EITHER), party(2, 2), party(3, 1, COUNTER)], {}),
    # an "either" party behind a blocked table party may still take the counter, not the table
    ([table(1, 2), *counter(1, 2)], [party(1, 6), party(2, 2, EITHER)], {2: (100, 101)}),
])
def test_fifo_never_seats_a_later_party_ahead_of_an_earlier_compatible_one(free, waiting, expected):
    assert seated(run("fifo", free, waiting)) == expected


def test_fifo_ignores_skips():
    waiting = [party(1, 6), party(2, 2, skips=50)]
    assert run("fifo", [table(1, 2)], waiting, Policy(max_skips=1)) == []


# --- first fit ----------------------------------------------------------------------------

@pytest.mark.parametrize(("waiting", "winner"), [
    ([party(1, 6), party(2, 3), party(3, 4)], 2),
    ([party(1, 5), party(2, 8), party(3, 1), party(4, 4)], 3),
    ([party(1, 4), party(2, 4)], 1),
])
def test_first_fit_gives_the_table_to_the_earliest_party_that_fits(waiting, winner):
    assert seated(run("first_fit", [table(1, 4)], waiting)) == {winner: (1,)}


@pytest.mark.parametrize(("size", "table_id"), [(1, 2), (2, 2), (3, 4), (4, 4), (5, 6), (6, 6)])
def test_first_fit_picks_the_smallest_fitting_table(size, table_id):
    free = [table(6, 6), table(4, 4), table(2, 2)]
    assert seated(run("first_fit", free, [party(1, size)])) == {1: (table_id,)}


def test_first_fit_ties_between_equal_tables_go_by_position():
    free = [table(1, 4, position=9), table(2, 4, position=3)]
    assert seated(run("first_fit", free, [party(1, 4)])) == {1: (2,)}


def test_first_fit_seats_in_line_order_not_by_fit():
    free = [table(1, 2), table(2, 4)]
    # the 3 comes first and takes the 4-top, so the exact-fit 4 behind it waits
    assert seated(run("first_fit", free, [party(1, 3), party(2, 2), party(3, 4)])) == {1: (2,), 2: (1,)}


# --- best fit -----------------------------------------------------------------------------

@pytest.mark.parametrize(("waiting", "winner"), [
    ([party(1, 2), party(2, 3), party(3, 4)], 3),  # fewest empty seats
    ([party(1, 2), party(2, 3), party(3, 3)], 2),  # tie on empty seats: earliest
    ([party(1, 1), party(2, 2)], 2),
    ([party(1, 6), party(2, 1)], 2),               # still seats someone when nobody fits well
])
def test_best_fit_picks_fewest_empty_seats_earliest_on_ties(waiting, winner):
    assert seated(run("best_fit", [table(1, 4)], waiting)) == {winner: (1,)}


def test_best_fit_across_several_tables():
    free = [table(1, 2), table(2, 4)]
    waiting = [party(1, 3), party(2, 2), party(3, 4)]
    # both exact fits beat the 3, which is left waiting
    assert seated(run("best_fit", free, waiting)) == {2: (1,), 3: (2,)}


# --- seating preferences ------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize(("free", "waiting"), [
    ([table(1, 2), table(2, 4)], [party(1, 2, COUNTER)]),      # counter party never gets a table
    ([table(1, 1)], [party(1, 1, COUNTER)]),
    (counter(1, 2, 3, 4), [party(1, 2, TABLE)]),              # table party never gets counter seats
    (counter(1), [party(1, 1, TABLE)]),
])
def test_preference_is_never_violated(name, free, waiting):
    assert run(name, free, waiting) == []


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize(("free", "size", "kind"), [
    ([table(1, 2)], 2, TABLE),
    (counter(1, 2), 2, COUNTER),
    ([table(1, 2), *counter(1, 2)], 2, TABLE),    # equal empty seats: the table is preferred
    ([table(1, 1), *counter(1)], 1, TABLE),       # ... even with one unit each
    ([table(1, 4), *counter(1, 2)], 2, COUNTER),  # the counter leaves no empty seats
    ([table(1, 3), *counter(1, 3)], 2, TABLE),    # the counter seats do not adjoin
])
def test_either_party_gets_whichever_fits(name, free, size, kind):
    [offer] = run(name, free, [party(1, size, EITHER)])
    assert offer.kind == kind
    assert all(u.kind == kind for u in free if u.id in offer.table_ids)


@pytest.mark.parametrize("name", ALL)
def test_mixed_line_each_gets_its_own_kind(name):
    free = [table(1, 2), *counter(1, 2)]
    offers = run(name, free, [party(1, 2, COUNTER), party(2, 2, TABLE)])
    assert seated(offers) == {1: (100, 101), 2: (1,)}
    assert [o.kind for o in offers] == [COUNTER, TABLE]


# --- counter runs -------------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize(("seat_positions", "fits"), [
    ((1, 2, 3), True),
    ((5, 6, 7, 8), True),
    ((1, 2, 4, 5), False),      # four free seats, but no three adjoin
    ((1, 3, 5, 7, 9), False),   # plenty of seats, none adjoining
    ((1, 2), False),
])
def test_counter_party_of_three_needs_three_adjoining_seats(name, seat_positions, fits):
    free = counter(*seat_positions)
    offers = run(name, free, [party(1, 3, COUNTER)])
    if not fits:
        assert offers == []
        return
    [offer] = offers
    assert offer.kind == COUNTER and len(offer.table_ids) == 3 and offer.empty_seats == 0
    got = positions(offer, free)
    assert got == list(range(got[0], got[0] + 3))


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize(("seat_positions", "size", "expected"), [
    ((1, 2, 3, 4, 5, 10, 11, 12), 3, [10, 11, 12]),
    ((1, 2, 3, 4, 10, 11, 20, 21, 22), 2, [10, 11]),
    ((1, 2, 3, 4, 10, 11, 20, 21, 22), 3, [20, 21, 22]),
    ((1, 3, 4, 5, 9), 1, [1]),            # a lone seat before breaking up a run
    ((4, 2, 3, 12, 10, 11, 13), 3, [2, 3, 4]),  # order of the input does not matter
])
def test_counter_party_takes_the_smallest_run_that_fits(name, seat_positions, size, expected):
    free = counter(*seat_positions)
    [offer] = run(name, free, [party(1, size, COUNTER)])
    assert positions(offer, free) == expected


@pytest.mark.parametrize("name", ALL)
def test_counter_parties_share_a_long_run(name):
    free = counter(1, 2, 3, 4, 5)
    offers = run(name, free, [party(1, 3, COUNTER), party(2, 2, COUNTER), party(3, 1, COUNTER)])
    assert set(seated(offers)) == {1, 2}
    for offer in offers:
        got = positions(offer, free)
        assert got == list(range(got[0], got[0] + len(got)))


# --- combining tables ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL)
def test_no_combining_unless_enabled(name):
    free = [table(1, 2), table(2, 2), table(3, 2)]
    assert run(name, free, [party(1, 5)], Policy(tables_combine=False)) == []


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize(("seat_counts", "size", "tables", "empty"), [
    ((2, 2, 2), 5, 3, 1),
    ((2, 4, 3, 3), 5, 2, 0),     # an exact pair beats larger combinations
    ((2, 2, 4), 6, 2, 0),
    ((4, 4, 2), 6, 2, 0),        # 4+2 exactly, not 4+4
])
def test_combines_tables_when_enabled_and_no_single_table_fits(name, seat_counts, size, tables, empty):
    free = [table(i, seats) for i, seats in enumerate(seat_counts, start=1)]
    [offer] = run(name, free, [party(1, size)], Policy(tables_combine=True))
    used = [u for u in free if u.id in offer.table_ids]
    assert offer.kind == TABLE and len(used) == tables and offer.empty_seats == empty
    assert sum(u.seats for u in used) == size + empty


@pytest.mark.parametrize("name", ALL)
def test_no_combining_when_a_single_table_fits(name):
    free = [table(1, 2), table(2, 2), table(3, 6)]
    # 2+2 would be an exact fit, but a single table that fits always wins
    assert seated(run(name, free, [party(1, 4)], Policy(tables_combine=True))) == {1: (3,)}


@pytest.mark.parametrize("name", ALL)
def test_never_more_than_three_tables(name):
    free = [table(i, 2) for i in range(1, 6)]
    assert run(name, free, [party(1, 8)], Policy(tables_combine=True)) == []


@pytest.mark.parametrize("name", ALL)
def test_counter_seats_are_never_combined_with_tables(name):
    free = [table(1, 2), *counter(1, 2)]
    assert run(name, free, [party(1, 4, EITHER)], Policy(tables_combine=True)) == []


@pytest.mark.parametrize("name", ALL)
def test_combining_leaves_other_tables_for_the_line(name):
    free = [table(1, 2), table(2, 2), table(3, 4)]
    offers = run(name, free, [party(1, 6), party(2, 2)], Policy(tables_combine=True))
    # the 6 takes 4+2 (no single table fits it); the remaining 2-top goes to the 2
    assert seated(offers) == {1: (1, 3), 2: (2,)} or seated(offers) == {1: (2, 3), 2: (1,)}


# --- every unit and every party at most once ----------------------------------------------

@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("combine", [False, True])
def test_each_unit_and_party_offered_at_most_once(name, combine):
    free = [table(1, 2), table(2, 2), table(3, 4), table(4, 6), *counter(1, 2, 3, 5, 6, 8)]
    waiting = [party(1, 2), party(2, 2, EITHER), party(3, 3, COUNTER), party(4, 2, COUNTER),
               party(5, 4), party(6, 1, EITHER), party(7, 2, EITHER), party(8, 7), party(9, 2)]
    offers = run(name, free, waiting, Policy(tables_combine=combine))
    assert offers
    seated(offers)  # asserts uniqueness
    free_ids = {u.id for u in free}
    assert all(set(o.table_ids) <= free_ids for o in offers)


@pytest.mark.parametrize("name", ALL)
def test_one_table_many_takers_gives_one_offer(name):
    offers = run(name, [table(1, 4)], [party(i, 4) for i in range(1, 6)])
    assert seated(offers) == {1: (1,)}


@pytest.mark.parametrize("name", ALL)
def test_inputs_are_not_mutated(name):
    free = [table(1, 2), table(2, 4), *counter(1, 2)]
    waiting = [party(1, 2), party(2, 2, COUNTER), party(3, 9)]
    before = (list(free), list(waiting))
    STRATEGIES[name].choose(free, waiting, Policy(), NOW)
    assert (free, waiting) == before
