"""The diner's pages through Django's test client, against the real embedded Valkey: every
route's happy path. Refusals and bad input are in test_diner_views_input.py; escaping,
privacy, outages and sessions in test_diner_views_safety.py."""

import html
import re

import pytest
from django.test import Client

from tests.support.diner_pages import (
    JSON,
    SLUG,
    alerts,
    find_party,
    join,
    joined,
    party_named,
    party_token,
    personal_link,
    position,
    snap,
    table_ids,
    text,
    token_of,
    url,
)
from waitlist import queue

pytestmark = pytest.mark.django_db


# --- the join form -------------------------------------------------------------------------------

def test_join_form_renders_with_the_current_wait(client, restaurant):
    response = client.get(url())
    assert response.status_code == 200
    page = html.unescape(text(response))
    assert '<form class="card join" method="post" action="/waitlist/testbistro/join"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert re.search(r'name="request_id" value="[0-9a-f]{32}"', page)
    # Every seating the floor offers, and no more.
    assert re.findall(r'name="preference" value="(\w+)"', page) == ["table", "counter", "either"]
    assert "0 parties waiting" in page
    assert "Estimated wait if you join now" in page
    # An empty floor: every size seats at once, at a table (1-6), the counter (1-4) or either (1-6).
    assert page.count("Seated now") == 6 + 4 + 6
    assert re.findall(r'<tr data-size="(\d+)">', page) == [str(n) for n in range(1, 7)]
    assert page.count("Not for this size") == 2  # counter parties of 5 and 6


