"""Every live-queue operation (waitlist/queue.py and its Lua script) against the real server:
the happy path, each refusal, and that a refusal writes nothing. Timers (fire_due, holds,
service limits, gc), notify_again and heads_up are in test_live_queue_timers.py; offers,
check-in, complete and table states in test_live_queue_seating.py."""

import json

import pytest
from redis.crc import key_slot

from tests.support.factories import T0, all_keys, make_restaurant
from tests.support.live_queue import (
    MIN,
    join,
    redis_dump,
    refused,
    seated,
    snap,
    status,
)
from waitlist import queue
from waitlist.errors import (
    AlreadyWaiting,
    PartyTooLarge,
    RestaurantClosed,
    StaleAction,
    UnknownParty,
    WaitlistError,
)
from waitlist.events import bus_channel, restaurant_channel
from waitlist.keys import keys_for
from waitlist.redis_client import get_redis
from waitlist.state import FREE_TABLE, Snapshot, Summary, TableState

# --- join ---------------------------------------------------------------------------------------

def test_join_creates_waiting_party_reachable_by_token(restaurant):
    result = join(restaurant, "Ann", size=3, pref="table", quote=(5, 15))
    assert result.created and result.party_id == 1 and result.ahead == 0 and result.version == 1
    assert len(result.token) >= 20
    party = status(restaurant, result.party_id)
    assert (party.name, party.size, party.preference, party.state) == ("Ann", 3, "table", "waiting")
    assert (party.position, party.joined_ms, party.source) == (1, T0, "remote")
    assert (party.quote_low, party.quote_high) == (5, 15)
    assert queue.find_by_token(restaurant=restaurant, token=result.token) == party
    second = join(restaurant, "Bob")
    assert (second.party_id, second.ahead, second.version) == (2, 1, 2)
    assert second.token != result.token


def test_join_same_request_id_returns_same_party_and_writes_nothing(restaurant):
    first = join(restaurant, "Ann", diner="phone-1", req="form-7")
    before = redis_dump()
    again = join(restaurant, "Ann (again)", diner="phone-1", req="form-7", now=T0 + 5000)
    assert (again.created, again.party_id, again.ahead, again.version) == (False, first.party_id, 0, 1)
    assert again.token == first.token  # the second response still leads to the party's page
    assert redis_dump() == before
    assert [p.id for p in snap(restaurant).waiting] == [first.party_id]


def test_join_same_request_id_from_another_diner_is_a_new_party(restaurant):
    first = join(restaurant, "Ann", diner="phone-1", req="form-7")
    other = join(restaurant, "Bob", diner="phone-2", req="form-7")
    assert other.created and other.party_id != first.party_id and other.ahead == 1


def test_join_second_request_from_waiting_diner_refused(restaurant):
    join(restaurant, "Ann", diner="phone-1", req="form-1")
    with refused(AlreadyWaiting):
        join(restaurant, "Ann", diner="phone-1", req="form-2")


def test_join_refused_while_diner_is_dining(restaurant, tables):
    seated(restaurant, tables, "T1", name="Ann")
    with refused(AlreadyWaiting):
        join(restaurant, "Ann", diner="diner-Ann", req="form-2")


def test_join_after_leaving_makes_a_new_party(restaurant):
    first = join(restaurant, "Ann", diner="phone-1", req="form-1")
    queue.leave(restaurant=restaurant, party_id=first.party_id, now_ms=T0 + MIN)
    again = join(restaurant, "Ann", diner="phone-1", req="form-2", now=T0 + 2 * MIN)
    assert again.created and again.party_id == first.party_id + 1 and again.ahead == 0
    assert [p.id for p in snap(restaurant).waiting] == [again.party_id]


@pytest.mark.parametrize("size", [0, 7])
def test_join_refuses_party_size_outside_limits(restaurant, size):
    assert join(restaurant, "Six", size=6).created  # max_party_size itself is fine
    with refused(PartyTooLarge):
        join(restaurant, "Big", size=size)


def test_join_refused_when_closed_but_walkin_allowed(db):
    closed = make_restaurant("closedbistro", is_open=False)
    join(closed, "Walk", source="walkin")
    with refused(RestaurantClosed):
        join(closed, "Remote")
    assert [p.source for p in snap(closed).waiting] == ["walkin"]


def test_join_refuses_preference_not_offered(db):
    no_counter = make_restaurant("tablesonly", counter=0)
    join(no_counter, "Ann", pref="table")
    for pref in ("counter", "either", "patio"):
        with refused(WaitlistError) as info:
            join(no_counter, "Cy", pref=pref)
        assert "Table" in str(info.value) and "Counter" not in str(info.value)


