"""The floor controls and the party editor with htmx: each answers in place (the controls card
as the floor now is, with the message in the toast out of band; the editor, or nothing once
saved), a refusal is 422 with the message beside its field and what was typed kept (a 400 would
be put in place of the whole page by django-htmx's debug script), and a party gone from the
floor closes the editor with a message. Without htmx the same forms redirect (test_host_controls.py)."""

import html
import re

import pytest

from tests.support.host_pages import HTMX, join, offered, route, snap, state
from waitlist import queue


@pytest.fixture
def hosting(client, host):
    client.force_login(host)
    return client


def card_of(response) -> str:
    body = response.content.decode()
    assert "<html" not in body and body.lstrip().startswith('<section class="card controls"'), body[:300]
    return body


def oob_toast(body: str) -> str:
    found = re.search(r'<div id="toast" hx-swap-oob="innerHTML"><p class="alert alert-ok" role="status">(.*?)</p>',
                      body, re.S)
    assert found, body[-500:]
    return html.unescape(found.group(1))


def test_pausing_answers_the_card_as_it_now_is_with_the_message_in_the_toast(hosting, restaurant):
    response = hosting.post(route("joins", action="pause"), {"message": "Back at 9"}, **HTMX)
    assert response.status_code == 200
    body = card_of(response)
    assert "Resume joins" in body and "Pause joins" not in body
    assert oob_toast(body) == "Joins paused. Diners see your message on the join page."
    assert snap(restaurant).paused == "Back at 9"
    body = card_of(hosting.post(route("joins", action="close"), **HTMX))
    assert "Open for joins" in body and "Closed: diners cannot join" in body


@pytest.mark.parametrize(("name", "action", "data", "field", "message"), [
    ("quotes", None, {"minutes": "999"}, "quote-minutes", "Add between 0 and 240 minutes."),
    ("quotes", None, {"minutes": "ten"}, "quote-minutes", "Add between 0 and 240 minutes."),
    ("joins", "pause", {"message": "x" * 201}, "pause-message", "Keep the message to 200 characters."),
])
def test_a_refused_control_is_422_with_the_message_beside_its_field(hosting, restaurant, name, action, data, field,
                                                                    message):
    before = state(restaurant)
    response = hosting.post(route(name, action=action), data, **HTMX)
    assert response.status_code == 422
    body = card_of(response)
    assert 'hx-swap-oob' not in body  # the toast keeps what it said
    typed = next(iter(data.values()))
    assert re.search(rf'<input [^>]*id="{field}"[^>]*value="{re.escape(typed)}"[^>]* aria-invalid="true" '
                     rf'aria-describedby="{field}-error"', body), body
    error = re.search(rf'<p class="field-error" id="{field}-error" role="alert">(.*?)</p>', body)
    assert error and html.unescape(error.group(1)) == message
    assert state(restaurant) == before


def test_a_restaurant_without_tables_is_told_so_beside_the_open_button(hosting, restaurant):
    hosting.post(route("joins", action="close"), **HTMX)
    restaurant.tables.all().delete()
    response = hosting.post(route("joins", action="open"), **HTMX)
    assert response.status_code == 422
    assert "A restaurant with no tables cannot open: add a table first." in card_of(response)


def test_the_editor_opens_in_the_dashboard_and_saving_closes_it(hosting, restaurant):
    ann = join(restaurant, "Ann")
    editor = hosting.get(f"/host/testbistro/parties/{ann}/edit", **HTMX).content.decode()
    assert "<html" not in editor and editor.lstrip().startswith('<section class="card edit-party"')
    assert 'hx-target="#editor"' in editor and re.search(r'id="edit-size"[^>]* autofocus', editor)
    response = hosting.post(f"/host/testbistro/parties/{ann}/save", {"size": "3", "preference": "table",
                                                                    "notes": "by the window"}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<div id="toast" hx-swap-oob="innerHTML">')  # nothing else: the editor empties
    assert oob_toast(body) == "Saved Ann."
    assert queue.status(restaurant=restaurant, party_id=ann).size == 3


def test_a_refused_save_is_422_in_the_editor_with_what_was_typed(hosting, restaurant):
    ann = join(restaurant, "Ann")
    before = state(restaurant)
    response = hosting.post(f"/host/testbistro/parties/{ann}/save",
                            {"size": "9", "preference": "either", "notes": "twins", "tags": ["VIP"]}, **HTMX)
    assert response.status_code == 422
    body = response.content.decode()
    assert "<html" not in body and "That party is larger than this restaurant can seat." in body
    assert 'id="edit-size"' in body and 'value="9"' in body and 'value="twins"' in body
    assert re.search(r'value="either" checked', body) and re.search(r'value="VIP" checked', body)
    assert state(restaurant) == before


def test_a_move_keeps_the_editor_open_and_a_refused_one_says_why_beside_the_reason(hosting, restaurant):
    ann, bob = join(restaurant, "Ann"), join(restaurant, "Bob")
    refused = hosting.post(f"/host/testbistro/parties/{bob}/move", {"direction": "up", "reason": " "}, **HTMX)
    assert refused.status_code == 422
    body = refused.content.decode()
    assert 'id="move-error"' in body and "Say why the party moves: it is recorded." in body
    assert re.search(r'id="move-reason"[^>]*aria-describedby="move-error" autofocus', body)
    moved = hosting.post(f"/host/testbistro/parties/{bob}/move", {"direction": "up", "reason": "booked"}, **HTMX)
    assert moved.status_code == 200
    body = moved.content.decode()
    assert "Moved Bob up." in body and 'value="booked"' in body
    assert re.search(r'value="up" autofocus', body)
    assert [p.id for p in snap(restaurant).waiting] == [bob, ann]


def test_a_party_gone_from_the_floor_closes_the_editor_with_a_message(hosting, restaurant):
    rita = offered(restaurant, "Rita", "T1")
    queue.leave(restaurant=restaurant, party_id=rita)
    for response in (hosting.get(f"/host/testbistro/parties/{rita}/edit", **HTMX),
                     hosting.post(f"/host/testbistro/parties/{rita}/save", {"size": "2"}, **HTMX),
                     hosting.post(f"/host/testbistro/parties/{rita}/move", {"direction": "up", "reason": "x"},
                                  **HTMX)):
        assert response.status_code == 409  # not 404: under DEBUG that would replace the page
        assert "That party is no longer on the floor." in response.content.decode()
    assert hosting.get(f"/host/testbistro/parties/{rita}/edit").status_code == 404  # without htmx: a page
