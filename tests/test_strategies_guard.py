"""The aging guard of the seating strategies, and property tests over random floors."""

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.strategies import STRATEGIES, is_starving
from domain.values import COUNTER, EITHER, TABLE, Policy, WaitingParty
from tests.support.strategies import GUARDED, NOW, counter, party, run, seated, table


@pytest.fixture(autouse=True)
def clean_redis():
    """Override the suite-wide fixture that flushes Redis: nothing here touches it."""
    yield


# --- is_starving --------------------------------------------------------------------------

@pytest.mark.parametrize(("skips", "waited", "policy", "expected"), [
    (0, 10**9, Policy(max_skips=3), False),          # no wait limit: only skips count
    (2, 0, Policy(max_skips=3), False),
    (3, 0, Policy(max_skips=3), True),
    (7, 0, Policy(max_skips=3), True),
    (0, 0, Policy(max_skips=0), True),
    (0, 59_999, Policy(max_wait_ms=60_000), False),
    (0, 60_000, Policy(max_wait_ms=60_000), True),
    (0, 90_000, Policy(max_skips=3, max_wait_ms=60_000), True),
])
def test_is_starving(skips, waited, policy, expected):
    p = WaitingParty(id=1, size=2, preference=TABLE, joined_ms=NOW - waited, skips=skips)
    assert is_starving(p, policy, NOW) is expected


# --- a large counter party ----------------------------------------------------------------

# Free counter seats in ones: never three adjoining. Party 1 (ahead) and 3, 4 (behind) want one.
SCATTERED = counter(1, 3, 5)


def counter_line(big: WaitingParty) -> list[WaitingParty]:
    return [party(1, 1, COUNTER), big, party(3, 1, COUNTER), party(4, 1, COUNTER)]


@pytest.mark.parametrize("name", GUARDED)
def test_large_counter_party_skipped_until_max_skips_then_seats_are_kept(name):
    policy = Policy(max_skips=2)
    big = party(2, 3, COUNTER)
    for skips in range(policy.max_skips):
        offers = run(name, SCATTERED, counter_line(replace(big, skips=skips)), policy)
        assert set(seated(offers)) == {1, 3, 4}, f"skips={skips}: small parties behind take the seats"
    offers = run(name, SCATTERED, counter_line(replace(big, skips=policy.max_skips)), policy)
    # the party ahead of it is not blocked; the parties behind it are
    assert set(seated(offers)) == {1}


@pytest.mark.parametrize("name", GUARDED)
@pytest.mark.parametrize(("waited", "kept"), [(119_999, False), (120_000, True), (500_000, True)])
def test_large_counter_party_seats_kept_after_max_wait(name, waited, kept):
    policy = Policy(max_skips=100, max_wait_ms=120_000)
    big = party(2, 3, COUNTER, joined_ms=NOW - waited)
    waiting = [party(1, 1, COUNTER, joined_ms=NOW - waited - 1), big,
               party(3, 1, COUNTER, joined_ms=NOW - 10), party(4, 1, COUNTER, joined_ms=NOW - 5)]
    offers = run(name, SCATTERED, waiting, policy)
    assert set(seated(offers)) == ({1} if kept else {1, 3, 4})


@pytest.mark.parametrize("name", GUARDED)
def test_starving_counter_party_takes_the_run_when_it_frees(name):
    free = counter(1, 2, 3, 7)
    offers = run(name, free, counter_line(party(2, 3, COUNTER, skips=5)), Policy(max_skips=2))
    # it takes the run; the lone seat goes to the party ahead of it, and the line behind waits
    assert seated(offers) == {1: (103,), 2: (100, 101, 102)}


@pytest.mark.parametrize("name", GUARDED)
def test_starving_counter_party_does_not_hold_tables(name):
    free = [*SCATTERED, table(1, 2)]
    waiting = [party(1, 3, COUNTER, skips=9), party(2, 2, TABLE), party(3, 1, COUNTER)]
    assert seated(run(name, free, waiting, Policy(max_skips=3))) == {2: (1,)}


