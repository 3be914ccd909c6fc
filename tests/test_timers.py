"""The timer worker (seating.timers.Worker) on an injected clock: check-in holds expire as
no-shows within one tick of their deadline (and the automatic policy re-offers the table),
service-limit warnings give the next party a heads-up, concurrent workers and recorders
fire and record each party exactly once, and what a Visit row carries."""

from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.core.management.base import CommandError

from domain.durations import MINUTE_MS as MIN
from restaurants.models import Visit
from seating.management.commands.run_timers import Command
from seating.timers import Worker
from tests.support.factories import T0, make_restaurant
from tests.support.host_pages import status
from tests.support.threads import in_threads
from waitlist import queue
from waitlist.state import FREE_TABLE
from waitlist.visits import record_ended


def ids(restaurant):
    return {t.label: t.id for t in restaurant.tables.all()}


def join(restaurant, name, *, size=2, pref="table", now=T0, **kw):
    return queue.join(restaurant=restaurant, name=name, size=size, preference=pref, diner=f"diner-{name}",
                      request_id=f"req-{name}-0001", now_ms=now, **kw).party_id


def offer(restaurant, pid, *labels, kind="table", now=T0):
    t = ids(restaurant)
    return queue.offer(restaurant=restaurant, party_id=pid, table_ids=[t[x] for x in labels], kind=kind, now_ms=now)



def at(ms):
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


# --- check-in holds -----------------------------------------------------------------------------

def test_missed_check_in_expires_as_no_show_within_one_tick(restaurant):
    rita = join(restaurant, "Rita")
    deadline = offer(restaurant, rita, "T1").deadline_ms
    assert deadline == T0 + 10 * MIN
    worker = Worker()
    assert worker.tick(now_ms=deadline - 1) == 0
    assert status(restaurant, rita).state == "ready"
    assert Visit.objects.count() == 0
    assert worker.tick(now_ms=deadline + 1) == 1
    party = status(restaurant, rita)
    assert (party.state, party.reason, party.ended_ms) == ("expired", "no_show", deadline + 1)
    assert queue.snapshot(restaurant=restaurant).table(ids(restaurant)["T1"]) == FREE_TABLE
    [visit] = Visit.objects.all()  # the tick also records the ended party
    assert (visit.party_number, visit.outcome, visit.reason) == (rita, "expired", "no_show")
    assert worker.tick(now_ms=deadline + 2) == 0 and Visit.objects.count() == 1


def test_checked_in_or_extended_parties_are_not_expired(restaurant):
    dino, rita = join(restaurant, "Dino"), join(restaurant, "Rita")
    offer(restaurant, dino, "T1")
    deadline = offer(restaurant, rita, "T2").deadline_ms
    queue.check_in(restaurant=restaurant, party_id=dino, now_ms=deadline - 1)
    queue.notify_again(restaurant=restaurant, party_id=rita, extend_minutes=5, now_ms=T0 + MIN)
    assert Worker().tick(now_ms=deadline + 1) == 0
    assert (status(restaurant, dino).state, status(restaurant, rita).state) == ("dining", "ready")
    assert Worker().tick(now_ms=deadline + 5 * MIN + 1) == 1
    assert status(restaurant, rita).state == "expired"


def test_expired_hold_is_reoffered_under_the_automatic_policy(restaurant):
    restaurant.seating_policy = "auto"
    restaurant.save()
    t = ids(restaurant)
    rita = join(restaurant, "Rita")
    deadline = offer(restaurant, rita, "T1").deadline_ms
    for label in ("T2", "T3", "T4"):
        offer(restaurant, join(restaurant, f"Held{label}"), label, now=T0 + 5 * MIN)  # held past Rita's deadline
    big, wanda, later = join(restaurant, "Big", size=6), join(restaurant, "Wanda"), join(restaurant, "Later")
    worker = Worker()
    worker.tick(now_ms=deadline - 1)  # nothing is free yet: nobody is offered anything
    assert [p.id for p in queue.snapshot(restaurant=restaurant).waiting] == [big, wanda, later]
    assert worker.tick(now_ms=deadline + 1) == 1
    party = status(restaurant, wanda)  # Big does not fit T1; Wanda is the next that does
    assert (party.state, party.table_ids) == ("ready", (t["T1"],))
    assert party.deadline_ms == deadline + 1 + 10 * MIN
    assert status(restaurant, rita).state == "expired"
    assert [p.id for p in queue.snapshot(restaurant=restaurant).waiting] == [big, later]


