"""Each host action's effect on the live queue and the message the host is shown, with htmx
(the toast fragment) and without (303 back to the dashboard, the message shown there).
Stale actions (someone else acted first) are refused with 409 and change nothing."""

import time

import pytest

from domain.durations import MINUTE_MS as MIN
from restaurants import caches
from seating import services
from tests.support.host_pages import dining, join, offered, snap, state, status
from waitlist import queue
from waitlist.state import FREE_TABLE

STALE = "That party or table has already changed. The page now shows the latest state."





# --- offering tables ----------------------------------------------------------------------------

def test_seat_next_offers_the_strategys_pick(hosting, restaurant, t):
    join(restaurant, "Ann", size=4)
    bob = join(restaurant, "Bob", size=2)
    for label in ("T3", "T4"):  # only T1 and T2 free: Ann (4) fits none, Bob is the pick
        offered(restaurant, f"Held{label}", label)
    [pick, *_] = services.suggest(restaurant=restaurant, snapshot=snap(restaurant), now_ms=int(time.time() * 1000))
    assert pick.party_id == bob
    assert hosting.post("seat_next") == f"Offered {caches.layout(restaurant).labels(pick.table_ids)} to Bob."
    party = status(restaurant, bob)
    assert (party.state, party.table_ids) == ("ready", pick.table_ids)
    assert all(snap(restaurant).table(tid).party_id == bob for tid in pick.table_ids)


def test_seat_next_with_nothing_that_fits_is_refused(hosting, restaurant, t):
    join(restaurant, "Big", size=6)
    offered(restaurant, "Held", "T4", size=6)
    before = state(restaurant)
    assert hosting.post("seat_next", status=409) == "No free table fits a waiting party right now."
    assert state(restaurant) == before


def test_offer_a_chosen_table(hosting, restaurant, t):
    join(restaurant, "First")
    ann = join(restaurant, "Ann")
    assert hosting.post("offer", {"party": ann, "table": t["T4"]}) == "Offered T4."  # the host's choice
    party = status(restaurant, ann)
    assert (party.state, party.table_ids) == ("ready", (t["T4"],))
    assert party.deadline_ms - party.offered_ms == 10 * MIN
    assert snap(restaurant).table(t["T4"]).party_id == ann


@pytest.mark.parametrize(("size", "start", "seats"), [(3, "C1", ("C1", "C2", "C3")), (1, "C4", ("C4",)),
                                                       (2, "C2", ("C2", "C3"))])
def test_offer_a_counter_seat_takes_adjoining_seats(hosting, restaurant, t, size, start, seats):
    pid = join(restaurant, "Bar", size=size, pref="counter")
    assert hosting.post("offer", {"party": pid, "table": t[start]}) == f"Offered {', '.join(seats)}."
    assert status(restaurant, pid).table_ids == tuple(t[s] for s in seats)
    assert {tid for tid, s in snap(restaurant).tables.items() if s.party_id == pid} == {t[s] for s in seats}


def test_offer_counter_seats_that_are_not_together_is_refused(hosting, restaurant, t):
    offered(restaurant, "Solo", "C2", size=1, kind="counter")
    pid = join(restaurant, "Trio", size=3, pref="counter")
    before = state(restaurant)
    assert hosting.post("offer", {"party": pid, "table": t["C1"]}, status=409) == \
        "There are not 3 free counter seats together from C1."
    assert state(restaurant) == before


@pytest.mark.parametrize(("size", "pref", "label", "message"), [
    (4, "table", "T1", "T1 seats 2; that party is 4."),
    (2, "table", "C1", "That party asked for a table."),
    (2, "counter", "T2", "That party asked for counter seating."),
])
def test_offer_a_table_that_does_not_suit_the_party_is_refused(hosting, restaurant, t, size, pref, label, message):
    pid = join(restaurant, "Ann", size=size, pref=pref)
    before = state(restaurant)
    assert hosting.post("offer", {"party": pid, "table": t[label]}, status=409) == message
    assert state(restaurant) == before


# --- walk-ins -----------------------------------------------------------------------------------

def walk_in(name="Walt", size="3", pref="either", request_id="walkin-req-0001"):
    return {"walkin-name": name, "walkin-size": size, "walkin-preference": pref, "walkin-request_id": request_id}