@pytest.mark.parametrize("name", GUARDED)
def test_starving_either_party_holds_both_kinds(name):
    free = [*SCATTERED, table(1, 2), table(2, 4)]
    waiting = [party(1, 5, EITHER, skips=3), party(2, 2, TABLE), party(3, 1, COUNTER), party(4, 2, EITHER)]
    # it holds counter seats and tables big enough for it; the 2-top and 4-top are too small
    assert seated(run(name, free, waiting, Policy(max_skips=3))) == {2: (1,), 4: (2,)}


# --- a large party that needs combined tables ---------------------------------------------

def table_line(big: WaitingParty) -> list[WaitingParty]:
    return [party(1, 2), big, party(3, 2), party(4, 2), party(5, 1, COUNTER)]


@pytest.mark.parametrize("name", GUARDED)
def test_party_needing_combined_tables_skipped_until_max_skips(name):
    policy = Policy(max_skips=2, tables_combine=True)
    free = [table(1, 2), table(2, 2), *counter(1)]   # 4 seats at tables: the 6 cannot sit yet
    big = party(2, 6)
    for skips in range(policy.max_skips):
        offers = run(name, free, table_line(replace(big, skips=skips)), policy)
        assert set(seated(offers)) == {1, 3, 5}
    offers = run(name, free, table_line(replace(big, skips=policy.max_skips)), policy)
    # party 1 ahead still sits; tables are kept from 3 and 4; the counter seat is not held
    assert set(seated(offers)) == {1, 5}


@pytest.mark.parametrize("name", GUARDED)
def test_starving_party_takes_combined_tables_when_they_add_up(name):
    policy = Policy(max_skips=2, tables_combine=True)
    free = [table(1, 2), table(2, 2), table(3, 4)]
    offers = run(name, free, table_line(party(2, 6, skips=2)), policy)
    by_party = seated(offers)
    assert sum(next(u.seats for u in free if u.id == i) for i in by_party[2]) >= 6


@pytest.mark.parametrize("name", GUARDED)
def test_without_combining_only_tables_that_fit_are_held(name):
    policy = Policy(max_skips=2, tables_combine=False)
    free = [table(1, 2), table(2, 2)]
    # a 2-top can never serve the 6 without combining, so the line behind it keeps moving
    offers = run(name, free, table_line(party(2, 6, skips=5)), policy)
    assert set(seated(offers)) == {1, 3}


@pytest.mark.parametrize("name", GUARDED)
def test_starving_party_holds_only_tables_big_enough_for_it(name):
    free = [table(1, 2), table(2, 6)]
    # the starving 7 cannot use the 6-top without combining, so it holds neither table
    waiting = [party(1, 7, skips=1), party(2, 6), party(3, 2)]
    assert seated(run(name, free, waiting, Policy(max_skips=1))) == {2: (2,), 3: (1,)}


# --- best fit -----------------------------------------------------------------------------

def test_best_fit_party_of_three_loses_four_tops_until_the_guard():
    policy = Policy(max_skips=3)
    three = party(1, 3)
    for round_number in range(10):
        four = party(10 + round_number, 4)   # a new exact-fit party behind it every round
        offers = run("best_fit", [table(1, 4)], [three, four], policy)
        if three.skips < policy.max_skips:
            assert seated(offers) == {four.id: (1,)}
            three = replace(three, skips=three.skips + 1)
        else:
            assert seated(offers) == {three.id: (1,)}
            break
    assert round_number == policy.max_skips


def test_best_fit_guard_by_wait_time():
    policy = Policy(max_skips=100, max_wait_ms=600_000)
    waiting = [party(1, 3, joined_ms=NOW - 600_000), party(2, 4, joined_ms=NOW - 1000)]
    assert seated(run("best_fit", [table(1, 4)], waiting, policy)) == {1: (1,)}
    waiting[0] = replace(waiting[0], joined_ms=NOW - 599_999)
    assert seated(run("best_fit", [table(1, 4)], waiting, policy)) == {2: (1,)}


def test_best_fit_guard_does_not_block_parties_ahead():
    policy = Policy(max_skips=2, tables_combine=True)
    free = [table(1, 2), table(2, 2)]
    waiting = [party(1, 2), party(2, 6, skips=2), party(3, 2)]
    assert set(seated(run("best_fit", free, waiting, policy))) == {1}