def test_join_form_wait_reflects_a_busy_floor(client, restaurant):
    """Every table taken and parties queued: the wait table quotes minutes, not 'Seated now'."""
    tables = table_ids(restaurant)
    for number, label in enumerate(("T1", "T2", "T3", "T4"), start=1):
        party = queue.join(restaurant=restaurant, name=f"Seated {number}", size=2, preference="table",
                           diner=f"d{number}", request_id=f"req-seated-{number}")
        queue.offer(restaurant=restaurant, party_id=party.party_id, table_ids=[tables[label]], kind="table")
        queue.check_in(restaurant=restaurant, party_id=party.party_id)
    for number in range(3):
        queue.join(restaurant=restaurant, name=f"Queued {number}", size=2, preference="table",
                   diner=f"q{number}", request_id=f"req-queued-{number}")

    response = client.get(url())
    assert response.status_code == 200
    page = html.unescape(text(response))
    assert "3 parties waiting" in page
    rows = {size: [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>(.*?)</td>", cells)] for size, cells in
            re.findall(r'<tr data-size="(\d+)">\s*<th scope="row">\d+ (?:person|people)</th>\s*(.*?)</tr>', page, re.S)}
    assert set(rows) == {str(n) for n in range(1, 7)}
    table, counter = {s: cells[0] for s, cells in rows.items()}, {s: cells[1] for s, cells in rows.items()}
    assert all(re.fullmatch(r"\d+–\d+ min", wait) for wait in table.values()), table
    # The counter is empty, so it still seats at once, up to its four seats.
    assert [counter[str(n)] for n in range(1, 5)] == ["Seated now"] * 4
    assert all("Not for this size" in counter[s] for s in ("5", "6"))
    # The public page never names a party.
    assert "Seated 1" not in page and "Queued 0" not in page


def test_join_page_follows_changes_made_by_other_processes(client, restaurant, monkeypatch):
    """No stream is open here, so nothing refreshes this process's cached view: a party
    added elsewhere (another server, the timer worker) must still show up, the count at
    once and the quotes once their background check has run."""
    from waitlist import quotes

    before = client.get(url(), **JSON).json()
    assert before["parties_waiting"] == 0
    tables = table_ids(restaurant)
    for number, label in enumerate(("T1", "T2", "T3", "T4"), start=1):
        party = queue.join(restaurant=restaurant, name=f"Elsewhere {number}", size=2, preference="table",
                           diner=f"d{number}", request_id=f"req-elsewhere-{number}")
        queue.offer(restaurant=restaurant, party_id=party.party_id, table_ids=[tables[label]], kind="table")
    queue.join(restaurant=restaurant, name="Waiting", size=2, preference="table", diner="dw", request_id="req-w")
    monkeypatch.setattr(quotes, "QUOTE_MAX_AGE_MS", -1)
    assert client.get(url(), **JSON).json()["parties_waiting"] == 1
    quotes._background.submit(lambda: None).result(timeout=30)  # the check it started is done
    after = client.get(url(), **JSON).json()
    table_two = {(r["preference"], r["size"]): (r["low"], r["high"]) for r in after["current_wait"]}[("table", 2)]
    assert before["current_wait"][0]["high"] <= 1  # "Seated now" on the empty floor
    assert table_two[1] > 1  # every table taken: minutes


def test_join_form_as_json_reports_the_queue(client, restaurant):
    joined("Ann")
    response = client.get(url(), **JSON)
    assert response.status_code == 200
    body = response.json()
    assert body["state"] is None
    assert body["open"] is True
    assert body["parties_waiting"] == 1
    assert {(row["preference"], row["size"]) for row in body["current_wait"]} == {
        *((p, n) for p in ("table", "either") for n in range(1, 7)), *(("counter", n) for n in range(1, 5))}


# --- join and the live status page ---------------------------------------------------------------

def test_join_redirects_to_the_status_page_with_position_link_and_qr(client, restaurant):
    joined("Zed")  # one party ahead
    response = join(client, "Ann", size=3, preference="table")
    assert response.status_code == 303
    assert response["Location"] == "/waitlist/testbistro/"

    page_response = client.get(response["Location"])
    assert page_response.status_code == 200
    page = html.unescape(text(page_response))
    assert position(page_response) == 2
    assert "1 party ahead of you" in page
    assert "Ann, party of 3" in page
    party = party_named(restaurant, "Ann")
    assert (party.size, party.preference, party.state) == (3, "table", "waiting")
    assert personal_link(page_response) == f"http://testserver/waitlist/testbistro/p/{party_token(restaurant, party)}/"
    qr = re.search(r'<div class="qr">(<svg.*?</svg>)</div>', page, re.S)
    assert qr, "the page has no inline SVG QR code"
    assert "<path" in qr.group(1)
    # The leave button is there; there is nothing to check in to yet.
    assert 'action="/waitlist/testbistro/leave"' in page
    assert 'action="/waitlist/testbistro/checkin"' not in page


def test_json_join_answers_201_with_the_status(client, restaurant):
    joined("Zed")
    response = join(client, "Ann", size=2, preference="either", **JSON)
    assert response.status_code == 201
    body = response.json()
    assert {"state", "position", "parties_ahead", "estimated_wait", "checkin_deadline", "table"} <= set(body)
    assert body["state"] == "waiting"
    assert body["position"] == 2
    assert body["parties_ahead"] == 1
    assert body["checkin_deadline"] is None
    assert body["table"] is None
    assert body["size"] == 2 and body["preference"] == "either"
    wait = body["estimated_wait"]
    assert wait is None or (set(wait) == {"low", "high"} and 0 <= wait["low"] <= wait["high"])
    assert len(snap(restaurant).waiting) == 2


def test_json_status_of_a_waiting_party(client, restaurant):
    joined("Zed")
    joined("Yan")
    join(client, "Ann")
    response = client.get(url(), **JSON)
    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["position"], body["parties_ahead"]) == ("waiting", 3, 2)
    # Two ahead, but four tables free: the estimate, not the place, says it is close.
    assert body["estimated_wait"]["high"] <= restaurant.getting_close_minutes
    assert body["getting_close"] is True


# --- check in ------------------------------------------------------------------------------------

