"""The diner's pages refuse bad input and impossible actions with a clear message next to
the field (or on the page) and the right status, and write nothing to the live queue."""

import html
import re
import unicodedata

import pytest
from django.test import Client

from domain.durations import MINUTE_MS as MIN
from tests.support.diner_pages import (
    JSON,
    REQUEST_ID,
    alerts,
    all_field_errors,
    copy_cookies,
    field_block,
    join,
    joined,
    party_named,
    position,
    snap,
    table_ids,
    text,
    url,
)
from tests.support.factories import make_restaurant
from waitlist import queue

pytestmark = pytest.mark.django_db

NO_ERRORS = {"name": [], "size": [], "preference": []}


def refused_join(client, restaurant, status, **fields):
    """POST the join form; it must answer ``status`` and leave the live queue as it was."""
    before = snap(restaurant)
    response = join(client, **fields)
    assert response.status_code == status, text(response)
    assert snap(restaurant) == before
    return response


# --- the name ------------------------------------------------------------------------------------

NAME_REQUIRED = "Please enter a name for your party."
NAME_TOO_LONG = "Please keep the name to 60 characters or fewer."
NAME_CHARACTERS = "The name can only contain letters, numbers, spaces and punctuation."


@pytest.mark.parametrize("name, message", [
    ("", NAME_REQUIRED),
    ("   ", NAME_REQUIRED),
    ("\u00a0\u2003 ", NAME_REQUIRED),  # no-break and em spaces are spaces too
    ("A" * 61, NAME_TOO_LONG),
    ("A" * 201, NAME_TOO_LONG),  # beyond the field's raw limit: still the diner's message
    ("Ann\x00", NAME_CHARACTERS),
    ("Ann\x07Bell", NAME_CHARACTERS),
    ("Ann\tLee", NAME_CHARACTERS),
    ("\u202eAnn", NAME_CHARACTERS),  # right-to-left override
    ("An\u200bn", NAME_CHARACTERS),  # zero-width space
    ("Ann\x1b[31m", NAME_CHARACTERS),
    ("\u2067Ann\u2069", NAME_CHARACTERS),  # right-to-left isolate
    ("Ann\u200e", NAME_CHARACTERS),  # left-to-right mark
    ("An\u00adn", NAME_CHARACTERS),  # soft hyphen
    ("Ann\ue000", NAME_CHARACTERS),  # private use
    ("Ann\u0378", NAME_CHARACTERS),  # unassigned
    ("Ann\ufffd", NAME_CHARACTERS),  # the replacement character: text lost on the way
    ("\u200dAnn", NAME_CHARACTERS),  # a joiner joins nothing first...
    ("Ann\u200c", NAME_CHARACTERS),  # ...or last
    ("  \u200dAnn", NAME_CHARACTERS),  # (after the spaces are trimmed)
    ("Ann \u200dBell", NAME_CHARACTERS),  # ...or after a space
    ("An\u200d\u200dn", NAME_CHARACTERS),  # ...or after another joiner
    ("Ann\U000e0041", NAME_CHARACTERS),  # a tag outside a flag's tag sequence
])
def test_bad_names_are_refused_next_to_the_name_field(client, restaurant, name, message):
    joined("Zed")  # something to protect
    response = refused_join(client, restaurant, 400, name=name)
    assert all_field_errors(response) == {**NO_ERRORS, "name": [message]}
    block = field_block(response, "name")
    assert 'aria-invalid="true"' in block
    assert alerts(response) == []
    assert 'name="name"' in text(response)  # the form is shown again to fix it


@pytest.mark.parametrize("name", [
    "\u0639\u0644\u06cc\u200c\u0631\u0636\u0627",  # Alireza in Persian: a non-joiner inside the word
    "\u0dc1\u0dca\u200d\u0dbb\u0dd2\u0dba\u0dcf\u0dab\u0dd2",  # Sriyani in Sinhala: a joiner makes the conjunct
    "\u0915\u094d\u200d\u0937\u093f\u0924\u093f",  # Kshiti in Devanagari, the half form asked with a joiner
    "\u0d05\u0d35\u0d7b \u0d28\u0d3e\u0d7c",  # Malayalam with chillu letters
    "\u0d05\u0d35\u0d28\u0d4d\u200d Nair",  # Malayalam's older chillu spelling: a joiner at the word's end
    "Nguy\u1ec5n Th\u1ecb",  # Vietnamese
    "Zoe\u0308 and Ren\u00e9e",  # a combining mark (stored composed, as NFC)
    "\u05e9\u05e8\u05d4 / \u0645\u062d\u0645\u062f",  # Hebrew and Arabic letters
    "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 Family",  # family: a ZWJ sequence
    "Ann \U0001f469\U0001f3fd\u200d\U0001f373",  # woman cook, medium skin tone
    "\U0001f1ef\U0001f1f5 Team",  # a flag: regional indicators
    "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f Fans",  # England's flag: a tag sequence
    "\U0001f3f3\ufe0f\u200d\U0001f308 Pride",  # rainbow flag: variation selector and joiner
    "#\ufe0f\u20e3 Table",  # a keycap
])
def test_names_as_people_write_them_join(client, restaurant, name):
    assert join(client, name).status_code == 303
    assert [p.name for p in snap(restaurant).waiting] == [unicodedata.normalize("NFC", name)]


