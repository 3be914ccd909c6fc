"""The live queue under concurrent callers, against the real server: each operation is one
atomic script, so racing joins get distinct places, a double-submitted form makes one party,
and racing timer workers fire each due hold exactly once. Threads use the database (the
restaurant's layout), hence a transactional test database they can all see."""

from collections import Counter

import pytest

from domain.durations import MINUTE_MS as MIN
from tests.support.factories import T0, make_restaurant
from tests.support.threads import in_threads
from waitlist import queue
from waitlist.errors import AlreadyWaiting

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_joins_get_distinct_consecutive_places(restaurant):
    def ten_joins(i):
        return [queue.join(restaurant=restaurant, name=f"P{i}-{k}", size=2, preference="table",
                           diner=f"diner-{i}-{k}", request_id="r", now_ms=T0 + k) for k in range(10)]

    results = [r for batch in in_threads(20, ten_joins) for r in batch]
    assert len(results) == 200 and all(r.created for r in results)
    assert sorted(r.party_id for r in results) == list(range(1, 201))
    assert len({r.token for r in results}) == 200
    # each join saw exactly the parties made before it, and bumped the version once
    assert all(r.ahead == r.party_id - 1 and r.version == r.party_id for r in results)
    state = queue.snapshot(restaurant=restaurant)
    assert [p.id for p in state.waiting] == list(range(1, 201)) and state.version == 200
    positions = {r.party_id: queue.status(restaurant=restaurant, party_id=r.party_id).position for r in results}
    assert sorted(positions.values()) == list(range(1, 201))
    assert all(position == pid for pid, position in positions.items())


def test_double_submitted_join_makes_one_party(restaurant):
    results = in_threads(20, lambda i: queue.join(restaurant=restaurant, name="Ann", size=2, preference="either",
                                                  diner="phone-1", request_id="form-1", now_ms=T0 + i))
    assert Counter(r.created for r in results) == Counter({True: 1, False: 19})
    assert {r.party_id for r in results} == {1} and len({r.token for r in results}) == 1
    state = queue.snapshot(restaurant=restaurant)
    assert [p.id for p in state.waiting] == [1] and state.version == 1


def test_racing_joins_from_one_diner_with_different_forms_make_one_party(restaurant):
    def attempt(i):
        try:
            return queue.join(restaurant=restaurant, name="Ann", size=2, preference="table",
                              diner="phone-1", request_id=f"form-{i}", now_ms=T0)
        except AlreadyWaiting:
            return None

    made = [r for r in in_threads(20, attempt) if r is not None]
    assert len(made) == 1 and made[0].created
    assert [p.id for p in queue.snapshot(restaurant=restaurant).waiting] == [made[0].party_id]


@pytest.mark.parametrize("limit", [200, 7])
def test_racing_timer_workers_expire_each_hold_once(db, limit):
    floor = make_restaurant("bigfloor", tables=((2, "table"),) * 50, counter=0)
    table_ids = list(floor.tables.values_list("id", flat=True))
    for n, table_id in enumerate(table_ids):
        pid = queue.join(restaurant=floor, name=f"P{n}", size=2, preference="table", diner=f"d{n}",
                         request_id="r", now_ms=T0).party_id
        queue.offer(restaurant=floor, party_id=pid, table_ids=[table_id], kind="table", now_ms=T0)
    version = queue.snapshot(restaurant=floor).version

    def worker(_):
        runs = []
        for _ in range(50):  # with a small limit, call until nothing is left (bounded: a re-firing bug must not hang)
            run = queue.fire_due(restaurant=floor, now_ms=T0 + 11 * MIN, limit=limit)
            runs.append(run)
            if not run.fired or limit >= 50:
                break
        return runs

    runs = [run for batch in in_threads(2, worker) for run in batch]
    fired = [timer for run in runs for timer in run.fired]
    assert len(fired) == 50
    assert sorted(t.party_id for t in fired) == list(range(1, 51)) and {t.kind for t in fired} == {"hold"}
    assert sorted(t for timer in fired for t in timer.table_ids) == sorted(table_ids)
    state = queue.snapshot(restaurant=floor)
    assert state.active == () and state.tables == {}
    assert state.version == version + sum(1 for run in runs if run.fired)
    assert {queue.status(restaurant=floor, party_id=pid).state for pid in range(1, 51)} == {"expired"}
    assert len(queue.ended_records(restaurant_id=floor.id)) == 50
    assert queue.fire_due(restaurant=floor, now_ms=T0 + 11 * MIN).fired == []
