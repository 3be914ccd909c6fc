"""A no-show or a removal the host takes back: a diner already told of it gets one short
apology on the channels they chose, saying where they stand now (back at place N, or the
table still held until HH:MM); a diner not yet told gets neither message. Delivered through the
loopback Twilio API, Django's locmem email and the loopback push service."""

import json

from django.core import mail

from tests.support.notify import deliver_all
from waitlist import contacts, floor, queue

PHONE = "+447911123456"


def join(restaurant, name, **kw):
    return queue.join(restaurant=restaurant, name=name, size=2, preference="table", diner=f"d-{name}",
                      request_id=f"r-{name}-1", language="en", **kw).party_id


def texts(twilio) -> list[str]:
    return [sent.form["Body"] for sent in twilio.sent]


def test_a_removal_taken_back_after_its_message_went_out_brings_one_apology_with_the_place(restaurant, twilio):
    join(restaurant, "Bob")
    ann = join(restaurant, "Ann", phone=PHONE, email="ann@example.com")
    queue.leave(restaurant=restaurant, party_id=ann, reason="removed", undoable=True)
    deliver_all(restaurant)
    assert "taken you off the waitlist" in texts(twilio)[-1] and "taken you off" in mail.outbox[-1].subject
    texts_before, mails_before = len(twilio.sent), len(mail.outbox)
    floor.undo(restaurant=restaurant, party_id=ann)
    deliver_all(restaurant)
    deliver_all(restaurant)  # nothing more: once
    assert texts(twilio)[texts_before:] == [f"{restaurant.name}: Sorry, our mistake: you're back on the list at place 2."]
    [apology] = mail.outbox[mails_before:]
    assert apology.to == ["ann@example.com"] and "back on the list at place 2" in apology.subject
    assert queue.status(restaurant=restaurant, party_id=ann).message_kind == "restored"


def test_a_no_show_taken_back_says_the_table_is_still_held_and_on_push_quietly(restaurant, tables, twilio,
                                                                            push_service):
    rita = join(restaurant, "Rita", phone=PHONE)
    subscription = push_service.subscribe()
    contacts.add_push(restaurant=restaurant, party_id=rita, subscription=json.dumps(subscription),
                      endpoint=subscription["endpoint"])
    queue.offer(restaurant=restaurant, party_id=rita, table_ids=[tables["T1"]], kind="table")
    queue.leave(restaurant=restaurant, party_id=rita, state="expired", reason="no_show", undoable=True)
    deliver_all(restaurant)
    assert "table hold expired" in texts(twilio)[-1]
    before, pushed = len(twilio.sent), len(push_service.received)
    floor.undo(restaurant=restaurant, party_id=rita)
    deliver_all(restaurant)
    [text] = texts(twilio)[before:]
    assert "Sorry, our mistake: your table is still held for you until" in text
    [push] = push_service.received[pushed:]
    assert push.payload["kind"] == "restored" and push.payload["quiet"] is True and push.payload["urgent"] is False


def test_taken_back_before_its_message_went_out_the_diner_hears_of_neither(restaurant, twilio):
    ann = join(restaurant, "Ann", phone=PHONE, email="ann@example.com")
    deliver_all(restaurant)  # "you're on the waitlist"
    before, mails_before = len(twilio.sent), len(mail.outbox)
    queue.leave(restaurant=restaurant, party_id=ann, reason="removed", undoable=True)
    floor.undo(restaurant=restaurant, party_id=ann)
    deliver_all(restaurant)
    assert twilio.sent[before:] == [] and mail.outbox[mails_before:] == []
    assert queue.status(restaurant=restaurant, party_id=ann).state == "waiting"


def test_a_spanish_diner_is_told_in_spanish(restaurant, twilio):
    ann = queue.join(restaurant=restaurant, name="Ana", size=2, preference="table", diner="d-ana",
                     request_id="r-ana-1", language="es", phone=PHONE).party_id
    queue.leave(restaurant=restaurant, party_id=ann, reason="removed", undoable=True)
    deliver_all(restaurant)
    floor.undo(restaurant=restaurant, party_id=ann)
    deliver_all(restaurant)
    assert texts(twilio)[-1] == f"{restaurant.name}: Perdona, fue un error nuestro: vuelves a estar en la lista, " \
                                "en el puesto 1."