def test_first_fit_starving_party_is_first_in_line_anyway():
    # first fit already seats in line order; the guard only matters once it cannot sit
    waiting = [party(1, 3, skips=9), party(2, 4)]
    assert seated(run("first_fit", [table(1, 4)], waiting, Policy(max_skips=3))) == {1: (1,)}


# --- properties ---------------------------------------------------------------------------

@st.composite
def floors(draw):
    n_tables = draw(st.integers(0, 7))
    tables = [table(i, draw(st.integers(1, 8)), position=draw(st.integers(0, 20))) for i in range(1, n_tables + 1)]
    # positions may repeat (the model does not forbid it): equal positions do not adjoin
    seat_positions = draw(st.lists(st.integers(0, 14), max_size=12))
    free = tables + counter(*seat_positions)
    draw(st.randoms()).shuffle(free)
    sizes = draw(st.lists(st.integers(1, 8), max_size=10))
    waiting, joined = [], 0
    for i, size in enumerate(sizes, start=1):
        joined += draw(st.integers(0, 300_000))
        waiting.append(WaitingParty(id=i, size=size, preference=draw(st.sampled_from([TABLE, COUNTER, EITHER])),
                                    joined_ms=joined, skips=draw(st.integers(0, 5))))
    policy = Policy(max_skips=draw(st.integers(0, 5)),
                    max_wait_ms=draw(st.none() | st.integers(0, 2_000_000)),
                    tables_combine=draw(st.booleans()))
    now = joined + draw(st.integers(0, 1_000_000))
    return free, waiting, policy, now


@settings(max_examples=400, deadline=None)
@given(floors())
def test_offers_are_always_valid(floor):
    free, waiting, policy, now = floor
    units = {u.id: u for u in free}
    parties = {p.id: p for p in waiting}
    for name, strategy in STRATEGIES.items():
        offers = strategy.choose(free, waiting, policy, now)
        seated(offers)  # no unit, no party twice
        for offer in offers:
            p = parties[offer.party_id]
            used = [units[i] for i in offer.table_ids]
            assert used, name
            assert p.accepts(offer.kind), (name, offer)
            assert all(u.kind == offer.kind for u in used), (name, offer)
            assert sum(u.seats for u in used) >= p.size, (name, offer)
            assert offer.empty_seats == sum(u.seats for u in used) - p.size
            if offer.kind == COUNTER:
                got = sorted(u.position for u in used)
                assert got == list(range(got[0], got[0] + p.size)), (name, offer)
            elif len(used) > 1:
                assert policy.tables_combine and len(used) <= 3, (name, offer)


@settings(max_examples=300, deadline=None)
@given(floors())
def test_fifo_never_seats_a_later_compatible_party(floor):
    free, waiting, policy, now = floor
    offers = STRATEGIES["fifo"].choose(free, waiting, policy, now)
    kinds = {o.party_id: o.kind for o in offers}
    for index, p in enumerate(waiting):
        if p.id in kinds:
            continue
        for later in waiting[index + 1:]:
            assert not (later.id in kinds and p.accepts(kinds[later.id])), (p, later)


@settings(max_examples=300, deadline=None)
@given(floors())
def test_unseated_starving_party_keeps_its_seats_from_parties_behind(floor):
    free, waiting, policy, now = floor
    units = {u.id: u for u in free}
    for name in GUARDED:
        offers = STRATEGIES[name].choose(free, waiting, policy, now)
        by_party = {o.party_id: o for o in offers}
        for index, p in enumerate(waiting):
            if p.id in by_party or not is_starving(p, policy, now):
                continue
            for later in waiting[index + 1:]:
                offer = by_party.get(later.id)
                if offer is None:
                    continue
                for unit in (units[i] for i in offer.table_ids):
                    if unit.kind == COUNTER:
                        assert not p.accepts(COUNTER), (name, p, offer)
                    else:
                        assert not (p.accepts(TABLE) and (unit.seats >= p.size or policy.tables_combine)), \
                            (name, p, offer)