@pytest.mark.parametrize("is_open", [True, False], ids=["open", "closed-for-remote-joins"])
def test_walk_in_adds_a_party(hosting, restaurant, is_open):
    join(restaurant, "Ann")
    restaurant.is_open = is_open
    restaurant.save()
    assert hosting.post("walk_in", walk_in()) == "Added Walt, party of 3."
    [ann, walt] = snap(restaurant).waiting
    assert (walt.name, walt.size, walt.preference, walt.source, walt.state) == \
        ("Walt", 3, "either", "walkin", "waiting")
    assert status(restaurant, walt.id).position == 2


def test_walk_in_double_submit_adds_one_party(hosting, restaurant):
    hosting.post("walk_in", walk_in())
    hosting.post("walk_in", walk_in())
    assert [p.name for p in snap(restaurant).waiting] == ["Walt"]


def test_walk_in_names_are_written_as_people_write_them(hosting, restaurant):
    """The join form's validator (tests/test_diner_views_input.py has the cases)."""
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467 \u0639\u0644\u06cc\u200c\u0631\u0636\u0627"
    assert hosting.post("walk_in", walk_in(name=family)) == f"Added {family}, party of 3."
    assert [p.name for p in snap(restaurant).waiting] == [family]


# --- ready parties ------------------------------------------------------------------------------

def test_notify_again(hosting, restaurant, t):
    rita = offered(restaurant, "Rita", "T1")
    deadline = status(restaurant, rita).deadline_ms
    assert hosting.post("party_action", {"party": rita}, "notify") == "Notified again."
    party = status(restaurant, rita)
    assert (party.notified, party.deadline_ms, party.state) == (2, deadline, "ready")


def test_extend_hold_moves_the_deadline_by_five_minutes(hosting, restaurant, t):
    rita = offered(restaurant, "Rita", "T1")
    deadline = status(restaurant, rita).deadline_ms
    assert hosting.post("party_action", {"party": rita}, "extend") == "Hold extended by 5 minutes."
    assert status(restaurant, rita).deadline_ms == deadline + 5 * MIN
    assert status(restaurant, rita).notified == 1  # more time is not another table-ready alarm
    # The hold timer moved with it: the old deadline no longer expires the party.
    assert queue.fire_due(restaurant=restaurant, now_ms=deadline + 1).fired == []
    assert [f.party_id for f in queue.fire_due(restaurant=restaurant, now_ms=deadline + 5 * MIN + 1).fired] == [rita]


def test_host_check_in(hosting, restaurant, t):
    rita = offered(restaurant, "Rita", "T1")
    assert hosting.post("party_action", {"party": rita}, "checkin") == "Checked in and seated."
    party = status(restaurant, rita)
    assert party.state == "dining" and party.seated_ms is not None
    table = snap(restaurant).table(t["T1"])
    assert (table.state, table.party_id) == ("occupied", rita)


def test_mark_no_show_frees_the_table(hosting, restaurant, t):
    rita = offered(restaurant, "Rita", "T1")
    assert hosting.post("party_action", {"party": rita}, "no-show") == "Marked as a no-show. You can undo it for a few minutes."
    party = status(restaurant, rita)
    assert (party.state, party.reason) == ("expired", "no_show")
    assert snap(restaurant).table(t["T1"]) == FREE_TABLE
    assert snap(restaurant).active == ()


@pytest.mark.parametrize("who", ["waiting", "ready"])
def test_remove(hosting, restaurant, t, who):
    pid = join(restaurant, "Wanda") if who == "waiting" else offered(restaurant, "Rita", "T1")
    join(restaurant, "Next")
    assert hosting.post("party_action", {"party": pid}, "remove") == "Removed from the waitlist. You can undo it for a few minutes."
    party = status(restaurant, pid)
    assert (party.state, party.reason) == ("left", "removed")
    assert [p.name for p in snap(restaurant).waiting] == ["Next"]
    assert snap(restaurant).table(t["T1"]) == FREE_TABLE


# --- tables -------------------------------------------------------------------------------------

def test_complete_sends_the_table_to_cleaning(hosting, restaurant, t):
    dino = dining(restaurant, "Dino", "T3")
    assert hosting.post("party_action", {"party": dino}, "complete") == "Table sent to cleaning."
    assert status(restaurant, dino).state == "completed"
    assert snap(restaurant).table(t["T3"]).state == "cleaning"


def test_clear_an_occupied_table_completes_its_party(hosting, restaurant, t):
    dino = dining(restaurant, "Dino", "T3", "T4", size=6)
    assert hosting.post("table_action", {"table": t["T4"]}, "clear") == "Table sent to cleaning."
    assert status(restaurant, dino).state == "completed"
    tables = snap(restaurant)
    assert tables.table(t["T3"]).state == tables.table(t["T4"]).state == "cleaning"
    assert tables.active == ()


