"""Replies to a text act on the party when, and only when, they carry Twilio's signature;
Twilio's delivery reports reach the host's view of the party the same way."""

import pytest

from tests.support.twilio_stub import sign
from waitlist import contacts, queue

PHONE = "+447911123456"
INBOUND = "/notify/sms/twilio"


@pytest.fixture
def party(restaurant, twilio):
    pid = queue.join(restaurant=restaurant, name="Ann", size=2, preference="table", diner="d-ann",
                     request_id="r-ann-1", phone=PHONE, language="en").party_id
    contacts.remember_phone(PHONE, restaurant_id=restaurant.id, party_id=pid)
    return pid


def reply(client, body, *, signature=None, sender=PHONE, path=INBOUND):
    params = {"From": sender, "To": "+15005550006", "Body": body, "MessageSid": "SM1", "AccountSid": "AC1"}
    signature = sign(f"http://testserver{path}", params) if signature is None else signature
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def state(restaurant, pid):
    return queue.status(restaurant=restaurant, party_id=pid)


def test_one_means_on_my_way_and_the_diner_is_thanked(client, restaurant, party):
    response = reply(client, "1")
    assert response.status_code == 200 and response["Content-Type"] == "text/xml"
    assert "<Message>Thanks, see you soon!</Message>" in response.content.decode()
    assert state(restaurant, party).on_my_way_ms is not None and state(restaurant, party).eta_minutes == 0


def test_nine_leaves_the_waitlist(client, restaurant, party):
    reply(client, "9")
    assert state(restaurant, party).state == "left"


@pytest.mark.parametrize("body, minutes", [("10", 10), ("15 min", 15), ("25 minutes", 25)])
def test_a_number_of_minutes_says_how_far_away(client, restaurant, party, body, minutes):
    reply(client, body)
    assert state(restaurant, party).eta_minutes == minutes and state(restaurant, party).on_my_way_ms is None


def test_anything_else_becomes_a_note_for_the_host(client, restaurant, party):
    reply(client, "Running late, parking the car <b>")
    assert state(restaurant, party).reply_note == "Running late, parking the car <b>"


def test_stop_ends_texts_and_forgets_the_number(client, restaurant, party):
    assert "<Message>" not in reply(client, "STOP").content.decode()  # Twilio confirms opt-outs itself
    assert state(restaurant, party).channels == ""
    assert contacts.party_for_phone(PHONE) is None
    assert contacts.contacts(restaurant_id=restaurant.id, party_id=party).phone == ""


def test_a_bad_signature_is_refused_and_changes_nothing(client, restaurant, party):
    before = state(restaurant, party)
    for signature in ("", "forged", sign("http://testserver/notify/sms/twilio", {"Body": "9"})):
        response = reply(client, "9", signature=signature)
        assert response.status_code == 403
    assert state(restaurant, party) == before


def test_a_signature_for_other_words_is_refused(client, restaurant, party):
    params = {"From": PHONE, "To": "+15005550006", "Body": "1"}
    signature = sign("http://testserver/notify/sms/twilio", params)
    response = client.post(INBOUND, {**params, "Body": "9"}, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 403
    assert state(restaurant, party).state == "waiting"


def test_a_reply_from_an_unknown_number_acts_on_nobody(client, restaurant, party):
    response = reply(client, "9", sender="+447700900999")
    assert "could not find" in response.content.decode()
    assert state(restaurant, party).state == "waiting"


def test_delivery_reports_show_on_the_party(client, restaurant, party):
    path = f"/notify/sms/twilio/status?r={restaurant.id}&p={party}"
    params = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    response = client.post(path, params, HTTP_X_TWILIO_SIGNATURE=sign(f"http://testserver{path}", params))
    assert response.status_code == 204
    assert state(restaurant, party).message_state == "delivered"
    response = client.post(path, {**params, "MessageStatus": "undelivered"}, HTTP_X_TWILIO_SIGNATURE="forged")
    assert response.status_code == 403 and state(restaurant, party).message_state == "delivered"