def test_check_in_when_the_table_is_ready(client, restaurant):
    join(client, "Ann")
    party = party_named(restaurant, "Ann")
    change = queue.offer(restaurant=restaurant, party_id=party.id, table_ids=[table_ids(restaurant)["T1"]],
                         kind="table")

    ready = client.get(url())
    page = html.unescape(text(ready))
    assert "Your table is ready!" in page
    assert "Table T1" in page
    assert 'action="/waitlist/testbistro/checkin"' in page
    body = client.get(url(), **JSON).json()
    assert body["state"] == "ready" and body["table"] == "T1"
    assert body["checkin_deadline"] is not None
    assert change.deadline_ms is not None

    response = client.post(url(action="checkin"))
    assert response.status_code == 303
    assert response["Location"] == "/waitlist/testbistro/"
    assert queue.status(restaurant=restaurant, party_id=party.id).state == "dining"
    assert snap(restaurant).table(table_ids(restaurant)["T1"]).state == "occupied"

    seated = html.unescape(text(client.get(url())))
    assert "Welcome! Enjoy your meal." in seated
    assert "Table T1" in seated
    assert 'action="/waitlist/testbistro/leave"' not in seated  # a seated party cannot "leave the waitlist"


def test_json_check_in_answers_with_the_dining_status(client, restaurant):
    join(client, "Ann")
    party = party_named(restaurant, "Ann")
    queue.offer(restaurant=restaurant, party_id=party.id, table_ids=[table_ids(restaurant)["T3"]], kind="table")
    response = client.post(url(action="checkin"), **JSON)
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "dining"
    assert body["table"] == "T3"
    assert body["seated_at"] is not None


def test_a_second_tap_on_check_in_is_not_an_error(client, restaurant):
    """Double-tapping "I'm here" sends the POST twice: the second must not tell a seated
    party that its table is not ready."""
    join(client, "Ann")
    party = party_named(restaurant, "Ann")
    queue.offer(restaurant=restaurant, party_id=party.id, table_ids=[table_ids(restaurant)["T1"]], kind="table")
    assert client.post(url(action="checkin")).status_code == 303
    before = snap(restaurant)

    again = client.post(url(action="checkin"))
    assert again.status_code == 303
    assert snap(restaurant) == before
    page = client.get(url())
    assert "Welcome! Enjoy your meal." in text(page)
    assert alerts(page) == []


def test_a_finished_meal_shows_thanks_and_a_way_to_join_again(client, restaurant):
    join(client, "Ann")
    party = party_named(restaurant, "Ann")
    queue.offer(restaurant=restaurant, party_id=party.id, table_ids=[table_ids(restaurant)["T1"]], kind="table")
    client.post(url(action="checkin"))
    queue.complete(restaurant=restaurant, party_id=party.id)

    page = html.unescape(text(client.get(url())))
    assert "Thanks for dining with us!" in page
    assert '<a class="btn btn-block" href="/waitlist/testbistro/?new=1">Join the waitlist again</a>' in page
    assert "Your personal link" not in page  # an ended party's link is no longer offered


# --- leave ---------------------------------------------------------------------------------------

def test_leave_with_confirm_moves_everyone_behind_up(client, restaurant):
    first = joined("Ann")
    join(client, "Ben")
    last = joined("Cat")
    assert position(last.get(url())) == 3

    response = client.post(url(action="leave"), {"confirm": "yes"})
    assert response.status_code == 303
    assert response["Location"] == "/waitlist/testbistro/"
    assert [p.name for p in snap(restaurant).waiting] == ["Ann", "Cat"]
    assert find_party(restaurant, "Ben") is None

    assert position(first.get(url())) == 1
    behind = last.get(url())
    assert position(behind) == 2
    assert "1 party ahead of you" in html.unescape(text(behind))
    assert last.get(url(), **JSON).json()["parties_ahead"] == 1

    mine = html.unescape(text(client.get(url())))
    assert "You have left the waitlist." in mine
    assert "Join the waitlist again" in mine
    assert client.get(url(), **JSON).json()["state"] == "left"


@pytest.mark.parametrize("data", [{}, {"confirm": ""}, {"confirm": "no"}, {"confirm": "YES "}])
def test_leave_without_confirm_asks_first_and_changes_nothing(client, restaurant, data):
    join(client, "Ann")
    joined("Ben")
    before = snap(restaurant)

    response = client.post(url(action="leave"), data)
    assert response.status_code == 200
    page = html.unescape(text(response))
    assert "<h1>Leave the waitlist?</h1>" in page
    assert "You will lose your place in line. Everyone behind you moves up." in page
    assert re.search(r'<form method="post" action="/waitlist/testbistro/leave">.*?'
                     r'<input type="hidden" name="confirm" value="yes">', page, re.S)
    assert '<a class="btn btn-block" href="/waitlist/testbistro/">No, keep my place</a>' in page
    assert snap(restaurant) == before
    assert position(client.get(url())) == 1


