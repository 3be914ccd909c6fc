"""Undo on the floor: a no-show, a removal or an offer taken back within UNDO_SECONDS puts the
party back in its place and the tables back as they were, through the dashboard (htmx and
plain) and at the live queue with a driven clock. Too late, or a table given away since, is
refused with a clear message and changes nothing."""

import pytest
from django.conf import settings

from domain.durations import MINUTE_MS as MIN
from domain.durations import SECOND_MS
from restaurants.models import FloorAction, Visit
from seating import services
from tests.support.factories import T0
from tests.support.host_pages import dashboard_url, join, offered, snap, state, status
from waitlist import floor, queue
from waitlist.errors import NothingToUndo, Rejoined, StaleAction, TableBusy
from waitlist.visits import record_ended


def test_undo_a_no_show_gives_the_party_its_table_back(hosting, restaurant, t):
    rita = offered(restaurant, "Rita", "T1")
    deadline = status(restaurant, rita).deadline_ms
    hosting.post("party_action", {"party": rita}, "no-show")
    assert snap(restaurant).table(t["T1"]).party_id is None
    page = hosting.client.get(dashboard_url()).content.decode()
    assert "Rita marked a no-show" in page and 'action="/host/testbistro/undo"' in page
    assert hosting.post("undo", {"party": rita}) == "Rita is back: the no-show is undone."
    party = status(restaurant, rita)
    assert (party.state, party.reason, party.ended_ms, party.table_ids) == ("ready", "", None, (t["T1"],))
    assert party.deadline_ms >= deadline  # the hold's clock stood still while the party was gone
    table = snap(restaurant).table(t["T1"])
    assert (table.state, table.party_id) == ("ready", rita)
    assert [p.id for p in snap(restaurant).active] == [rita]
    assert queue.ended_records(restaurant_id=restaurant.id) == []  # no visit will be recorded
    assert "Rita marked a no-show" not in hosting.client.get(dashboard_url()).content.decode()


def test_undo_a_removal_puts_the_party_back_in_its_place(hosting, restaurant):
    ann, bob, cat = (join(restaurant, name) for name in ("Ann", "Bob", "Cat"))
    hosting.post("party_action", {"party": bob}, "remove")
    assert [p.id for p in snap(restaurant).waiting] == [ann, cat]
    assert hosting.post("undo", {"party": bob}) == "Bob is back in line."
    assert [p.id for p in snap(restaurant).waiting] == [ann, bob, cat]
    assert status(restaurant, bob).position == 2


def test_undo_seat_next_frees_the_table_and_forgets_the_passed_over(hosting, restaurant, t):
    big = join(restaurant, "Big", size=6)
    for label in ("T4",):  # the only six-seat table is busy: Big is passed over
        offered(restaurant, "Held", label, size=6)
    small = join(restaurant, "Small")
    before = {p.id: p.skips for p in snap(restaurant).waiting}
    hosting.post("seat_next")
    offered_to = status(restaurant, small)
    assert offered_to.state == "ready" and status(restaurant, big).skips == before[big] + 1
    assert hosting.post("undo", {"party": small}) == "The offer to Small is undone; the table is free again."
    assert status(restaurant, small).state == "waiting"
    assert {p.id: p.skips for p in snap(restaurant).waiting} == before
    assert all(snap(restaurant).table(tid).party_id is None for tid in offered_to.table_ids)
    assert [p.id for p in snap(restaurant).waiting] == [big, small]


def test_undo_refused_once_the_table_is_given_to_someone_else(hosting, restaurant, t):
    rita = offered(restaurant, "Rita", "T1")
    hosting.post("party_action", {"party": rita}, "no-show")
    offered(restaurant, "Next", "T1")
    before = state(restaurant)
    assert hosting.post("undo", {"party": rita}, status=409) == "That table is not free."
    assert state(restaurant) == before


def test_undo_of_nothing_and_bad_input_are_refused(hosting, restaurant):
    ann = join(restaurant, "Ann")
    before = state(restaurant)
    assert hosting.post("undo", {"party": ann}, status=409) == "That can no longer be undone."
    assert hosting.post("undo", {"party": "x"}, status=422) == "Choose a party and a table first."
    assert state(restaurant) == before


def test_undo_after_the_window_is_refused(restaurant, t):
    rita = offered(restaurant, "Rita", "T1", now=T0)
    queue.leave(restaurant=restaurant, party_id=rita, state="expired", reason="no_show", undoable=True, now_ms=T0)
    late = T0 + settings.UNDO_SECONDS * SECOND_MS + 1
    with pytest.raises(NothingToUndo):
        floor.undo(restaurant=restaurant, party_id=rita, now_ms=late)
    assert status(restaurant, rita).state == "expired"


def test_undo_twice_is_refused(restaurant, t):
    ann = join(restaurant, "Ann", now=T0)
    queue.leave(restaurant=restaurant, party_id=ann, reason="removed", undoable=True, now_ms=T0)
    floor.undo(restaurant=restaurant, party_id=ann, now_ms=T0 + 1)
    with pytest.raises(NothingToUndo):
        floor.undo(restaurant=restaurant, party_id=ann, now_ms=T0 + 2)


def test_undo_a_no_show_keeps_the_hold_time_it_had_left(restaurant, t):
    rita = offered(restaurant, "Rita", "T1", now=T0)  # held until T0 + 10 min
    queue.leave(restaurant=restaurant, party_id=rita, state="expired", reason="no_show", undoable=True,
                now_ms=T0 + 4 * MIN)
    floor.undo(restaurant=restaurant, party_id=rita, now_ms=T0 + 7 * MIN)
    assert status(restaurant, rita).deadline_ms == T0 + 13 * MIN
    assert queue.fire_due(restaurant=restaurant, now_ms=T0 + 12 * MIN).fired == []
    assert [f.party_id for f in queue.fire_due(restaurant=restaurant, now_ms=T0 + 13 * MIN).fired] == [rita]


