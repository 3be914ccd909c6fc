"""Messages reach the diner: a web push encrypted for the subscription and signed with the
app's VAPID key, a text through Twilio's API, an email with a text and an HTML part; what
happened shows on the party for the host, and a channel that fails is retried or given up."""

import threading
import time

import pytest
from django.core import mail

from notifications import delivery
from notifications.worker import Notifier
from tests.support.notify import deliver_all
from tests.support.twilio_stub import ACCOUNT, FROM
from waitlist import contacts, outbox, queue

PHONE = "+447911123456"


def join(restaurant, name="Ann", **kw):
    return queue.join(restaurant=restaurant, name=name, size=2, preference="table", diner=f"d-{name}",
                      request_id=f"r-{name}-1", language="en", **kw).party_id


def subscribe(restaurant, party_id, push_service) -> dict:
    subscription = push_service.subscribe()
    import json

    contacts.add_push(restaurant=restaurant, party_id=party_id, subscription=json.dumps(subscription),
                      endpoint=subscription["endpoint"])
    return subscription


@pytest.mark.django_db(transaction=True)  # the worker's threads read the restaurant with their own connections
def test_an_offer_reaches_the_phone_as_one_decryptable_push(restaurant, tables, push_service,
                                                                           settings):
    settings.NOTIFY_CLAIM_IDLE_SECONDS = 60
    pid = join(restaurant)
    subscribe(restaurant, pid, push_service)
    notifier = Notifier(threads=2)
    runner = threading.Thread(target=notifier.run_forever, daemon=True)
    runner.start()
    try:
        deadline = time.monotonic() + 5
        while not push_service.received and time.monotonic() < deadline:  # the confirmation first
            time.sleep(0.02)
        offered = time.monotonic()
        queue.offer(restaurant=restaurant, party_id=pid, table_ids=[tables["T3"]], kind="table")
        while not any(p.payload["kind"] == "ready" for p in push_service.received) and \
                time.monotonic() < offered + 5:
            time.sleep(0.01)
        time.sleep(0.5)  # nothing more comes
    finally:
        notifier.stop()
    assert push_service.refused == []
    readies = [p for p in push_service.received if p.payload["kind"] == "ready"]
    assert len(readies) == 1, [p.payload["kind"] for p in push_service.received]
    # Before it, only the confirmation (and "getting close": first in line, a table free).
    assert {p.payload["kind"] for p in push_service.received} - {"ready"} <= {"confirm", "close"}
    # How fast is `make bench` (notify: p99 under a second at 100 offers/s), not a timed test.
    assert readies[0].at >= offered
    ready = readies[0].payload
    assert ready["title"] == restaurant.name and "T3" in ready["body"] and "check in by" in ready["body"]
    token = queue.status(restaurant=restaurant, party_id=pid).token
    assert ready["url"].endswith(f"/waitlist/{restaurant.slug}/p/{token}/")
    assert ready["act"]["party"] == pid and ready["urgent"] is True
    assert readies[0].headers["urgency"] == "high"
    assert queue.status(restaurant=restaurant, party_id=pid).message_state == "sent"


def test_a_text_goes_through_twilios_api_well_formed(restaurant, tables, twilio):
    pid = join(restaurant, phone=PHONE)
    queue.offer(restaurant=restaurant, party_id=pid, table_ids=[tables["T1"]], kind="table")
    assert [r.finished for r in deliver_all(restaurant)] == [True, True]
    joined, ready = twilio.sent
    assert ready.path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert ready.form["To"] == PHONE and ready.form["From"] == FROM
    assert ready.form["Body"].startswith(f"{restaurant.name}: Your table is ready: T1.")
    assert "Reply 1" in ready.form["Body"] and len(ready.form["Body"]) <= 160  # one SMS segment
    assert "STOP" in joined.form["Body"] and f"/w/{restaurant.id}/" in joined.form["Body"]
    party = queue.status(restaurant=restaurant, party_id=pid)
    assert (party.message_kind, party.message_channel, party.message_state) == ("ready", "s", "sent")
    assert outbox.pending_count(restaurant.id) == 0