@pytest.mark.parametrize("body", [
    b"name=Ren%E9e",  # percent-escaped Latin-1
    b"name=Ren\xe9e",  # raw Latin-1 bytes
    b"name=Ann%C3",  # a UTF-8 sequence cut short
    b"name=%ED%A0%80",  # an encoded surrogate
])
@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded",
                                          "application/x-www-form-urlencoded; charset=UTF-8"])
def test_a_form_body_that_is_not_utf8_is_a_clear_400(client, restaurant, body, content_type):
    body += b"&size=2&preference=table&request_id=not-utf8-form-1"
    before = snap(restaurant)
    for accept, expected in (("text/html", "The form was not sent as UTF-8 text."),
                             ("application/json", '"error": "bad_request"')):
        response = client.generic("POST", url(action="join"), body, HTTP_ACCEPT=accept, content_type=content_type)
        assert response.status_code == 400
        assert expected in text(response)
    assert snap(restaurant) == before


def test_a_multipart_form_with_bytes_that_are_not_utf8_stores_nothing(client, restaurant):
    """Django decodes multipart fields with replacement characters; the name refuses those."""
    boundary = "b0undary"
    fields = {"name": "Ren\xe9e".encode("latin-1"), "size": b"2", "preference": b"table",
              "request_id": b"multipart-not-utf8"}
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"
                    for name, value in fields.items()) + f"--{boundary}--\r\n".encode()
    response = refused_join_body(client, restaurant, body, f"multipart/form-data; boundary={boundary}")
    assert all_field_errors(response) == {**NO_ERRORS, "name": [NAME_CHARACTERS]}


def refused_join_body(client, restaurant, body, content_type):
    before = snap(restaurant)
    response = client.generic("POST", url(action="join"), body, content_type=content_type)
    assert response.status_code == 400, text(response)
    assert snap(restaurant) == before
    return response


def test_a_name_of_exactly_60_characters_joins(client, restaurant):
    response = join(client, "A" * 60)
    assert response.status_code == 303
    assert [p.name for p in snap(restaurant).waiting] == ["A" * 60]


def test_inner_whitespace_is_collapsed_and_the_ends_trimmed(client, restaurant):
    assert join(client, "  Ann   and \u00a0 Ben  ").status_code == 303
    assert [p.name for p in snap(restaurant).waiting] == ["Ann and Ben"]


def test_the_name_input_limits_typing_to_60_characters(client, restaurant):
    block = field_block(client.get(url()), "name")
    assert 'maxlength="60"' in block


def test_a_refused_form_keeps_what_the_diner_typed(client, restaurant):
    response = join(client, "Ann", size=0, preference="either", request_id="keep-this-id-1")
    assert response.status_code == 400
    assert 'value="Ann"' in field_block(response, "name")
    assert 'value="0"' in field_block(response, "size")
    assert re.search(r'value="either"[^>]* checked>', field_block(response, "preference"))
    assert REQUEST_ID.search(text(response)).group(1) == "keep-this-id-1"


# --- the party size ------------------------------------------------------------------------------

@pytest.mark.parametrize("size, message", [
    ("0", "A party has at least one person."),
    ("-3", "A party has at least one person."),
    ("two", "Enter the number of people."),
    ("2.5", "Enter the number of people."),
    ("7", "Parties of more than 6 cannot join online here. Please speak to the host."),
    ("100000000000000000000", "Parties of more than 6 cannot join online here. Please speak to the host."),
])
def test_bad_party_sizes_are_refused_next_to_the_size_field(client, restaurant, size, message):
    joined("Zed")
    response = refused_join(client, restaurant, 400, size=size)
    assert all_field_errors(response) == {**NO_ERRORS, "size": [message]}
    assert "Up to 6 people." in field_block(response, "size")


NOT_A_NUMBER = "Enter the number of people."


