"""The host's floor controls beyond seating: pausing and closing joins, quote and hold-time
adjustments (the hold time for managers only), editing a party; each refuses bad input with a
message and changes nothing then, and each is logged for insights."""

import re

import pytest
from django.test import Client

from restaurants.models import FloorAction, Restaurant, StaffMembership, StaffRole
from tests.support.diner_pages import JSON, url
from tests.support.diner_pages import join as diner_join
from tests.support.factories import make_restaurant, make_user
from tests.support.host_pages import HTMX, Host, dashboard_url, join, offered, route, snap, state
from waitlist import floor, live_view, queue
from waitlist.visits import record_ended


@pytest.fixture
def manager(db, restaurant):
    user = make_user("manager")
    StaffMembership.objects.create(user=user, restaurant=restaurant, role=StaffRole.MANAGER)
    return user


def fresh(restaurant):
    return Restaurant.objects.get(pk=restaurant.pk)


# --- roles --------------------------------------------------------------------------------------

def test_new_memberships_are_hosts_with_a_help_text():
    field = StaffMembership._meta.get_field("role")
    assert field.default == StaffRole.HOST and "Manager" in str(field.help_text)


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_host_may_not_change_the_hold_time(client, host, restaurant, htmx):
    client.force_login(host)
    response = client.post(route("hold_time"), {"minutes": "20"}, **(HTMX if htmx else {}))
    assert response.status_code == 403
    assert "Only a manager can change the restaurant&#x27;s policies" in response.content.decode()
    assert fresh(restaurant).checkin_timeout_minutes == 10
    assert 'id="hold-minutes"' not in client.get(dashboard_url()).content.decode()


def test_a_manager_changes_the_hold_time_and_new_offers_use_it(client, manager, restaurant):
    client.force_login(manager)
    assert 'id="hold-minutes"' in client.get(dashboard_url()).content.decode()
    message = Host(client, htmx=True).post("hold_time", {"minutes": "20"})
    assert message == "Tables are now held 20 minutes for notified parties."
    assert fresh(restaurant).checkin_timeout_minutes == 20
    pid = offered(fresh(restaurant), "Ann", "T1")
    party = queue.status(restaurant=restaurant, party_id=pid)
    assert party.deadline_ms - party.offered_ms == 20 * 60_000


@pytest.mark.parametrize("minutes", ["0", "121", "ten", ""])
def test_a_bad_hold_time_is_refused(client, manager, restaurant, minutes):
    client.force_login(manager)
    assert Host(client, htmx=True).post("hold_time", {"minutes": minutes}, status=422) == \
        "Hold a table for 1 to 120 minutes."
    assert fresh(restaurant).checkin_timeout_minutes == 10


# --- pausing and closing joins ------------------------------------------------------------------

def test_pause_shows_the_message_and_refuses_joins_until_resumed(hosting, restaurant):
    assert hosting.post("joins", {"message": "Full until 9 pm"}, "pause") == \
        "Joins paused. Diners see your message on the join page."
    page = Client().get(url()).content.decode()
    assert "The waitlist is paused for a moment" in page and "Full until 9 pm" in page
    assert re.search(r'<form class="card join" [^>]* hidden>', page)  # there for a resume, not shown
    diner = Client()
    diner.get(url())
    before = state(restaurant)
    refused = diner_join(diner, "Ann")
    assert refused.status_code == 409
    assert "The waitlist is paused for a moment. Please try again soon." in refused.content.decode()
    assert state(restaurant) == before
    assert diner_join(Client(), "Bob", **JSON).status_code == 409
    assert Client().get(url(), **JSON).json()["paused"] == "Full until 9 pm"
    assert "Joins paused: Full until 9 pm" in hosting.client.get(dashboard_url()).content.decode()
    join(restaurant, "Walk", source="walkin")  # the host still adds walk-ins
    assert hosting.post("joins", {}, "resume") == "Joins resumed."
    assert diner_join(Client(), "Cat").status_code == 303
    assert [p.name for p in snap(restaurant).waiting] == ["Walk", "Cat"]


def test_a_too_long_pause_message_is_refused(hosting, restaurant):
    before = state(restaurant)
    assert hosting.post("joins", {"message": "x" * 201}, "pause", status=422) == \
        "Keep the message to 200 characters."
    assert state(restaurant) == before


