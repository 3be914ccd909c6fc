"""`make chaos`'s checks catch what they are there to catch: each is given a state with the
violation it looks for, and the same state without it. (The chaos run itself is `make
chaos`; .ci/run runs it for 60 seconds.)"""

import pytest

from chaos import invariants
from chaos.actors import DinerRecord
from chaos.client import Watch
from domain.values import COMPLETED, DINING, EXPIRED, LEFT, READY, TABLE_CLEANING, TABLE_OCCUPIED, TABLE_READY, WAITING
from waitlist.state import Party, Snapshot, TableState


def party(pid, state=WAITING, **fields) -> Party:
    defaults = {"name": f"Diner {pid:04d}", "size": 2, "preference": "table", "joined_ms": 1000 * pid,
                "token": f"token-{pid}"}
    return Party(id=pid, state=state, **{**defaults, **fields})


def diner(pid, **fields) -> DinerRecord:
    return DinerRecord(**{"name": f"Diner {pid:04d}", "request_id": f"r{pid}", "size": 2, "browser": f"b{pid}",
                          "tried": True, "acked": True, **fields})


def test_an_acknowledged_join_that_is_gone_or_ended_unasked_is_caught():
    diners = [diner(1), diner(2), diner(3), diner(4), diner(5, asked_leave=True)]
    parties = {"b1": None, "b2": party(2, LEFT, reason="left"), "b3": party(3, COMPLETED),
               "b4": party(4, EXPIRED, reason="no_show", deadline_ms=9000, ended_ms=8000),
               "b5": party(5, LEFT, reason="left")}
    found = invariants.joins(diners, parties, host_actions={})
    assert len(found) == 4
    assert "Diner 0001's acknowledged join is gone" in found[0]
    assert "never asked to leave" in found[1] and "no host finished" in found[2] and "before its deadline" in found[3]
    asked = {3: {"complete"}, 4: {"no-show"}}
    assert invariants.joins(diners[2:], parties, host_actions=asked) == []


def test_a_refused_join_that_left_a_party_behind_is_caught():
    refused = diner(1, acked=False, refused="429 too many")
    assert invariants.joins([refused], {"b1": party(1)}, {}) != []
    assert invariants.joins([refused], {"b1": None}, {}) == []


def test_duplicate_and_stray_parties_are_caught():
    diners = [diner(1), diner(2)]
    parties = {"b1": party(1), "b2": party(2)}
    assert invariants.one_party_each(diners, parties, created=2) == []
    assert invariants.one_party_each(diners, parties, created=3) != []
    assert invariants.one_party_each(diners, {"b1": party(1), "b2": party(1)}, created=1) != []


def test_a_table_claimed_twice_or_held_for_nobody_is_caught():
    good = Snapshot(version=5, waiting=(), active=(party(1, READY, table_ids=(10,)), party(2, DINING, table_ids=(11,))),
                    tables={10: TableState(TABLE_READY, 1), 11: TableState(TABLE_OCCUPIED, 2),
                            12: TableState(TABLE_CLEANING)})
    assert invariants.tables(good, [10, 11, 12]) == []
    twice = Snapshot(version=5, waiting=(), active=(party(1, READY, table_ids=(10,)), party(2, DINING, table_ids=(10,))),
                     tables={10: TableState(TABLE_OCCUPIED, 2)})
    assert any("belongs to parties 1 and 2" in line for line in invariants.tables(twice, [10]))
    orphan = Snapshot(version=5, waiting=(), active=(), tables={10: TableState(TABLE_READY, 7)})
    assert invariants.tables(orphan, [10]) == ["table 10 is ready for party 7, which is not there"]


def test_places_with_a_gap_or_out_of_order_are_caught():
    snapshot = Snapshot(version=3, waiting=(party(1), party(2), party(3)), active=())
    assert invariants.places(snapshot, {1: 1, 2: 2, 3: 3}) == []
    assert invariants.places(snapshot, {1: 1, 2: 3, 3: 3}) == ["party 2 is 2 in line but its page says 3"]
    assert invariants.lines(Snapshot(version=3, waiting=(party(1, READY),), active=())) != []


def test_a_hold_that_outlived_its_deadline_is_caught():
    now = 100_000
    overdue = {"b1": party(1, READY, deadline_ms=now - 10_000)}
    assert "still ready" in invariants.offers(overdue, {1: {"extend"}}, now, grace_ms=3000)[0]
    running = {"b1": party(1, READY, deadline_ms=now + 60_000)}
    assert invariants.offers(running, {1: {"extend"}}, now, grace_ms=3000) == []
    assert invariants.offers(running, {}, now, grace_ms=3000) != []  # it should have run out or been extended
    ended = {"b1": party(1, EXPIRED, deadline_ms=now - 10_000), "b2": party(2, DINING, deadline_ms=now - 1)}
    assert invariants.offers(ended, {}, now, grace_ms=3000) == []


def test_a_visit_missing_or_with_the_wrong_outcome_is_caught():
    parties = {"b1": party(1, COMPLETED), "b2": party(2, EXPIRED), "b3": party(3)}
    assert invariants.visits(parties, {"token-1": COMPLETED, "token-2": EXPIRED}) == []
    assert invariants.visits(parties, {"token-1": COMPLETED}) == ["party 2 (expired) has no visit recorded"]
    assert invariants.visits(parties, {"token-1": LEFT, "token-2": EXPIRED}) != []


def watch(name, **last) -> Watch:
    return Watch(name=name, path="/", connections=1, open=True, last=last)


@pytest.mark.parametrize("last, expected, ok", [
    ({"status": '<div data-state="waiting"><span data-position>2</span>'}, (WAITING, 2), True),
    ({"status": '<div data-state="waiting"><span data-position>2</span>', "place": "<span data-position>1</span>"},
     (WAITING, 1), True),
    ({"status": '<div data-state="waiting"><span data-position>2</span>'}, (WAITING, 1), False),
    ({"status": '<div data-state="ready">'}, (DINING, None), False),
    ({"status": '<div data-state="done">'}, (EXPIRED, None), True),
    ({"status": '<div data-state="dining">'}, (COMPLETED, None), False),
])
def test_a_stream_that_missed_the_last_change_is_caught(last, expected, ok):
    found = invariants.streams([watch("Diner 0001", **last)], {"Diner 0001": expected}, final_version=9)
    assert (found == []) is ok


def test_a_dashboard_behind_the_floor_or_a_closed_stream_is_caught():
    summary = '<form><input type="hidden" name="rv" value="{}"></form>'
    assert invariants.streams([watch("host A", summary=summary.format(9))], {}, final_version=9) == []
    assert invariants.streams([watch("host A", summary=summary.format(8))], {}, final_version=9) != []
    closed = watch("host A", summary=summary.format(9))
    closed.open, closed.problem = False, "http://127.0.0.1:8000: ConnectError"
    assert invariants.streams([closed], {}, final_version=9) == [
        "host A's stream is not open at the end (http://127.0.0.1:8000: ConnectError)"]