@pytest.mark.parametrize("size, message", [
    ("²", NOT_A_NUMBER), ("①", NOT_A_NUMBER), ("½", NOT_A_NUMBER), ("Ⅻ", NOT_A_NUMBER), ("3\u200b", NOT_A_NUMBER),
    ("٣٣", "Parties of more than 6 cannot join online here. Please speak to the host."),  # 33, Arabic-Indic
])
def test_characters_that_look_like_numbers_are_a_size_error_not_a_crash(client, restaurant, size, message):
    joined("Zed")
    response = refused_join(client, restaurant, 400, size=size)
    assert all_field_errors(response) == {**NO_ERRORS, "size": [message]}


def test_digits_of_other_scripts_are_numbers(client, restaurant):
    assert join(client, size="٣").status_code == 303  # Arabic-Indic three, as some keyboards type it
    assert snap(restaurant).waiting[0].size == 3


def test_a_form_body_not_sent_as_utf8_is_a_clear_400(client, restaurant):
    before = snap(restaurant)
    body = "name=Renée&size=2&preference=table&request_id=latin-1-form".encode("latin-1")
    for accept, expected in (("text/html", "must be UTF-8 encoded"), ("application/json", '"error": "bad_request"')):
        response = client.generic("POST", url(action="join"), body, HTTP_ACCEPT=accept,
                                  content_type="application/x-www-form-urlencoded; charset=latin-1")
        assert response.status_code == 400
        assert expected in text(response)
    assert snap(restaurant) == before


def test_the_largest_allowed_party_joins(client, restaurant):
    assert join(client, size=6).status_code == 303
    assert snap(restaurant).waiting[0].size == 6


def test_json_clients_get_the_field_errors(client, restaurant):
    response = join(client, "", size="7", **JSON)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["message"] for e in errors["name"]] == [NAME_REQUIRED]
    assert [e["message"] for e in errors["size"]] == [
        "Parties of more than 6 cannot join online here. Please speak to the host."]
    assert snap(restaurant).waiting == ()


# --- the seating preference ----------------------------------------------------------------------

def test_a_preference_the_floor_does_not_offer_is_refused(client, db):
    tables_only = make_restaurant("tablesonly", counter=0)
    page = client.get(url("tablesonly"))
    assert 'value="counter"' not in text(page) and 'value="either"' not in text(page)

    response = refused_join(client, tables_only, 400, slug="tablesonly", preference="counter")
    assert all_field_errors(response) == {
        **NO_ERRORS, "preference": ["Select a valid choice. counter is not one of the available choices."]}


def test_a_missing_preference_is_refused(client, restaurant):
    response = refused_join(client, restaurant, 400, preference="")
    assert all_field_errors(response) == {**NO_ERRORS, "preference": ["This field is required."]}


def test_a_malformed_request_id_is_refused(client, restaurant):
    response = refused_join(client, restaurant, 400, request_id="<x>")
    assert all_field_errors(response) == NO_ERRORS
    assert "This form has expired. Please submit it again." in html.unescape(text(response))


# --- the restaurant refuses ----------------------------------------------------------------------

def test_a_closed_restaurant_refuses_joins_with_409(client, db):
    closed = make_restaurant("closedbistro", is_open=False)
    queue.join(restaurant=closed, name="Walk-in", size=2, preference="table", diner="host-1",
               request_id="walkin-0001", source="walkin")
    page = client.get(url("closedbistro"))
    assert page.status_code == 200
    assert "We're not taking waitlist joins right now. Please check with the host." in html.unescape(text(page))
    # The form is on the page for a host who opens while it is shown (live), but not shown.
    assert re.search(r'<form class="card join" [^>]* hidden>', text(page))

    response = refused_join(client, closed, 409, slug="closedbistro", name="Ann")
    assert alerts(response) == ["This restaurant is not taking waitlist joins right now."]
    json_response = refused_join(client, closed, 409, slug="closedbistro", name="Ann", **JSON)
    assert json_response.json()["error"] == "This restaurant is not taking waitlist joins right now."
    assert json_response.json()["open"] is False


def test_a_second_active_party_from_the_same_browser_is_refused(client, restaurant):
    assert join(client, "Ann").status_code == 303
    response = refused_join(client, restaurant, 409, name="Ann's second")
    assert alerts(response) == ["You are already on this waitlist."]
    json_response = refused_join(client, restaurant, 409, name="Ann's third", **JSON)
    assert json_response.json()["error"] == "You are already on this waitlist."
    assert [p.name for p in snap(restaurant).waiting] == ["Ann"]


def test_double_submit_of_one_request_makes_one_party(client, restaurant):
    first = join(client, "Ann", request_id="same-request-1")
    second = join(client, "Ann", request_id="same-request-1")
    assert (first.status_code, second.status_code) == (303, 303)
    assert [p.name for p in snap(restaurant).waiting] == ["Ann"]
    assert position(client.get(url())) == 1