def test_close_for_the_night_and_open_again(hosting, restaurant):
    waiting = join(restaurant, "Ann")
    assert hosting.post("joins", {}, "close").startswith("Closed for the night")
    assert fresh(restaurant).is_open is False
    assert "not taking waitlist joins right now" in Client().get(url()).content.decode()
    assert diner_join(Client(), "Bob").status_code == 409
    assert [p.id for p in snap(restaurant).waiting] == [waiting]
    assert "Open for joins" in hosting.client.get(dashboard_url()).content.decode()
    assert hosting.post("joins", {}, "open") == "Open: diners can join again."
    assert fresh(restaurant).is_open is True
    assert diner_join(Client(), "Bob").status_code == 303


@pytest.mark.parametrize("action", ["close", "open"])
def test_only_staff_of_the_restaurant_close_or_open_it(client, restaurant, action):
    assert client.post(route("joins", action=action)).status_code == 302  # to log in
    client.force_login(make_user("stranger", restaurant=make_restaurant("elsewhere")))
    assert client.post(route("joins", action=action)).status_code == 403
    assert client.post(route("joins", action=action), **HTMX).status_code == 403
    assert client.get(route("joins", action=action)).status_code == 405
    assert fresh(restaurant).is_open is True


def test_a_restaurant_without_tables_cannot_open(hosting, restaurant):
    hosting.post("joins", {}, "close")
    restaurant.tables.all().delete()
    assert hosting.post("joins", {}, "open", status=422) == "A restaurant with no tables cannot open: add a table first."
    assert fresh(restaurant).is_open is False


def test_closing_clears_a_pause_so_the_next_opening_is_not_paused(hosting, restaurant):
    hosting.post("joins", {"message": "Back soon"}, "pause")
    hosting.post("joins", {}, "close")
    assert snap(restaurant).paused is None


def test_unknown_join_control_is_not_found(client, host, restaurant):
    client.force_login(host)
    assert client.post(route("joins", action="explode")).status_code == 404


# --- quotes -------------------------------------------------------------------------------------

def test_added_minutes_show_on_every_estimate_until_cleared(hosting, restaurant):
    for label in ("T1", "T2", "T3", "T4"):
        offered(restaurant, f"Held{label}", label, size=2)
    ann = join(restaurant, "Ann")
    base = live_view.refresh(restaurant).waits[ann]
    assert base is not None
    assert hosting.post("quotes", {"minutes": "15"}) == "Every quote now has 15 minutes added, until you clear it."
    shifted = live_view.refresh(restaurant)
    assert shifted.waits[ann] == (base[0] + 15, base[1] + 15)
    assert "Quotes +15 min" in hosting.client.get(dashboard_url()).content.decode()
    assert hosting.post("quotes", {"minutes": "0"}) == "Quotes are back to the estimate."
    assert live_view.refresh(restaurant).waits[ann] == base


@pytest.mark.parametrize("minutes", ["-5", "241", "soon"])
def test_bad_quote_minutes_are_refused(hosting, restaurant, minutes):
    before = state(restaurant)
    assert hosting.post("quotes", {"minutes": minutes}, status=422) == "Add between 0 and 240 minutes."
    assert state(restaurant) == before


# --- editing a party ----------------------------------------------------------------------------

def edit_url(pid, page="edit"):
    return f"/host/testbistro/parties/{pid}/{'edit' if page == 'edit' else 'save'}"


def test_edit_a_waiting_party(client, host, restaurant):
    client.force_login(host)
    ann, bob = join(restaurant, "Ann"), join(restaurant, "Bob")
    form = client.get(edit_url(ann)).content.decode()
    assert 'name="size"' in form and 'value="high chair"' in form and 'value="VIP"' in form
    response = client.post(edit_url(ann, "save"), {"size": "4", "preference": "either", "notes": "  by the  window ",
                                                   "tags": ["wheelchair", "birthday"]})
    assert response.status_code == 303
    party = queue.status(restaurant=restaurant, party_id=ann)
    assert (party.size, party.preference, party.notes, party.tags) == (4, "either", "by the window",
                                                                      ("wheelchair", "birthday"))
    assert [p.id for p in snap(restaurant).waiting] == [ann, bob]  # still first
    page = client.get(dashboard_url()).content.decode()
    assert "Saved Ann." in page and "by the window" in page and ">wheelchair<" in page


