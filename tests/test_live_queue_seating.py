"""Seating operations of the live queue against the real server: offer, check-in, complete and
the table states (ready, held, occupied, cleaning), each refusal writing nothing."""

import json

from tests.support.factories import T0
from tests.support.live_queue import MIN, join, refused, seated, snap, status
from waitlist import queue
from waitlist.errors import (
    HoldExpired,
    NoFit,
    NotReady,
    StaleAction,
    TableBusy,
    UnknownParty,
)
from waitlist.keys import keys_for
from waitlist.redis_client import get_redis
from waitlist.state import FREE_TABLE, TableState

# --- offer --------------------------------------------------------------------------------------

def test_offer_makes_party_ready_and_holds_tables(restaurant, tables):
    a, b = join(restaurant, "A", size=5).party_id, join(restaurant, "B").party_id
    held = (tables["T3"], tables["T4"])
    change = queue.offer(restaurant=restaurant, party_id=a, table_ids=held, kind="table", now_ms=T0 + MIN)
    assert (change.table_ids, change.deadline_ms, change.version) == (held, T0 + 11 * MIN, 3)
    party = status(restaurant, a)
    assert (party.state, party.table_ids, party.offered_ms) == ("ready", held, T0 + MIN)
    assert party.deadline_ms == T0 + 11 * MIN
    assert (party.notified, party.ahead) == (1, None)
    state = snap(restaurant)
    assert [p.id for p in state.waiting] == [b] and [p.id for p in state.active] == [a]
    assert all(state.table(t) == TableState("ready", a, T0 + MIN) for t in held)
    assert status(restaurant, b).position == 1


def test_offer_counts_skips_for_earlier_parties_of_same_kind(restaurant, tables):
    ids = {n: join(restaurant, n, pref=p).party_id
           for n, p in (("A", "table"), ("B", "counter"), ("C", "either"), ("D", "table"), ("E", "counter"))}
    queue.offer(restaurant=restaurant, party_id=ids["D"], table_ids=[tables["T1"]], kind="table", now_ms=T0)
    assert {n: status(restaurant, ids[n]).skips for n in "ABCDE"} == {"A": 1, "B": 0, "C": 1, "D": 0, "E": 0}
    queue.offer(restaurant=restaurant, party_id=ids["E"], table_ids=[tables["C1"]], kind="counter", now_ms=T0)
    assert {n: status(restaurant, ids[n]).skips for n in "ABC"} == {"A": 1, "B": 1, "C": 2}
    queue.offer(restaurant=restaurant, party_id=ids["A"], table_ids=[tables["T2"]], kind="table", now_ms=T0)
    assert {n: status(restaurant, ids[n]).skips for n in "BC"} == {"B": 1, "C": 2}


def test_offer_refuses_table_already_held(restaurant, tables):
    a, b = join(restaurant, "A").party_id, join(restaurant, "B").party_id
    queue.offer(restaurant=restaurant, party_id=a, table_ids=[tables["T1"]], kind="table", now_ms=T0)
    with refused(TableBusy):
        queue.offer(restaurant=restaurant, party_id=b, table_ids=[tables["T1"]], kind="table", now_ms=T0)
    # a free table listed first is not held either when a later one is busy
    with refused(TableBusy):
        queue.offer(restaurant=restaurant, party_id=b, table_ids=[tables["T2"], tables["T1"]], kind="table", now_ms=T0)
    assert snap(restaurant).table(tables["T2"]) == FREE_TABLE


def test_offer_refuses_occupied_and_cleaning_tables(restaurant, tables):
    seated(restaurant, tables, "T1", name="Din")
    seated(restaurant, tables, "T2", name="Done")
    queue.complete(restaurant=restaurant, party_id=2, now_ms=T0 + 2 * MIN)
    waiting = join(restaurant, "W").party_id
    for label in ("T1", "T2"):
        with refused(TableBusy):
            queue.offer(restaurant=restaurant, party_id=waiting, table_ids=[tables[label]], kind="table", now_ms=T0)


def test_offer_refuses_party_not_waiting(restaurant, tables):
    pid = join(restaurant).party_id
    queue.offer(restaurant=restaurant, party_id=pid, table_ids=[tables["T1"]], kind="table", now_ms=T0)
    with refused(StaleAction):
        queue.offer(restaurant=restaurant, party_id=pid, table_ids=[tables["T2"]], kind="table", now_ms=T0)
    with refused(UnknownParty):
        queue.offer(restaurant=restaurant, party_id=42, table_ids=[tables["T2"]], kind="table", now_ms=T0)
    with refused(NoFit):
        queue.offer(restaurant=restaurant, party_id=pid, table_ids=[], kind="table", now_ms=T0)


# --- check-in and complete ----------------------------------------------------------------------

def test_check_in_before_deadline_seats_party(restaurant, tables):
    pid = join(restaurant).party_id
    queue.offer(restaurant=restaurant, party_id=pid, table_ids=[tables["T1"]], kind="table", now_ms=T0)
    last = T0 + 10 * MIN - 1  # the last moment before the deadline
    change = queue.check_in(restaurant=restaurant, party_id=pid, now_ms=last)
    assert (change.table_ids, change.seated_ms, change.version) == ((tables["T1"],), last, 3)
    party = status(restaurant, pid)
    assert (party.state, party.seated_ms, party.table_ids) == ("dining", last, (tables["T1"],))
    assert snap(restaurant).table(tables["T1"]) == TableState("occupied", pid, last)
    assert [p.id for p in snap(restaurant).active] == [pid]
    # the hold timer is gone at once (no service limit here, so nothing else is pending)
    assert get_redis().zrange(keys_for(restaurant.id).due, 0, -1) == []