def test_expired_hold_is_only_suggested_under_the_host_policy(restaurant):
    rita, wanda = join(restaurant, "Rita"), join(restaurant, "Wanda")
    deadline = offer(restaurant, rita, "T1").deadline_ms
    assert Worker().tick(now_ms=deadline + 1) == 1
    assert status(restaurant, wanda).state == "waiting"


def test_worker_ticks_every_restaurant(restaurant):
    other = make_restaurant("other")
    a, b = join(restaurant, "A"), join(other, "B")
    offer(restaurant, a, "T1")
    offer(other, b, "T1", now=T0 + MIN)
    worker = Worker()
    assert worker.tick(now_ms=T0 + 10 * MIN + 1) == 1
    assert worker.tick(now_ms=T0 + 11 * MIN + 1) == 1
    assert status(restaurant, a).state == status(other, b).state == "expired"
    assert sorted(Visit.objects.values_list("restaurant__slug", flat=True)) == ["other", "testbistro"]


# --- service limit ------------------------------------------------------------------------------

def test_service_limit_warns_gives_heads_up_then_flags_over(restaurant):
    restaurant.service_limit_minutes, restaurant.service_warning_minutes = 60, 10
    restaurant.save()
    dino = join(restaurant, "Dino")
    offer(restaurant, dino, "T1")
    seated = T0 + 2 * MIN
    queue.check_in(restaurant=restaurant, party_id=dino, now_ms=seated)
    big = join(restaurant, "Big", size=4, now=T0 + 3 * MIN)  # does not fit T1 (2 seats)
    bar = join(restaurant, "Bar", size=1, pref="counter", now=T0 + 4 * MIN)  # wants the counter
    ann = join(restaurant, "Ann", size=2, now=T0 + 5 * MIN)  # the next party that fits T1
    worker = Worker()
    assert worker.tick(now_ms=seated + 50 * MIN - 1) == 0
    assert status(restaurant, dino).warned_ms is None and status(restaurant, ann).heads_up_ms is None
    assert worker.tick(now_ms=seated + 50 * MIN) == 1
    party = status(restaurant, dino)
    assert (party.state, party.warned_ms, party.over_ms) == ("dining", seated + 50 * MIN, None)
    assert status(restaurant, ann).heads_up_ms == seated + 60 * MIN
    assert status(restaurant, big).heads_up_ms is None and status(restaurant, bar).heads_up_ms is None
    assert worker.tick(now_ms=seated + 60 * MIN - 1) == 0
    assert worker.tick(now_ms=seated + 60 * MIN) == 1
    party = status(restaurant, dino)
    assert (party.state, party.warned_ms, party.over_ms) == ("dining", seated + 50 * MIN, seated + 60 * MIN)
    assert queue.snapshot(restaurant=restaurant).table(ids(restaurant)["T1"]).state == "occupied"


@pytest.mark.parametrize("late", [0, 4 * MIN, 15 * MIN], ids=["on-time", "late-tick", "after-the-limit"])
def test_heads_up_names_when_the_table_frees_even_from_a_late_tick(restaurant, late):
    """The worker may tick late (it was down, or busy): the heads-up still says the table
    frees at the service limit, counted from the seating, never a time already past."""
    restaurant.service_limit_minutes, restaurant.service_warning_minutes = 60, 10
    restaurant.save()
    dino = join(restaurant, "Dino")
    offer(restaurant, dino, "T1")
    queue.check_in(restaurant=restaurant, party_id=dino, now_ms=T0)
    ann = join(restaurant, "Ann", now=T0 + MIN)
    now = T0 + 50 * MIN + late
    assert Worker().tick(now_ms=now) == (2 if now >= T0 + 60 * MIN else 1)
    assert status(restaurant, ann).heads_up_ms == max(now, T0 + 60 * MIN)