@pytest.mark.parametrize(("data", "status", "message"), [
    ({"size": "9"}, 400, "That party is larger than this restaurant can seat."),
    ({"size": "two"}, 400, "Enter the party&#x27;s size as a number."),
    ({"tags": ["pony"]}, 400, "Unknown tag: pony."),
    ({"preference": "roof"}, 400, "That seating is not offered here."),
    ({"notes": "x" * 301}, 400, "Keep the notes to 300 characters."),
])
def test_bad_edits_are_refused(client, host, restaurant, data, status, message):
    client.force_login(host)
    ann = join(restaurant, "Ann")
    before = state(restaurant)
    response = client.post(edit_url(ann, "save"), {"size": "2", "preference": "table", **data})
    assert response.status_code == status
    assert message in response.content.decode()
    assert state(restaurant) == before


def test_a_notified_party_keeps_its_size_but_takes_notes(client, host, restaurant):
    client.force_login(host)
    rita = offered(restaurant, "Rita", "T1")
    assert 'name="size" value="2"' in client.get(edit_url(rita)).content.decode()  # hidden: not editable
    assert client.post(edit_url(rita, "save"), {"size": "2", "preference": "table", "notes": "allergy: nuts",
                                                "tags": ["VIP"]}).status_code == 303
    assert queue.status(restaurant=restaurant, party_id=rita).notes == "allergy: nuts"
    before = state(restaurant)
    response = client.post(edit_url(rita, "save"), {"size": "3", "preference": "table"})
    assert response.status_code == 409
    assert state(restaurant) == before


def test_editing_a_party_of_another_restaurant_or_an_ended_one(client, restaurant):
    client.force_login(make_user("stranger"))
    ann = join(restaurant, "Ann")
    assert client.get(edit_url(ann)).status_code == 403
    assert client.post(edit_url(ann, "save"), {"size": "3"}).status_code == 403
    client.force_login(make_user("staff", restaurant=restaurant))
    queue.leave(restaurant=restaurant, party_id=ann)
    assert client.get(edit_url(ann)).status_code == 404


# --- the action log -----------------------------------------------------------------------------

def test_controls_are_recorded_once_for_insights(hosting, restaurant):
    ann = join(restaurant, "Ann")
    hosting.post("joins", {"message": "Back soon"}, "pause")
    hosting.post("joins", {}, "resume")
    hosting.post("quotes", {"minutes": "10"})
    floor.edit_party(restaurant=restaurant, party_id=ann, size=3, preference="table", notes="", tags=[],
                     changed="size")
    assert floor.record_actions(restaurant=restaurant) == 4
    assert floor.record_actions(restaurant=restaurant) == 0
    rows = list(FloorAction.objects.order_by("at", "entry").values_list("kind", "party_number", "detail"))
    assert sorted(rows) == sorted([("pause", None, "Back soon"), ("resume", None, ""), ("quote", None, "10"),
                                   ("edit", ann, "size")])



# --- moving a party -----------------------------------------------------------------------------

def move(client, pid, direction, reason="booked ahead"):
    return client.post(f"/host/testbistro/parties/{pid}/move", {"direction": direction, "reason": reason})


def places(restaurant):
    """Each waiting party's place as its diner sees it (Lua) and as the floor shows it (Python)."""
    view = live_view.refresh(restaurant)
    return {p.name: (queue.status(restaurant=restaurant, party_id=p.id).position, view.ahead[p.id] + 1)
            for p in view.snapshot.waiting}


