"""The live queue queues each diner message in the same script as the change that causes
it, only for diners with a channel on, and keeps contact details apart from everything else
(never in snapshots, the visit history or other diners' answers), for a while only."""

import pytest

from domain.durations import MINUTE_MS as MIN
from restaurants.models import Visit
from tests.support.factories import T0
from waitlist import contacts, outbox, queue
from waitlist.keys import keys_for
from waitlist.redis_client import get_redis
from waitlist.visits import record_ended

PHONE = "+447911123456"


def queued(restaurant) -> list[tuple[str, dict]]:
    """(kind, fields) of every message in the restaurant's outbox, oldest first."""
    entries = get_redis().xrange(keys_for(restaurant.id).outbox)
    decoded = []
    for _, raw in entries:
        fields = {k.decode(): v.decode() for k, v in raw.items()}
        decoded.append((fields.pop("k"), fields))
    return decoded


def kinds(restaurant) -> list[str]:
    return [kind for kind, _ in queued(restaurant)]


def join(restaurant, name="Ann", *, phone="", email="", now=T0, **kw):
    return queue.join(restaurant=restaurant, name=name, size=2, preference="table", diner=f"d-{name}",
                      request_id=f"r-{name}-1", phone=phone, email=email, language="en", now_ms=now, **kw).party_id


def test_a_diner_without_a_channel_gets_nothing_queued(restaurant, tables):
    pid = join(restaurant)
    queue.offer(restaurant=restaurant, party_id=pid, table_ids=[tables["T1"]], kind="table", now_ms=T0)
    queue.leave(restaurant=restaurant, party_id=pid, state="expired", reason="no_show", now_ms=T0 + MIN)
    assert queued(restaurant) == []


def test_join_with_a_phone_queues_joined_and_an_offer_queues_ready_with_its_deadline(restaurant, tables):
    pid = join(restaurant, phone=PHONE)
    change = queue.offer(restaurant=restaurant, party_id=pid, table_ids=[tables["T2"]], kind="table", now_ms=T0)
    assert queued(restaurant) == [
        ("joined", {"p": str(pid), "at": str(T0)}),
        ("ready", {"p": str(pid), "at": str(T0), "dl": str(change.deadline_ms), "tb": str(tables["T2"])}),
    ]
    party = queue.status(restaurant=restaurant, party_id=pid)
    assert (party.channels, party.phone_last4, party.message_kind, party.message_state) == ("s", "3456", "ready",
                                                                                           "queued")


def test_every_change_a_diner_should_hear_of_queues_once(restaurant, tables, settings):
    settings.NOTIFY_HOLD_REMINDER_MINUTES = 2
    restaurant.service_limit_minutes, restaurant.service_warning_minutes = 30, 5
    restaurant.save()
    a, b, c = join(restaurant, "A", email="a@example.com"), join(restaurant, "B", phone=PHONE), \
        join(restaurant, "C", email="c@example.com")
    queue.offer(restaurant=restaurant, party_id=a, table_ids=[tables["T1"]], kind="table", now_ms=T0)
    queue.notify_again(restaurant=restaurant, party_id=a, extend_minutes=5, now_ms=T0 + MIN)
    queue.fire_due(restaurant=restaurant, now_ms=T0 + 13 * MIN)  # 2 minutes before the extended deadline
    queue.check_in(restaurant=restaurant, party_id=a, now_ms=T0 + 14 * MIN)
    queue.fire_due(restaurant=restaurant, now_ms=T0 + 40 * MIN)  # A's table is wanted soon
    queue.leave(restaurant=restaurant, party_id=b, reason="removed", now_ms=T0 + 41 * MIN)
    queue.offer(restaurant=restaurant, party_id=c, table_ids=[tables["T2"]], kind="table", now_ms=T0 + 41 * MIN)
    queue.fire_due(restaurant=restaurant, now_ms=T0 + 50 * MIN)  # C is reminded
    queue.fire_due(restaurant=restaurant, now_ms=T0 + 52 * MIN)  # and never came
    assert [(kind, int(fields["p"])) for kind, fields in queued(restaurant)] == [
        ("joined", a), ("joined", b), ("joined", c), ("ready", a), ("extended", a), ("hold_expiring", a),
        ("limit_soon", a), ("removed", b), ("ready", c), ("hold_expiring", c), ("no_show", c)]
    queue.fire_due(restaurant=restaurant, now_ms=T0 + 60 * MIN)
    assert len(queued(restaurant)) == 11  # nothing fires twice


def test_a_host_message_reaches_each_waiting_and_ready_diner_with_a_channel(restaurant, tables):
    waiting, quiet, ready = join(restaurant, "W", phone=PHONE), join(restaurant, "Q"), join(restaurant, "R",
                                                                                           email="r@example.com")
    queue.offer(restaurant=restaurant, party_id=ready, table_ids=[tables["T1"]], kind="table", now_ms=T0)
    queue.announce(restaurant=restaurant, text="Running 10 minutes late", html="<p>x</p>", now_ms=T0 + 1)
    notices = [(int(f["p"]), f["t"]) for kind, f in queued(restaurant) if kind == "notice"]
    assert sorted(notices) == sorted([(waiting, "Running 10 minutes late"), (ready, "Running 10 minutes late")])
    assert quiet not in [pid for pid, _ in notices]