def test_clear_a_free_table(hosting, restaurant, t):
    assert hosting.post("table_action", {"table": t["T2"]}, "clear") == "Table sent to cleaning."
    table = snap(restaurant).table(t["T2"])
    assert (table.state, table.party_id) == ("cleaning", None)


def test_mark_clean(hosting, restaurant, t):
    queue.clear_table(restaurant=restaurant, table_id=t["T2"])
    assert hosting.post("table_action", {"table": t["T2"]}, "ready") == "Table is ready."
    assert snap(restaurant).table(t["T2"]) == FREE_TABLE


# --- stale actions: refused, nothing written -----------------------------------------------------

def stale(hosting, restaurant, name, data, action=None, *, status=409):
    before = state(restaurant)
    message = hosting.post(name, data, action, status=status)
    assert state(restaurant) == before
    return message


def test_offer_to_a_party_already_ready(hosting, restaurant, t):
    rita = offered(restaurant, "Rita", "T1")
    assert stale(hosting, restaurant, "offer", {"party": rita, "table": t["T2"]}) == STALE


def test_offer_a_table_already_held(hosting, restaurant, t):
    offered(restaurant, "Rita", "T1")
    ann = join(restaurant, "Ann")
    assert stale(hosting, restaurant, "offer", {"party": ann, "table": t["T1"]}) == "That table is not free."


def test_offer_to_a_party_that_left(hosting, restaurant, t):
    ann = join(restaurant, "Ann")
    queue.leave(restaurant=restaurant, party_id=ann)
    assert stale(hosting, restaurant, "offer", {"party": ann, "table": t["T1"]}) == STALE


@pytest.mark.parametrize("action", ["checkin", "notify", "extend"])
def test_ready_party_actions_on_a_waiting_party(hosting, restaurant, action):
    ann = join(restaurant, "Ann")
    message = stale(hosting, restaurant, "party_action", {"party": ann}, action)
    assert message == "That party has no table held for it right now."


def test_check_in_after_the_hold_expired(hosting, restaurant, t):
    late = offered(restaurant, "Late", "T1", now=int(time.time() * 1000) - 11 * MIN)
    message = stale(hosting, restaurant, "party_action", {"party": late}, "checkin")
    assert message == "That party's hold has expired. Extend it (+5 min) to check them in, or mark a no-show."
    # What the message advises works (until the worker expires the hold).
    assert hosting.post("party_action", {"party": late}, "extend") == "Hold extended by 5 minutes."
    assert hosting.post("party_action", {"party": late}, "checkin") == "Checked in and seated."
    assert status(restaurant, late).state == "dining"


@pytest.mark.parametrize(("action", "who"), [("complete", "waiting"), ("complete", "ready"),
                                             ("no-show", "dining"), ("remove", "dining"), ("checkin", "dining")])
def test_party_action_on_a_party_in_another_state(hosting, restaurant, t, action, who):
    pid = {"waiting": lambda: join(restaurant, "Ann"), "ready": lambda: offered(restaurant, "Rita", "T1"),
           "dining": lambda: dining(restaurant, "Dino", "T3")}[who]()
    message = stale(hosting, restaurant, "party_action", {"party": pid}, action)
    assert message in (STALE, "That party has no table held for it right now.")


def test_party_action_on_an_unknown_party(hosting, restaurant):
    join(restaurant, "Ann")
    assert stale(hosting, restaurant, "party_action", {"party": 999}, "notify", status=404) == \
        "We could not find that party."


def test_mark_clean_a_ready_table(hosting, restaurant, t):
    join(restaurant, "Ann")
    assert stale(hosting, restaurant, "table_action", {"table": t["T2"]}, "ready") == STALE


@pytest.mark.parametrize("how", ["held", "occupied"])
def test_mark_clean_or_clear_a_table_in_use(hosting, restaurant, t, how):
    (offered if how == "held" else dining)(restaurant, "Rita", "T1")
    assert stale(hosting, restaurant, "table_action", {"table": t["T1"]}, "ready") == "That table is not free."
    if how == "held":
        assert stale(hosting, restaurant, "table_action", {"table": t["T1"]}, "clear") == "That table is not free."


def test_clear_a_table_already_cleaning(hosting, restaurant, t):
    queue.clear_table(restaurant=restaurant, table_id=t["T2"])
    assert stale(hosting, restaurant, "table_action", {"table": t["T2"]}, "clear") == STALE