@pytest.mark.parametrize("name", ["   ", "x" * 61])
def test_join_refuses_blank_or_overlong_name(restaurant, name):
    join(restaurant, "Ann")
    with refused(WaitlistError):
        join(restaurant, name)


# --- positions ----------------------------------------------------------------------------------

def test_ahead_counts_parties_competing_for_same_seats(restaurant):
    prefs = {"T1": "table", "C1": "counter", "E1": "either", "T2": "table", "C2": "counter", "E2": "either"}
    results = {name: join(restaurant, name, pref=pref) for name, pref in prefs.items()}
    # table: table + either ahead; counter: counter + either ahead; either: distinct parties ahead.
    expected = {"T1": 0, "C1": 0, "E1": 2, "T2": 2, "C2": 2, "E2": 5}
    assert {n: r.ahead for n, r in results.items()} == expected
    assert {n: status(restaurant, r.party_id).ahead for n, r in results.items()} == expected
    # the either party sits in both queues but appears once in the snapshot
    assert [p.name for p in snap(restaurant).waiting] == list(prefs)


def test_either_party_counts_each_either_ahead_once(restaurant):
    ids = [join(restaurant, f"E{i}", pref="either").party_id for i in range(4)]
    last = join(restaurant, "C", pref="counter").party_id
    assert [status(restaurant, pid).ahead for pid in ids] == [0, 1, 2, 3]
    assert status(restaurant, last).ahead == 4


def test_leave_moves_everyone_behind_up(restaurant):
    a, b, c = (join(restaurant, n).party_id for n in "ABC")
    change = queue.leave(restaurant=restaurant, party_id=a, now_ms=T0 + MIN)
    assert (change.party_id, change.table_ids, change.version) == (a, (), 4)
    assert [status(restaurant, pid).position for pid in (b, c)] == [1, 2]
    gone = status(restaurant, a)
    assert (gone.state, gone.reason, gone.ahead, gone.ended_ms) == ("left", "left", None, T0 + MIN)
    assert [p.id for p in snap(restaurant).waiting] == [b, c]
    [record] = queue.ended_records(restaurant_id=restaurant.id)
    assert json.loads(record)["st"] == "left" and json.loads(record)["id"] == str(a)


def test_leave_as_no_show_records_state_and_reason(restaurant):
    pid = join(restaurant).party_id
    queue.leave(restaurant=restaurant, party_id=pid, state="expired", reason="no_show", now_ms=T0)
    assert (status(restaurant, pid).state, status(restaurant, pid).reason) == ("expired", "no_show")


def test_leave_ready_party_frees_its_held_table(restaurant, tables):
    pid = join(restaurant).party_id
    queue.offer(restaurant=restaurant, party_id=pid, table_ids=[tables["T1"]], kind="table", now_ms=T0)
    change = queue.leave(restaurant=restaurant, party_id=pid, now_ms=T0 + MIN)
    assert change.table_ids == (tables["T1"],)
    assert snap(restaurant).table(tables["T1"]) == FREE_TABLE and snap(restaurant).active == ()


def test_leave_refuses_dining_ended_and_unknown_parties(restaurant, tables):
    dining = seated(restaurant, tables, "T1", name="Din")
    left = join(restaurant, "Lef").party_id
    queue.leave(restaurant=restaurant, party_id=left, now_ms=T0)
    for pid, error in ((dining, StaleAction), (left, StaleAction), (99, UnknownParty)):
        with refused(error):
            queue.leave(restaurant=restaurant, party_id=pid, now_ms=T0 + MIN)


# --- reads --------------------------------------------------------------------------------------

def test_status_and_find_by_token_refuse_unknown(restaurant):
    token = join(restaurant).token
    with refused(UnknownParty):
        status(restaurant, 2)
    for bad in ("", "nope", token[:-1], "x" * 65):
        with refused(UnknownParty):
            queue.find_by_token(restaurant=restaurant, token=bad)


def test_token_of_one_restaurant_unknown_at_another(restaurant, db):
    token = join(restaurant).token
    other = make_restaurant("otherbistro")
    with pytest.raises(UnknownParty):
        queue.find_by_token(restaurant=other, token=token)
    with pytest.raises(UnknownParty):
        status(other, 1)


