"""Timed parts of the live queue against the real server: fire_due (hold expiry, service
warnings, forgetting ended parties), notify_again, heads_up and the join rate-limit window."""

import json
import time

import pytest

from tests.support.factories import T0
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
from waitlist.errors import NotReady, RateLimited, UnknownParty
from waitlist.keys import keys_for
from waitlist.redis_client import get_redis
from waitlist.state import FREE_TABLE, FiredTimer, TableState


def offered(restaurant, tables, name, *labels, now=T0, kind="table"):
    pid = join(restaurant, name).party_id
    queue.offer(restaurant=restaurant, party_id=pid, table_ids=[tables[x] for x in labels], kind=kind, now_ms=now)
    return pid


def fire(restaurant, at, **kw):
    """fire_due's timers; its answer must also carry the restaurant's current version."""
    run = queue.fire_due(restaurant=restaurant, now_ms=at, **kw)
    assert run.version == snap(restaurant).version
    return run.fired


# --- hold expiry --------------------------------------------------------------------------------

def test_fire_due_expires_unclaimed_hold_exactly_once(restaurant, tables):
    a = offered(restaurant, tables, "A", "T1", "T2")
    b = offered(restaurant, tables, "B", "T3", now=T0 + 2 * MIN)
    assert fire(restaurant, T0 + 10 * MIN - 1) == []
    version = snap(restaurant).version
    assert fire(restaurant, T0 + 10 * MIN + 1) == [FiredTimer("hold", a, (tables["T1"], tables["T2"]))]
    party = status(restaurant, a)
    assert (party.state, party.reason, party.ended_ms) == ("expired", "no_show", T0 + 10 * MIN + 1)
    state = snap(restaurant)
    assert state.version == version + 1
    assert state.table(tables["T1"]) == state.table(tables["T2"]) == FREE_TABLE
    assert [p.id for p in state.active] == [b] and state.table(tables["T3"]).party_id == b
    before = redis_dump()
    assert fire(restaurant, T0 + 10 * MIN + 1) == []
    assert redis_dump() == before
    [record] = queue.ended_records(restaurant_id=restaurant.id)
    assert (json.loads(record)["id"], json.loads(record)["st"]) == (str(a), "expired")
    assert fire(restaurant, T0 + 12 * MIN) == [FiredTimer("hold", b, (tables["T3"],))]


def test_fire_due_leaves_checked_in_and_departed_parties_alone(restaurant, tables):
    dining = offered(restaurant, tables, "D", "T1")
    queue.check_in(restaurant=restaurant, party_id=dining, now_ms=T0 + 9 * MIN)
    gone = offered(restaurant, tables, "G", "T2")
    queue.leave(restaurant=restaurant, party_id=gone, now_ms=T0 + MIN)
    version = snap(restaurant).version
    assert fire(restaurant, T0 + 60 * MIN) == []
    assert status(restaurant, dining).state == "dining" and status(restaurant, gone).state == "left"
    assert snap(restaurant).version == version


def test_fire_due_fires_at_most_limit_timers_in_deadline_order(restaurant, tables):
    # offered one ms apart, so deadlines come in this order whatever the table ids
    pairs = [("A", "T3"), ("B", "T1"), ("C", "T2")]
    ids = [offered(restaurant, tables, name, label, now=T0 + i) for i, (name, label) in enumerate(pairs)]
    first = fire(restaurant, T0 + 11 * MIN, limit=2)
    assert [f.party_id for f in first] == ids[:2]
    assert [f.party_id for f in fire(restaurant, T0 + 11 * MIN, limit=2)] == ids[2:]
    assert snap(restaurant).tables == {}


def test_expired_hold_cannot_check_in_and_table_goes_to_next_party(restaurant, tables):
    a = offered(restaurant, tables, "A", "T1")
    fire(restaurant, T0 + 11 * MIN)
    with refused(NotReady):
        queue.check_in(restaurant=restaurant, party_id=a, now_ms=T0 + 11 * MIN)
    b = offered(restaurant, tables, "B", "T1", now=T0 + 11 * MIN)
    assert snap(restaurant).table(tables["T1"]) == TableState("ready", b, T0 + 11 * MIN)


# --- notify again -------------------------------------------------------------------------------

def test_notify_again_without_extension_keeps_deadline(restaurant, tables):
    pid = offered(restaurant, tables, "A", "T1")
    change = queue.notify_again(restaurant=restaurant, party_id=pid, now_ms=T0 + 4 * MIN)
    assert (change.deadline_ms, change.version) == (T0 + 10 * MIN, 3)
    party = status(restaurant, pid)
    assert (party.notified, party.deadline_ms) == (2, T0 + 10 * MIN)
    assert [f.party_id for f in fire(restaurant, T0 + 10 * MIN + 1)] == [pid]