def test_limit_shorter_than_the_warning_warns_at_check_in(restaurant):
    restaurant.service_limit_minutes, restaurant.service_warning_minutes = 5, 10
    restaurant.save()
    dino = join(restaurant, "Dino")
    offer(restaurant, dino, "T1")
    queue.check_in(restaurant=restaurant, party_id=dino, now_ms=T0 + MIN)
    ann = join(restaurant, "Ann", now=T0 + MIN)
    assert Worker().tick(now_ms=T0 + MIN) == 1
    assert status(restaurant, dino).warned_ms == T0 + MIN
    assert status(restaurant, ann).heads_up_ms == T0 + 6 * MIN  # the limit, not now + 10 minutes
    assert Worker().tick(now_ms=T0 + 6 * MIN) == 1 and status(restaurant, dino).over_ms == T0 + 6 * MIN


def test_no_service_timers_without_a_limit(restaurant):
    dino = join(restaurant, "Dino")
    offer(restaurant, dino, "T1")
    queue.check_in(restaurant=restaurant, party_id=dino, now_ms=T0)
    assert Worker().tick(now_ms=T0 + 24 * 60 * MIN) == 0
    assert status(restaurant, dino).warned_ms is None


def test_finished_party_is_not_warned(restaurant):
    restaurant.service_limit_minutes = 60
    restaurant.save()
    dino = join(restaurant, "Dino")
    offer(restaurant, dino, "T1")
    queue.check_in(restaurant=restaurant, party_id=dino, now_ms=T0)
    queue.complete(restaurant=restaurant, party_id=dino, now_ms=T0 + 30 * MIN)
    assert Worker().tick(now_ms=T0 + 61 * MIN) == 0
    assert Visit.objects.get().outcome == "completed"


# --- concurrency --------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_expire_each_hold_exactly_once():
    restaurant = make_restaurant("crowd", tables=((2, "table"),) * 30, counter=0, max_party_size=2)
    parties = []
    for i in range(30):
        pid = join(restaurant, f"P{i}", now=T0 + i)
        offer(restaurant, pid, f"T{i + 1}", now=T0 + i)
        parties.append(pid)
    fired = in_threads(2, lambda i: Worker().tick(now_ms=T0 + 11 * MIN))
    assert sum(fired) == 30
    assert sorted(Visit.objects.values_list("party_number", flat=True)) == sorted(parties)
    assert set(Visit.objects.values_list("outcome", flat=True)) == {"expired"}
    assert queue.ended_records(restaurant_id=restaurant.id) == []
    assert record_ended(restaurant=restaurant) == 0 and Visit.objects.count() == 30
    assert queue.snapshot(restaurant=restaurant).tables == {}


@pytest.mark.django_db(transaction=True)
def test_concurrent_recorders_write_each_visit_once():
    restaurant = make_restaurant("rec", tables=((2, "table"),) * 12, counter=0, max_party_size=2)
    for i in range(12):
        pid = join(restaurant, f"P{i}", now=T0 + i)
        if i % 3 == 0:
            queue.leave(restaurant=restaurant, party_id=pid, now_ms=T0 + MIN)
            continue
        offer(restaurant, pid, f"T{i + 1}", now=T0 + i)
        if i % 3 == 1:
            queue.check_in(restaurant=restaurant, party_id=pid, now_ms=T0 + MIN)
            queue.complete(restaurant=restaurant, party_id=pid, now_ms=T0 + 40 * MIN)
    assert len(queue.fire_due(restaurant=restaurant, now_ms=T0 + 11 * MIN).fired) == 4
    assert len(queue.ended_records(restaurant_id=restaurant.id)) == 12
    removed = in_threads(4, lambda i: record_ended(restaurant=restaurant))
    assert sum(removed) == 12  # every queued record acknowledged exactly once
    assert Visit.objects.count() == 12
    assert sorted(Visit.objects.values_list("outcome", flat=True)) == ["completed"] * 4 + ["expired"] * 4 + ["left"] * 4
    assert len(set(Visit.objects.values_list("token", flat=True))) == 12
    assert queue.ended_records(restaurant_id=restaurant.id) == []