def test_undo_after_the_visit_was_recorded_deletes_the_visit(restaurant, t):
    ann = join(restaurant, "Ann", now=T0)
    queue.leave(restaurant=restaurant, party_id=ann, reason="removed", undoable=True, now_ms=T0)
    record_ended(restaurant=restaurant)
    assert Visit.objects.filter(reason="removed").count() == 1
    floor.undo(restaurant=restaurant, party_id=ann, now_ms=T0 + 1)
    assert Visit.objects.count() == 0
    assert status(restaurant, ann).state == "waiting"


def test_undo_of_an_offer_the_party_has_checked_in_to_is_refused(restaurant, t):
    ann = join(restaurant, "Ann", now=T0)
    services.offer_table(restaurant=restaurant, party_id=ann, table_id=t["T1"], undoable=True, now_ms=T0)
    queue.check_in(restaurant=restaurant, party_id=ann, now_ms=T0 + 1)
    with pytest.raises(StaleAction):
        floor.undo(restaurant=restaurant, party_id=ann, now_ms=T0 + 2)
    assert status(restaurant, ann).state == "dining"


def test_a_diners_own_leave_is_not_undoable(restaurant):
    ann = join(restaurant, "Ann")
    queue.leave(restaurant=restaurant, party_id=ann)
    assert snap(restaurant).undoable == ()
    with pytest.raises(NothingToUndo):
        floor.undo(restaurant=restaurant, party_id=ann)


def test_undo_is_recorded_for_insights(restaurant, t):
    rita = offered(restaurant, "Rita", "T1", now=T0)
    queue.leave(restaurant=restaurant, party_id=rita, state="expired", reason="no_show", undoable=True, now_ms=T0)
    floor.undo(restaurant=restaurant, party_id=rita, now_ms=T0 + SECOND_MS)
    assert floor.record_actions(restaurant=restaurant) == 1
    assert floor.record_actions(restaurant=restaurant) == 0
    [action] = FloorAction.objects.all()
    assert (action.kind, action.party_number, action.detail) == ("undo", rita, "no_show")


def test_table_busy_is_the_error_for_a_taken_table(restaurant, t):
    rita = offered(restaurant, "Rita", "T1", now=T0)
    queue.leave(restaurant=restaurant, party_id=rita, reason="removed", undoable=True, now_ms=T0)
    queue.clear_table(restaurant=restaurant, table_id=t["T1"], now_ms=T0 + 1)
    with pytest.raises(TableBusy):
        floor.undo(restaurant=restaurant, party_id=rita, now_ms=T0 + 2)


def test_the_diner_told_of_the_ending_is_told_when_the_host_takes_it_back(restaurant, t, twilio):
    from tests.support.notify import deliver_all
    from tests.test_notify_outbox import PHONE, queued

    ann = join(restaurant, "Ann", phone=PHONE, now=T0)
    queue.leave(restaurant=restaurant, party_id=ann, reason="removed", undoable=True, now_ms=T0)
    rita = join(restaurant, "Rita", phone=PHONE, now=T0)
    queue.offer(restaurant=restaurant, party_id=rita, table_ids=[t["T1"]], kind="table", now_ms=T0)
    queue.leave(restaurant=restaurant, party_id=rita, state="expired", reason="no_show", undoable=True, now_ms=T0)
    deliver_all(restaurant)  # both were told (their messages leave the outbox once sent)
    floor.undo(restaurant=restaurant, party_id=ann, now_ms=T0 + 1)
    floor.undo(restaurant=restaurant, party_id=rita, now_ms=T0 + MIN)
    said = {pid: [(kind, fields.get("dl")) for kind, fields in queued(restaurant) if fields["p"] == str(pid)]
            for pid in (ann, rita)}
    assert said[ann] == [("restored", None)]
    deadline = status(restaurant, rita).deadline_ms
    assert said[rita] == [("restored", str(deadline))]
    assert deadline == T0 + 11 * MIN
    assert status(restaurant, ann).message_kind == "restored"


def test_a_diner_not_yet_told_of_the_ending_is_not_told_of_its_undo(restaurant, t):
    from tests.test_notify_outbox import PHONE, kinds

    ann = join(restaurant, "Ann", phone=PHONE, now=T0)
    queue.leave(restaurant=restaurant, party_id=ann, reason="removed", undoable=True, now_ms=T0)
    floor.undo(restaurant=restaurant, party_id=ann, now_ms=T0 + 1)
    assert kinds(restaurant) == ["joined", "removed"]  # the removal is dropped at delivery (test_notify_undo.py)


def test_undo_refused_once_the_diner_joined_again(restaurant):
    ann = join(restaurant, "Ann", now=T0)
    queue.leave(restaurant=restaurant, party_id=ann, reason="removed", undoable=True, now_ms=T0)
    again = join(restaurant, "Ann", now=T0 + 1)  # same browser, a new visit (the helper's request id repeats)
    assert again != ann
    before = state(restaurant)
    with pytest.raises(Rejoined):
        floor.undo(restaurant=restaurant, party_id=ann, now_ms=T0 + 2)
    assert state(restaurant) == before
    assert [p.id for p in snap(restaurant).waiting] == [again]