def test_notify_again_extends_from_deadline_when_still_running(restaurant, tables):
    pid = offered(restaurant, tables, "A", "T1")
    change = queue.notify_again(restaurant=restaurant, party_id=pid, extend_minutes=5, now_ms=T0 + 4 * MIN)
    assert change.deadline_ms == T0 + 15 * MIN == status(restaurant, pid).deadline_ms
    assert fire(restaurant, T0 + 14 * MIN) == []
    assert [f.party_id for f in fire(restaurant, T0 + 15 * MIN + 1)] == [pid]


def test_notify_again_extends_from_now_when_deadline_passed(restaurant, tables):
    pid = offered(restaurant, tables, "A", "T1")
    change = queue.notify_again(restaurant=restaurant, party_id=pid, extend_minutes=5, now_ms=T0 + 12 * MIN)
    assert change.deadline_ms == T0 + 17 * MIN
    assert fire(restaurant, T0 + 16 * MIN) == []
    queue.check_in(restaurant=restaurant, party_id=pid, now_ms=T0 + 16 * MIN)
    assert status(restaurant, pid).state == "dining"


def test_notify_again_refuses_party_not_ready(restaurant, tables):
    waiting = join(restaurant, "W").party_id
    dining = seated(restaurant, tables, "T1", name="D")
    for pid, error in ((waiting, NotReady), (dining, NotReady), (31, UnknownParty)):
        for extend in (0, 5):
            with refused(error):
                queue.notify_again(restaurant=restaurant, party_id=pid, extend_minutes=extend, now_ms=T0)


# --- heads up -----------------------------------------------------------------------------------

def test_heads_up_marks_waiting_party(restaurant, tables):
    pid = join(restaurant).party_id
    assert queue.heads_up(restaurant=restaurant, party_id=pid, free_at_ms=T0 + 7 * MIN, now_ms=T0)
    assert status(restaurant, pid).heads_up_ms == T0 + 7 * MIN and snap(restaurant).version == 2
    queue.offer(restaurant=restaurant, party_id=pid, table_ids=[tables["T1"]], kind="table", now_ms=T0 + MIN)
    assert status(restaurant, pid).heads_up_ms is None  # an offer supersedes the heads-up


def test_heads_up_skips_parties_not_waiting(restaurant, tables):
    ready = offered(restaurant, tables, "R", "T1")
    dining = seated(restaurant, tables, "T2", name="D")
    left = join(restaurant, "L").party_id
    queue.leave(restaurant=restaurant, party_id=left, now_ms=T0)
    before = redis_dump()
    for pid in (ready, dining, left, 404):
        assert queue.heads_up(restaurant=restaurant, party_id=pid, free_at_ms=T0 + MIN, now_ms=T0) is False
    assert redis_dump() == before


# --- service limits -----------------------------------------------------------------------------

def test_fire_due_warns_then_flags_service_limit(restaurant, tables):
    restaurant.service_limit_minutes, restaurant.service_warning_minutes = 30, 10
    restaurant.save()
    pid = offered(restaurant, tables, "A", "T3", "T4")
    queue.check_in(restaurant=restaurant, party_id=pid, now_ms=T0)
    assert fire(restaurant, T0 + 20 * MIN - 1) == []
    both = (tables["T3"], tables["T4"])
    assert fire(restaurant, T0 + 20 * MIN) == [FiredTimer("warn", pid, both)]
    assert (status(restaurant, pid).warned_ms, status(restaurant, pid).over_ms) == (T0 + 20 * MIN, None)
    assert fire(restaurant, T0 + 29 * MIN) == []
    version = snap(restaurant).version
    assert fire(restaurant, T0 + 31 * MIN) == [FiredTimer("over", pid, both)]
    party = status(restaurant, pid)
    assert (party.state, party.warned_ms, party.over_ms) == ("dining", T0 + 20 * MIN, T0 + 31 * MIN)
    assert snap(restaurant).version == version + 1
    assert fire(restaurant, T0 + 60 * MIN) == []


def test_warning_longer_than_limit_fires_at_seating(restaurant, tables):
    restaurant.service_limit_minutes, restaurant.service_warning_minutes = 5, 10
    restaurant.save()
    pid = seated(restaurant, tables, "T1")  # checked in at T0 + 1 min
    assert fire(restaurant, T0 + MIN) == [FiredTimer("warn", pid, (tables["T1"],))]
    assert [f.kind for f in fire(restaurant, T0 + 6 * MIN)] == ["over"]


def test_completed_party_gets_no_service_timers(restaurant, tables):
    restaurant.service_limit_minutes = 30
    restaurant.save()
    pid = seated(restaurant, tables, "T1")
    queue.complete(restaurant=restaurant, party_id=pid, now_ms=T0 + 15 * MIN)
    assert fire(restaurant, T0 + 60 * MIN) == []
    assert (status(restaurant, pid).warned_ms, status(restaurant, pid).over_ms) == (None, None)