# --- what a visit carries -----------------------------------------------------------------------

def test_completed_visit_carries_its_times_tables_and_quote(restaurant):
    pid = join(restaurant, "Ann", size=3, quote=(10, 25))
    join(restaurant, "Skipper", size=6, now=T0 - MIN)  # joined earlier: counts one skip on Ann's offer
    offer(restaurant, pid, "T3", now=T0 + 5 * MIN)
    queue.check_in(restaurant=restaurant, party_id=pid, now_ms=T0 + 7 * MIN)
    queue.complete(restaurant=restaurant, party_id=pid, now_ms=T0 + 50 * MIN)
    assert record_ended(restaurant=restaurant) == 1
    visit = Visit.objects.get()
    party = status(restaurant, pid)
    assert (visit.restaurant_id, visit.token, visit.party_number) == (restaurant.id, party.token, pid)
    assert (visit.size, visit.preference, visit.source, visit.outcome, visit.reason) == \
        (3, "table", "remote", "completed", "completed")
    assert (visit.tables, visit.table_seats, visit.table_kind) == ("T3", 4, "table")
    assert (visit.quoted_low, visit.quoted_high) == (10, 25)
    assert (visit.joined_at, visit.notified_at, visit.seated_at, visit.ended_at) == \
        (at(T0), at(T0 + 5 * MIN), at(T0 + 7 * MIN), at(T0 + 50 * MIN))
    assert (visit.waited_minutes, visit.turn_minutes) == (7, 43)


def test_counter_visit_names_every_seat(restaurant):
    pid = join(restaurant, "Bar", size=3, pref="counter", source="walkin")
    offer(restaurant, pid, "C2", "C3", "C4", kind="counter", now=T0 + MIN)
    queue.check_in(restaurant=restaurant, party_id=pid, now_ms=T0 + 2 * MIN)
    queue.complete(restaurant=restaurant, party_id=pid, now_ms=T0 + 30 * MIN)
    record_ended(restaurant=restaurant)
    visit = Visit.objects.get()
    assert (visit.tables, visit.table_seats, visit.table_kind, visit.source) == ("C2, C3, C4", 3, "counter", "walkin")
    assert (visit.quoted_low, visit.quoted_high) == (None, None)


@pytest.mark.parametrize("how", ["no_show", "left", "removed"])
def test_visit_of_a_party_never_seated(restaurant, how):
    pid = join(restaurant, "Ann", quote=(5, 15))
    if how == "no_show":
        offer(restaurant, pid, "T1", now=T0 + MIN)
        Worker().tick(now_ms=T0 + 11 * MIN + 1)
    else:
        queue.leave(restaurant=restaurant, party_id=pid, reason=how, now_ms=T0 + 3 * MIN)
        record_ended(restaurant=restaurant)
    visit = Visit.objects.get()
    expected = {"no_show": ("expired", "no_show", at(T0 + MIN), at(T0 + 11 * MIN + 1)),
                "left": ("left", "left", None, at(T0 + 3 * MIN)),
                "removed": ("left", "removed", None, at(T0 + 3 * MIN))}[how]
    assert (visit.outcome, visit.reason, visit.notified_at, visit.ended_at) == expected
    assert (visit.seated_at, visit.tables, visit.table_seats, visit.waited_minutes) == (None, "", None, None)
    assert (visit.size, visit.joined_at, visit.quoted_low, visit.quoted_high) == (2, at(T0), 5, 15)


# --- the management command ---------------------------------------------------------------------

def test_run_timers_command_takes_a_poll_interval():
    parser = Command().create_parser("manage.py", "run_timers")
    assert parser.parse_args(["--poll", "0.25"]).poll == 0.25
    assert parser.parse_args([]).poll == settings.TIMER_POLL_SECONDS
    with pytest.raises(CommandError):
        parser.parse_args(["--poll", "soon"])