def test_getting_close_and_a_longer_wait_are_told_once(restaurant):
    pid = join(restaurant, phone=PHONE, quote=(10, 20))
    assert contacts.getting_close(restaurant=restaurant, party_id=pid) is True
    assert contacts.getting_close(restaurant=restaurant, party_id=pid) is False
    assert contacts.wait_grew(restaurant=restaurant, party_id=pid, wait=(20, 30)) is False  # within 15 minutes
    assert contacts.wait_grew(restaurant=restaurant, party_id=pid, wait=(30, 40)) is True
    assert contacts.wait_grew(restaurant=restaurant, party_id=pid, wait=(30, 41)) is False  # told 40 now
    assert kinds(restaurant) == ["joined", "close", "later"]
    assert queued(restaurant)[-1][1]["hi"] == "40"


def test_turning_a_channel_on_later_confirms_on_that_channel_only(restaurant):
    pid = join(restaurant)
    assert contacts.add_email(restaurant=restaurant, party_id=pid, email="ann@example.com") == "e"
    assert contacts.add_phone(restaurant=restaurant, party_id=pid, phone=PHONE) == "se"
    assert [(k, f["c"]) for k, f in queued(restaurant)] == [("confirm", "e"), ("confirm", "s")]
    assert contacts.remove(restaurant=restaurant, party_id=pid, channel=contacts.EMAIL) == "s"
    assert contacts.remove(restaurant=restaurant, party_id=pid) == ""
    assert get_redis().exists(keys_for(restaurant.id).contact(pid)) == 0
    assert queue.status(restaurant=restaurant, party_id=pid).phone_last4 == ""


def test_contact_details_stay_out_of_snapshots_and_the_visit_history(restaurant, tables):
    pid = join(restaurant, phone=PHONE, email="ann@example.com")
    snapshot_text = repr(queue.snapshot(restaurant=restaurant))
    assert PHONE not in snapshot_text and "ann@example.com" not in snapshot_text
    queue.leave(restaurant=restaurant, party_id=pid, now_ms=T0 + MIN)
    record_ended(restaurant=restaurant)
    visit = Visit.objects.get(party_number=pid)
    stored = " ".join(str(value) for value in vars(visit).values())
    assert PHONE not in stored and "ann@example.com" not in stored and "3456" not in stored
    assert visit.guest_key == contacts.guest_key(PHONE) != ""
    # The same guest on another night: the same key, so repeat guests can be counted.
    assert contacts.guest_key(" +447911123456 ") == visit.guest_key


def test_contact_details_expire_after_the_party_ends(restaurant, settings):
    settings.CONTACT_RETENTION_SECONDS = 1
    pid = join(restaurant, phone=PHONE)
    key = keys_for(restaurant.id).contact(pid)
    assert get_redis().ttl(key) == -1  # kept while the party is active
    queue.leave(restaurant=restaurant, party_id=pid, now_ms=T0 + MIN)
    assert 0 < get_redis().pttl(key) <= 1000


def test_a_forgotten_party_takes_its_contacts_along(restaurant, settings):
    pid = join(restaurant, phone=PHONE)
    queue.leave(restaurant=restaurant, party_id=pid, now_ms=T0)
    get_redis().persist(keys_for(restaurant.id).contact(pid))
    queue.fire_due(restaurant=restaurant, now_ms=T0 + settings.ENDED_PARTY_TTL * 1000 + 1)
    assert get_redis().exists(keys_for(restaurant.id).contact(pid)) == 0


def test_an_ended_party_takes_no_new_contacts(restaurant):
    pid = join(restaurant)
    queue.leave(restaurant=restaurant, party_id=pid, now_ms=T0)
    from waitlist.errors import StaleAction

    with pytest.raises(StaleAction):
        contacts.add_phone(restaurant=restaurant, party_id=pid, phone=PHONE)


def test_the_worker_claims_a_message_once_and_a_dead_workers_after_it_idled(restaurant):
    join(restaurant, phone=PHONE)
    outbox.ensure_group(restaurant.id)
    first = outbox.read_new(restaurant.id, "one")
    assert [m.kind for m in first] == ["joined"] and outbox.read_new(restaurant.id, "two") == []
    assert outbox.claim_stale(restaurant.id, "two", idle_ms=60_000) == []  # "one" is not idle yet
    again = outbox.claim_stale(restaurant.id, "two", idle_ms=0)
    assert [(m.entry_id, m.attempts) for m in again] == [(first[0].entry_id, 2)]
    outbox.record(again[0], channel="s", outcome="done", detail="SM1", finished=True)
    assert outbox.pending_count(restaurant.id) == 0 and outbox.claim_stale(restaurant.id, "three", 0) == []