def test_no_service_timers_without_a_limit(restaurant, tables):
    pid = seated(restaurant, tables, "T1")
    assert fire(restaurant, T0 + 10 * 60 * MIN) == []
    assert status(restaurant, pid).warned_ms is None
    assert get_redis().zrange(keys_for(restaurant.id).due, 0, -1) == []


def test_one_fire_due_call_mixes_kinds_and_bumps_version_once(restaurant, tables):
    restaurant.service_limit_minutes, restaurant.service_warning_minutes = 20, 10
    restaurant.save()
    dining = seated(restaurant, tables, "T1", name="D")  # warn at T0 + 11 min
    ready = offered(restaurant, tables, "R", "T2", now=T0 + 2 * MIN)  # hold until T0 + 12 min
    version = snap(restaurant).version
    fired = fire(restaurant, T0 + 13 * MIN)
    assert sorted((f.kind, f.party_id) for f in fired) == [("hold", ready), ("warn", dining)]
    assert snap(restaurant).version == version + 1


# --- forgetting ended parties -------------------------------------------------------------------

@pytest.mark.parametrize("how", ["left", "completed", "expired"])
def test_fire_due_forgets_ended_party_and_token_after_ttl(restaurant, tables, settings, how):
    settings.ENDED_PARTY_TTL = 3600
    result = join(restaurant, "A")
    pid, token = result.party_id, result.token
    if how == "left":
        queue.leave(restaurant=restaurant, party_id=pid, now_ms=T0 + MIN)
        ended_at = T0 + MIN
    else:
        queue.offer(restaurant=restaurant, party_id=pid, table_ids=[tables["T1"]], kind="table", now_ms=T0)
        if how == "completed":
            queue.check_in(restaurant=restaurant, party_id=pid, now_ms=T0)
            queue.complete(restaurant=restaurant, party_id=pid, now_ms=T0 + MIN)
            ended_at = T0 + MIN
        else:
            ended_at = T0 + 10 * MIN
            assert [f.kind for f in fire(restaurant, ended_at)] == ["hold"]
    keys = keys_for(restaurant.id)
    version = snap(restaurant).version
    assert fire(restaurant, ended_at + 3600_000 - 1) == []
    assert status(restaurant, pid).state == how
    assert queue.find_by_token(restaurant=restaurant, token=token).id == pid
    assert fire(restaurant, ended_at + 3600_000) == []  # forgetting is not a visible change
    with pytest.raises(UnknownParty):
        status(restaurant, pid)
    with pytest.raises(UnknownParty):
        queue.find_by_token(restaurant=restaurant, token=token)
    r = get_redis()
    assert not r.exists(keys.party(pid)) and not r.hexists(keys.tokens, token)
    assert r.zcard(keys.due) == 0 and snap(restaurant).version == version
    assert len(queue.ended_records(restaurant_id=restaurant.id)) == 1  # the visit record is kept


def test_ended_party_kept_for_configured_ttl(restaurant):
    from django.conf import settings

    pid = join(restaurant).party_id
    queue.leave(restaurant=restaurant, party_id=pid, now_ms=T0)
    ttl_ms = settings.ENDED_PARTY_TTL * 1000
    assert ttl_ms > 60 * MIN
    fire(restaurant, T0 + ttl_ms - 1)
    assert status(restaurant, pid).state == "left"
    fire(restaurant, T0 + ttl_ms)
    with pytest.raises(UnknownParty):
        status(restaurant, pid)


# --- join rate limit ----------------------------------------------------------------------------

def test_join_rate_limited_per_client_within_window(restaurant, settings):
    settings.JOIN_RATE_LIMIT = "2/600"
    first = join(restaurant, "A", client="10.0.0.1")
    join(restaurant, "B", client="10.0.0.1")
    before = snap(restaurant)
    with pytest.raises(RateLimited):
        join(restaurant, "C", client="10.0.0.1")
    assert snap(restaurant) == before  # no party, no version bump
    # a resubmitted form is not a new join, and other clients are not affected
    assert join(restaurant, "A", client="10.0.0.1").party_id == first.party_id
    assert join(restaurant, "D", client="10.0.0.2").created
    rate_key = keys_for(restaurant.id).rate("10.0.0.1")
    assert f"{{{restaurant.id}}}" in rate_key and 0 < get_redis().pttl(rate_key) <= 600_000


def test_join_rate_limit_window_expires(restaurant, settings):
    settings.JOIN_RATE_LIMIT = "1/1"
    join(restaurant, "A", client="10.0.0.1")
    with pytest.raises(RateLimited):
        join(restaurant, "B", client="10.0.0.1")
    time.sleep(1.1)
    assert join(restaurant, "B", client="10.0.0.1").created