def test_double_submit_before_the_first_answer_arrives_makes_one_party(restaurant):
    """Both POSTs leave the browser with the cookies the form page set (the first answer
    has not come back yet): still one party, and both answers show it."""
    browser = Client()
    form = browser.get(url())
    request_id = REQUEST_ID.search(text(form)).group(1)
    twin = copy_cookies(browser)

    first = join(browser, "Ann", request_id=request_id)
    second = join(twin, "Ann", request_id=request_id)
    assert (first.status_code, second.status_code) == (303, 303)
    assert [p.name for p in snap(restaurant).waiting] == ["Ann"]
    assert position(browser.get(url())) == 1
    assert position(twin.get(url())) == 1


def test_json_double_submit_answers_201_then_200_for_the_same_party(client, restaurant):
    first = join(client, "Ann", request_id="same-request-2", **JSON)
    second = join(client, "Ann", request_id="same-request-2", **JSON)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["position"] == second.json()["position"] == 1
    assert len(snap(restaurant).waiting) == 1


def test_rate_limit_refuses_the_third_join_from_one_address(restaurant, settings):
    settings.JOIN_RATE_LIMIT = "2/600"
    joined("Ann")
    joined("Ben")
    before = snap(restaurant)
    response = join(Client(), "Cat")
    assert response.status_code == 429
    assert alerts(response) == ["Too many joins from this device. Please wait a few minutes and try again."]
    assert snap(restaurant) == before
    json_response = join(Client(), "Dan", **JSON)
    assert json_response.status_code == 429
    assert json_response.json()["error"] == "Too many joins from this device. Please wait a few minutes and try again."
    assert snap(restaurant) == before
    # Another address is not limited by these.
    assert join(Client(REMOTE_ADDR="10.0.0.9"), "Eve").status_code == 303
    assert [p.name for p in snap(restaurant).waiting] == ["Ann", "Ben", "Eve"]


# --- check in and leave that cannot be done ------------------------------------------------------

def test_check_in_before_the_table_is_ready(client, restaurant):
    join(client, "Ann")
    before = snap(restaurant)
    response = client.post(url(action="checkin"))
    assert response.status_code == 409
    assert alerts(response) == ["Your table is not ready yet, so there is nothing to check in to."]
    assert position(response) == 1  # the status is still shown under the message
    assert snap(restaurant) == before
    json_response = client.post(url(action="checkin"), **JSON)
    assert json_response.status_code == 409
    assert json_response.json()["error"] == "Your table is not ready yet, so there is nothing to check in to."
    assert json_response.json()["state"] == "waiting"


def test_check_in_after_the_hold_expired(client, restaurant):
    join(client, "Ann")
    party = party_named(restaurant, "Ann")
    from waitlist.clock import now_ms

    queue.offer(restaurant=restaurant, party_id=party.id, table_ids=[table_ids(restaurant)["T1"]], kind="table",
                now_ms=now_ms() - 11 * MIN)  # the 10-minute hold ended a minute ago
    before = snap(restaurant)
    response = client.post(url(action="checkin"))
    assert response.status_code == 410
    assert alerts(response) == ["Your table hold has expired. Please speak to the host."]
    assert snap(restaurant) == before
    assert queue.status(restaurant=restaurant, party_id=party.id).state == "ready"


def test_leave_once_seated_is_refused(client, restaurant):
    join(client, "Ann")
    party = party_named(restaurant, "Ann")
    queue.offer(restaurant=restaurant, party_id=party.id, table_ids=[table_ids(restaurant)["T1"]], kind="table")
    client.post(url(action="checkin"))
    before = snap(restaurant)
    response = client.post(url(action="leave"), {"confirm": "yes"})
    assert response.status_code == 409
    assert alerts(response) == ["You are no longer on the waitlist."]
    assert snap(restaurant) == before


@pytest.mark.parametrize("action", ["checkin", "leave"])
def test_check_in_or_leave_without_a_party_in_this_browser(client, restaurant, action):
    joined("Ann")  # someone else's party: untouchable from here
    before = snap(restaurant)
    response = client.post(url(action=action), {"confirm": "yes"})
    assert response.status_code == 404
    page = html.unescape(text(response))
    assert "You are not on this waitlist" in page
    assert "This browser has no party here." in page
    json_response = client.post(url(action=action), {"confirm": "yes"}, **JSON)
    assert json_response.status_code == 404
    assert json_response.json() == {"error": "We could not find that party."}
    assert snap(restaurant) == before