def test_an_email_has_a_text_and_an_html_part_and_the_link(restaurant, tables):
    pid = join(restaurant, email="ann@example.com")
    queue.offer(restaurant=restaurant, party_id=pid, table_ids=[tables["T1"]], kind="table")
    deliver_all(restaurant)
    joined, ready = mail.outbox
    assert ready.to == ["ann@example.com"] and "Your table is ready" in ready.subject
    token = queue.status(restaurant=restaurant, party_id=pid).token
    assert f"/waitlist/{restaurant.slug}/p/{token}/" in ready.body
    html, mime = ready.alternatives[0]
    assert mime == "text/html" and f"/p/{token}/" in html and "<a href=" in html
    assert ready.extra_headers["Message-ID"].endswith("@waitlist>")


def test_a_failing_provider_is_retried_then_the_message_sent_once(restaurant, twilio):
    twilio.fail_next = 1
    pid = join(restaurant, phone=PHONE)
    [first] = deliver_all(restaurant)
    assert first == delivery.Result(finished=False, retry=True)
    assert queue.status(restaurant=restaurant, party_id=pid).message_state == "queued"
    [again] = outbox.claim_stale(restaurant.id, "test", idle_ms=0)
    assert delivery.deliver(restaurant, again).finished
    assert twilio.attempts == 2 and len(twilio.sent) == 1
    assert outbox.claim_stale(restaurant.id, "test", idle_ms=0) == []


def test_a_number_that_cannot_get_texts_is_given_up_and_shown_failed(restaurant, twilio):
    twilio.error_code = 21211
    pid = join(restaurant, phone=PHONE)
    assert deliver_all(restaurant) == [delivery.Result(finished=True)]
    assert queue.status(restaurant=restaurant, party_id=pid).message_state == "failed"


def test_a_subscription_the_browser_dropped_is_forgotten(restaurant, push_service):
    pid = join(restaurant)
    subscribe(restaurant, pid, push_service)
    push_service.status = 410
    deliver_all(restaurant)
    assert queue.status(restaurant=restaurant, party_id=pid).channels == ""


def test_a_channel_that_took_the_message_is_not_sent_it_again_when_claimed_again(restaurant, twilio):
    pid = join(restaurant, phone=PHONE, email="ann@example.com")
    [message] = outbox.read_new(restaurant.id, "test")
    outbox.record(message, channel="s", outcome="done", detail="SM-earlier")  # then the worker died
    [again] = outbox.claim_stale(restaurant.id, "other", idle_ms=0)
    assert delivery.deliver(restaurant, again).finished
    assert twilio.sent == [] and len(mail.outbox) == 1  # only the email had not gone out
    assert queue.status(restaurant=restaurant, party_id=pid).message_state == "sent"


@pytest.mark.parametrize("kind, words", [
    ("no_show", "Call us at +44 20 7946 0000"), ("removed", "taken you off the waitlist"),
])
def test_an_ending_the_host_caused_says_how_to_reach_the_restaurant(restaurant, tables, twilio, kind, words):
    restaurant.phone = "+44 20 7946 0000"
    restaurant.save()
    pid = join(restaurant, phone=PHONE)
    if kind == "no_show":
        queue.leave(restaurant=restaurant, party_id=pid, state="expired", reason="no_show")
    else:
        queue.leave(restaurant=restaurant, party_id=pid, reason="removed")
    deliver_all(restaurant)
    assert words in twilio.sent[-1].form["Body"]


def test_an_extended_hold_is_told_quietly_and_is_no_new_table_ready_alarm(restaurant, tables, push_service):
    pid = join(restaurant)
    subscribe(restaurant, pid, push_service)
    queue.offer(restaurant=restaurant, party_id=pid, table_ids=[tables["T3"]], kind="table")
    deliver_all(restaurant)
    before = queue.status(restaurant=restaurant, party_id=pid)
    queue.notify_again(restaurant=restaurant, party_id=pid, extend_minutes=5)
    deliver_all(restaurant)
    after = queue.status(restaurant=restaurant, party_id=pid)
    assert after.notified == before.notified == 1  # the page's alarm key did not move
    assert after.deadline_ms == before.deadline_ms + 5 * 60_000
    last = push_service.received[-1].payload
    assert last["kind"] == "extended" and last["quiet"] is True and last["urgent"] is False
    assert "Your hold was extended to" in last["body"] and "act" not in last
    queue.notify_again(restaurant=restaurant, party_id=pid)  # "notify again" is an alarm again
    deliver_all(restaurant)
    assert queue.status(restaurant=restaurant, party_id=pid).notified == 2
    assert push_service.received[-1].payload["quiet"] is False