def test_move_a_party_up_and_down_with_a_recorded_reason(client, host, restaurant):
    client.force_login(host)
    ann, bob, cat = (join(restaurant, name) for name in ("Ann", "Bob", "Cat"))
    assert 'name="direction" value="up"' in client.get(edit_url(cat)).content.decode()
    assert move(client, cat, "up").status_code == 303
    assert [p.name for p in snap(restaurant).waiting] == ["Ann", "Cat", "Bob"]
    assert places(restaurant) == {"Ann": (1, 1), "Cat": (2, 2), "Bob": (3, 3)}
    assert "Moved Cat up." in client.get(dashboard_url()).content.decode()
    assert move(client, ann, "down", "waiting for the rest of the party").status_code == 303
    assert [p.name for p in snap(restaurant).waiting] == ["Cat", "Ann", "Bob"]
    floor.record_actions(restaurant=restaurant)
    assert sorted(FloorAction.objects.filter(kind="move").values_list("party_number", "detail")) == \
        sorted([(cat, "up: booked ahead"), (ann, "down: waiting for the rest of the party")])
    # The strategy follows the new order, and an offer counts as passed over only those
    # ahead in line (none: Cat is first).
    [pick, *_] = live_view.refresh(restaurant).suggestions
    assert pick.party_id == cat
    queue.offer(restaurant=restaurant, party_id=cat, table_ids=pick.table_ids, kind=pick.kind)
    assert [(p.id, p.skips) for p in snap(restaurant).waiting] == [(ann, 0), (bob, 0)]


def test_an_either_party_moves_past_the_nearest_party_it_competes_with(client, host, restaurant):
    client.force_login(host)
    join(restaurant, "Tess")
    join(restaurant, "Carl", pref="counter")
    eve = join(restaurant, "Eve", pref="either")
    assert move(client, eve, "up").status_code == 303
    assert [p.name for p in snap(restaurant).waiting] == ["Tess", "Eve", "Carl"]
    assert places(restaurant) == {"Tess": (1, 1), "Eve": (2, 2), "Carl": (2, 2)}  # Eve is ahead of Carl now
    assert move(client, eve, "up").status_code == 303
    assert [p.name for p in snap(restaurant).waiting] == ["Eve", "Tess", "Carl"]
    assert places(restaurant) == {"Eve": (1, 1), "Tess": (2, 2), "Carl": (2, 2)}


def test_undo_a_removal_returns_a_moved_party_to_its_new_place(client, host, restaurant):
    client.force_login(host)
    join(restaurant, "Ann")
    bob = join(restaurant, "Bob")
    move(client, bob, "up")
    queue.leave(restaurant=restaurant, party_id=bob, reason="removed", undoable=True)
    floor.undo(restaurant=restaurant, party_id=bob)
    assert [p.name for p in snap(restaurant).waiting] == ["Bob", "Ann"]


@pytest.mark.parametrize(("who", "direction", "reason", "status", "message"), [
    ("first", "up", "x", 409, "That party cannot move that way"),
    ("last", "down", "x", 409, "That party cannot move that way"),
    ("last", "up", "  ", 400, "Say why the party moves: it is recorded."),
    ("last", "up", "x" * 121, 400, "Keep the reason to 120 characters."),
    ("last", "sideways", "x", 400, "Move a party up or down."),
    ("ready", "up", "x", 409, "That party or table has already changed."),
])
def test_bad_moves_are_refused(client, host, restaurant, who, direction, reason, status, message):
    client.force_login(host)
    parties = {"first": join(restaurant, "Ann"), "last": join(restaurant, "Bob"),
               "ready": offered(restaurant, "Rita", "T1")}
    before = state(restaurant)
    response = move(client, parties[who], direction, reason)
    assert response.status_code == status
    assert message in response.content.decode()
    assert state(restaurant) == before


def test_an_offer_passes_over_whoever_is_ahead_in_the_moved_line(client, host, restaurant):
    client.force_login(host)
    ann, bob = join(restaurant, "Ann"), join(restaurant, "Bob")
    move(client, bob, "up")
    t1 = {t.label: t.id for t in restaurant.tables.all()}["T1"]
    queue.offer(restaurant=restaurant, party_id=ann, table_ids=[t1], kind="table")
    assert queue.status(restaurant=restaurant, party_id=bob).skips == 1


def test_insights_count_the_corrections_made_on_the_floor(client, host, restaurant):
    client.force_login(host)
    ann, bob = join(restaurant, "Ann"), join(restaurant, "Bob")
    queue.leave(restaurant=restaurant, party_id=ann, reason="removed", undoable=True)
    floor.undo(restaurant=restaurant, party_id=ann)
    move(client, bob, "up")
    queue.leave(restaurant=restaurant, party_id=bob)  # a visit, so the period has a report
    record_ended(restaurant=restaurant)
    floor.record_actions(restaurant=restaurant)
    page = client.get(route("insights")).content.decode()
    table = page.split('id="floor-actions-table"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', table) == [("Undone", "1"), ("Party moved", "1")]