def test_check_in_after_deadline_refused_hold_expired(restaurant, tables):
    pid = join(restaurant).party_id
    queue.offer(restaurant=restaurant, party_id=pid, table_ids=[tables["T1"]], kind="table", now_ms=T0)
    # the hold ends at the deadline, the same instant fire_due expires it
    for late in (T0 + 10 * MIN, T0 + 10 * MIN + 1):
        with refused(HoldExpired):
            queue.check_in(restaurant=restaurant, party_id=pid, now_ms=late)
    assert status(restaurant, pid).state == "ready"


def test_check_in_refuses_waiting_dining_and_unknown_parties(restaurant, tables):
    waiting = join(restaurant, "W").party_id
    dining = seated(restaurant, tables, "T1", name="D")
    for pid, error in ((waiting, NotReady), (dining, NotReady), (77, UnknownParty)):
        with refused(error):
            queue.check_in(restaurant=restaurant, party_id=pid, now_ms=T0 + MIN)


def test_complete_sends_tables_to_cleaning_and_queues_ended_record(restaurant, tables):
    pid = seated(restaurant, tables, "T3", "T4", name="Big", size=6)
    change = queue.complete(restaurant=restaurant, party_id=pid, now_ms=T0 + 50 * MIN)
    assert change.table_ids == (tables["T3"], tables["T4"])
    party = status(restaurant, pid)
    assert (party.state, party.ended_ms, party.reason) == ("completed", T0 + 50 * MIN, "completed")
    state = snap(restaurant)
    assert state.active == () and state.waiting == ()
    assert all(state.table(tables[t]) == TableState("cleaning", None, T0 + 50 * MIN) for t in ("T3", "T4"))
    records = queue.ended_records(restaurant_id=restaurant.id)
    assert [(json.loads(r)["id"], json.loads(r)["st"]) for r in records] == [(str(pid), "completed")]
    assert queue.ack_ended(restaurant_id=restaurant.id, records=records) == 1
    assert queue.ack_ended(restaurant_id=restaurant.id, records=records) == 0
    assert queue.ended_records(restaurant_id=restaurant.id) == []
    # the diner is free to join again
    assert join(restaurant, "Big", req="r2").created


def test_ended_records_come_oldest_first(restaurant):
    ids = [join(restaurant, n).party_id for n in "ABC"]
    for offset, pid in enumerate(reversed(ids)):
        queue.leave(restaurant=restaurant, party_id=pid, now_ms=T0 + offset)
    assert [json.loads(r)["id"] for r in queue.ended_records(restaurant_id=restaurant.id)] == ["3", "2", "1"]
    assert [json.loads(r)["id"] for r in queue.ended_records(restaurant_id=restaurant.id, limit=2)] == ["3", "2"]


def test_complete_refuses_party_not_dining(restaurant, tables):
    waiting = join(restaurant, "W").party_id
    ready = join(restaurant, "R").party_id
    queue.offer(restaurant=restaurant, party_id=ready, table_ids=[tables["T1"]], kind="table", now_ms=T0)
    for pid, error in ((waiting, StaleAction), (ready, StaleAction), (55, UnknownParty)):
        with refused(error):
            queue.complete(restaurant=restaurant, party_id=pid, now_ms=T0)


# --- tables -------------------------------------------------------------------------------------

def test_table_ready_returns_cleaned_table_to_service(restaurant, tables):
    pid = seated(restaurant, tables, "T1")
    queue.complete(restaurant=restaurant, party_id=pid, now_ms=T0 + 30 * MIN)
    version = snap(restaurant).version
    change = queue.table_ready(restaurant=restaurant, table_id=tables["T1"], now_ms=T0 + 35 * MIN)
    assert (change.table_ids, change.version) == ((tables["T1"],), version + 1)
    assert snap(restaurant).table(tables["T1"]) == FREE_TABLE
    nxt = join(restaurant, "Next").party_id
    queue.offer(restaurant=restaurant, party_id=nxt, table_ids=[tables["T1"]], kind="table", now_ms=T0 + 36 * MIN)


def test_table_ready_refuses_occupied_held_or_free_table(restaurant, tables):
    seated(restaurant, tables, "T1", name="D")
    held = join(restaurant, "H").party_id
    queue.offer(restaurant=restaurant, party_id=held, table_ids=[tables["T2"]], kind="table", now_ms=T0)
    for label, error in (("T1", TableBusy), ("T2", TableBusy), ("T3", StaleAction)):
        with refused(error):
            queue.table_ready(restaurant=restaurant, table_id=tables[label], now_ms=T0)


def test_clear_table_sends_free_table_to_cleaning(restaurant, tables):
    join(restaurant)
    change = queue.clear_table(restaurant=restaurant, table_id=tables["C2"], now_ms=T0 + 3)
    assert (change.table_ids, change.version) == ((tables["C2"],), 2)
    assert snap(restaurant).table(tables["C2"]) == TableState("cleaning", None, T0 + 3)
    with refused(StaleAction):
        queue.clear_table(restaurant=restaurant, table_id=tables["C2"], now_ms=T0 + 4)


def test_clear_table_refuses_occupied_or_held_table(restaurant, tables):
    seated(restaurant, tables, "T1", name="D")
    held = join(restaurant, "H").party_id
    queue.offer(restaurant=restaurant, party_id=held, table_ids=[tables["T2"]], kind="table", now_ms=T0)
    for label in ("T1", "T2"):
        with refused(TableBusy):
            queue.clear_table(restaurant=restaurant, table_id=tables[label], now_ms=T0)