def test_snapshot_lists_queues_active_parties_and_tables_without_secrets(restaurant, tables):
    assert snap(restaurant) == Snapshot(version=0, waiting=(), active=(), tables={})
    dining = seated(restaurant, tables, "T4", name="D", size=5)
    ready = join(restaurant, "R", pref="either").party_id
    counter = [tables["C1"], tables["C2"]]
    queue.offer(restaurant=restaurant, party_id=ready, table_ids=counter, kind="counter", now_ms=T0)
    w1, w2 = join(restaurant, "W1", pref="either").party_id, join(restaurant, "W2", pref="counter").party_id
    state = snap(restaurant)
    assert state.version == 7  # three for D, two for R, one each for W1 and W2
    assert [(p.id, p.state, p.ahead) for p in state.waiting] == [(w1, "waiting", None), (w2, "waiting", None)]
    assert [(p.id, p.state) for p in state.active] == [(dining, "dining"), (ready, "ready")]
    assert state.tables == {tables["T4"]: TableState("occupied", dining, T0 + MIN),
                            tables["C1"]: TableState("ready", ready, T0), tables["C2"]: TableState("ready", ready, T0)}
    assert all(p.token == "" for p in (*state.waiting, *state.active))
    assert state.party(ready).table_ids == (tables["C1"], tables["C2"]) and state.party(99) is None


def test_summary_counts_what_the_snapshot_lists_without_reading_parties(restaurant, tables):
    assert queue.summary(restaurant=restaurant) == Summary(version=0, waiting_count=0, notice="")
    seated(restaurant, tables, "T4", name="D", size=5)  # dining: not waiting
    ids = [join(restaurant, f"P{n}", pref=pref).party_id
           for n, pref in enumerate(["table", "either", "counter", "either", "table", "either"])]
    queue.leave(restaurant=restaurant, party_id=ids[1], now_ms=T0)  # an "either" leaves both queues
    queue.offer(restaurant=restaurant, party_id=ids[3], table_ids=[tables["C1"], tables["C2"]], kind="counter",
                now_ms=T0)  # ready: no longer waiting
    queue.announce(restaurant=restaurant, text="Patio closed", html="<p>Patio closed</p>", now_ms=T0)
    state = snap(restaurant)
    assert queue.summary(restaurant=restaurant) == Summary(version=state.version, waiting_count=4,
                                                           notice=state.notice)
    assert len(state.waiting) == 4 and state.notice  # an "either" party still waits, in both queues


def test_each_change_publishes_one_event_on_the_restaurants_own_channel(restaurant):
    other = make_restaurant("elsewhere")
    pubsub = get_redis().pubsub()
    pubsub.ssubscribe(bus_channel(restaurant.id))
    try:
        assert pubsub.get_sharded_message(timeout=2)["type"] == "ssubscribe"
        while pubsub.get_sharded_message(timeout=0.3) is not None:
            pass
        join(other)  # another restaurant's change: not on this channel
        pid = join(restaurant).party_id
        queue.leave(restaurant=restaurant, party_id=pid, now_ms=T0)
        with pytest.raises(StaleAction):
            queue.leave(restaurant=restaurant, party_id=pid, now_ms=T0)
        messages = []
        while (msg := pubsub.get_sharded_message(timeout=0.5)) is not None:
            messages.append(json.loads(msg["data"]))
    finally:
        pubsub.close()
    assert [m["channel"] for m in messages] == [restaurant_channel(restaurant.id)] * 2
    assert [json.loads(m["data"]) for m in messages] == [{"v": 1, "op": "join", "party": str(pid)},
                                                         {"v": 2, "op": "left", "party": str(pid)}]


def test_every_key_carries_the_restaurant_hash_tag(restaurant, tables):
    other = make_restaurant("otherbistro")
    for place in (restaurant, other):
        ids = {t.label: t.id for t in place.tables.all()}
        pid = seated(place, ids, "T1", name="D")
        queue.complete(restaurant=place, party_id=pid, now_ms=T0 + 5 * MIN)
        join(place, "E", pref="either")
        queue.fire_due(restaurant=place, now_ms=T0 + 6 * MIN)
    keys = {k.decode() for k in all_keys()}
    for place in (restaurant, other):
        k = keys_for(place.id)
        # "active" is gone (no ready or dining party); the rest, and both parties, exist
        expected = {k.meta, k.tq, k.cq, k.eq, k.tokens, k.diners, k.tables, k.due, k.ended, k.party(1), k.party(2)}
        mine = {key for key in keys if key.startswith(f"wl:{{{place.id}}}:")}
        assert mine == expected
        assert {key_slot(key.encode()) for key in mine} == {key_slot(f"{{{place.id}}}".encode())}
    assert len(keys) == 22  # nothing outside the two restaurants' tagged keys
    assert [p.name for p in snap(other).waiting] == ["E"] and snap(other).version == snap(restaurant).version