def test_json_leave_needs_no_confirm(client, restaurant):
    join(client, "Ann")
    response = client.post(url(action="leave"), **JSON)
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "left"
    assert body["position"] is None
    assert snap(restaurant).waiting == ()


# --- ended parties and joining again -------------------------------------------------------------

def test_an_ended_party_can_join_again(client, restaurant):
    join(client, "Ann")
    client.post(url(action="leave"), {"confirm": "yes"})

    ended = html.unescape(text(client.get(url())))
    assert "You have left the waitlist." in ended
    assert '<a class="btn btn-block" href="/waitlist/testbistro/?new=1">Join the waitlist again</a>' in ended
    assert 'name="name"' not in ended

    form = client.get(url() + "?new=1")
    assert form.status_code == 200
    assert 'name="name"' in text(form)
    assert "You have left the waitlist." not in text(form)

    again = join(client, "Ann again")
    assert again.status_code == 303
    assert [p.name for p in snap(restaurant).waiting] == ["Ann again"]
    page = client.get(url())
    assert position(page) == 1
    assert "Ann again, party of 2" in html.unescape(text(page))


def test_new_is_ignored_while_the_party_is_still_active(client, restaurant):
    join(client, "Ann")
    response = client.get(url() + "?new=1")
    assert position(response) == 1
    assert 'name="name"' not in text(response)


# --- the personal link ---------------------------------------------------------------------------

def test_personal_link_binds_a_fresh_browser_to_the_same_party(client, restaurant):
    joined("Zed")
    join(client, "Ann")
    link = personal_link(client.get(url()))
    path = link.removeprefix("http://testserver")
    assert path == f"/waitlist/{SLUG}/p/{token_of(client.get(url()))}/"

    other_phone = Client()
    assert 'name="name"' in text(other_phone.get(url()))  # not bound yet
    response = other_phone.get(path)
    assert response.status_code == 303
    assert response["Location"] == "/waitlist/testbistro/"

    page = other_phone.get(url())
    assert position(page) == 2
    assert "Ann, party of 2" in html.unescape(text(page))
    assert other_phone.get(url(), **JSON).json()["position"] == 2
    # The second phone can act for the party too.
    assert other_phone.post(url(action="leave"), {"confirm": "yes"}).status_code == 303
    assert [p.name for p in snap(restaurant).waiting] == ["Zed"]
    assert "You have left the waitlist." in text(client.get(url()))


def test_personal_link_uses_site_url_when_set(client, restaurant, settings):
    settings.SITE_URL = "https://wait.example.com"
    join(client, "Ann")
    token = party_token(restaurant, party_named(restaurant, "Ann"))
    assert personal_link(client.get(url())) == f"https://wait.example.com/waitlist/{SLUG}/p/{token}/"


# --- other routes --------------------------------------------------------------------------------

def test_events_of_a_known_restaurant_is_a_stream(client, restaurant):
    response = client.get(url(action="events"))
    try:
        assert response.status_code == 200
        assert response["Content-Type"] == "text/event-stream"
        assert response["Cache-Control"] == "no-cache"
    finally:
        response.close()


def test_a_floor_of_one_kind_preselects_its_seating_and_quotes_every_size(client, db):
    from tests.support.factories import make_restaurant

    make_restaurant("tablesonly", counter=0, max_party_size=4)
    page = html.unescape(text(client.get("/waitlist/tablesonly/")))
    assert re.findall(r'<input type="radio" name="preference" value="(\w+)"[^>]*?( checked)?>', page) == [
        ("table", " checked")]
    assert re.findall(r'<tr data-size="(\d+)">', page) == ["1", "2", "3", "4"]
    assert "Not for this size" not in page
