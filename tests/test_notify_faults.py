"""The outbox under faults: a delivery worker killed with a message claimed and not
acknowledged, and Redis away for 30 seconds during a storm of offers. Nothing a host was
told had happened goes untold, and nothing is told twice."""

import time
from collections import Counter

import pytest
import redis as redis_lib

from tests.support.factories import make_restaurant
from tests.support.redis_servers import ManagedCommand, Server, wait_until
from tests.support.twilio_stub import ACCOUNT, FROM, TOKEN
from waitlist import outbox, queue
from waitlist.redis_client import get_redis


def notifier(twilio, **env) -> ManagedCommand:
    return ManagedCommand("run_notifier", "--threads", "4", SMS_BACKEND="twilio", TWILIO_BASE_URL=twilio.url,
                          TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_AUTH_TOKEN=TOKEN, TWILIO_FROM=FROM,
                          NOTIFY_CLAIM_IDLE_SECONDS="2", **env)


def phone(n: int) -> str:
    return f"+1415555{n:04d}"


def joined_texts(twilio) -> list:
    return [s for s in twilio.sent if "on the waitlist" in s.form["Body"]]


def join(restaurant, n: int) -> int:
    return queue.join(restaurant=restaurant, name=f"P{n}", size=2, preference="table", diner=f"d{n}",
                      request_id=f"r-{n}-req", phone=phone(n), language="en").party_id


def test_a_worker_killed_between_claiming_and_acknowledging_loses_nothing_and_repeats_nothing(transactional_db,
                                                                                             twilio):
    restaurant = make_restaurant("bistro")
    twilio.fail_next = 1  # the first attempt fails: the worker holds the message, waiting to retry
    first = notifier(twilio).start()
    try:
        join(restaurant, 1)
        wait_until(lambda: twilio.attempts >= 1, 20, what="the first attempt")
        first.kill()  # claimed, not acknowledged
        assert outbox.pending_count(restaurant.id) >= 1 and not joined_texts(twilio)
        second = notifier(twilio).start()
        try:
            wait_until(lambda: outbox.pending_count(restaurant.id) == 0, 30, what="delivered after the restart")
            time.sleep(3)  # past another claim interval: nothing goes out again
        finally:
            second.stop()
    finally:
        first.stop()
    assert len(joined_texts(twilio)) == 1  # once
    # Every message that was queued went out once ("joined", and "getting close": first in line).
    assert max(Counter(s.form["Body"] for s in twilio.sent).values()) == 1


def test_a_worker_killed_while_the_provider_takes_the_message_sends_it_again_at_most_once(transactional_db,
                                                                                         twilio):
    """The one window the outbox cannot close (docs/notifications.md): the provider took the
    message, the worker died before recording it. The message is sent again, once."""
    restaurant = make_restaurant("bistro")
    twilio.delay = 3
    first = notifier(twilio).start()
    try:
        join(restaurant, 1)
        wait_until(lambda: twilio.attempts >= 1, 20, what="the provider call")
        first.kill()
        twilio.delay = 0
        second = notifier(twilio).start()
        try:
            wait_until(lambda: outbox.pending_count(restaurant.id) == 0, 30, what="delivered after the restart")
            time.sleep(3)
        finally:
            second.stop()
    finally:
        first.stop()
    assert len(joined_texts(twilio)) == 2


@pytest.mark.own_servers
def test_redis_away_30_seconds_during_an_offer_storm_loses_no_acknowledged_message(transactional_db, twilio,
                                                                                   own_redis, settings):
    settings.REDIS_SOCKET_TIMEOUT = 0.5
    server = own_redis(Server(config={"appendonly": "yes", "appendfsync": "always"}).start())
    places = [make_restaurant(f"place{n}", tables=((2, "table"),) * 25, counter=0) for n in range(4)]
    tables = {p.id: list(p.tables.values_list("id", flat=True)) for p in places}
    worker = notifier(twilio, REDIS_URL=server.url, REDIS_SOCKET_TIMEOUT="0.5").start()
    acknowledged, refused, n = [], 0, 0
    try:
        started = time.monotonic()
        down_at, up_at = started + 3, started + 33
        killed = restarted = False
        while time.monotonic() < up_at + 4:
            if not killed and time.monotonic() >= down_at:
                server.kill()
                killed = True
            if killed and not restarted and time.monotonic() >= up_at:
                server.start()  # same port, same append-only file
                restarted = True
            place = places[n % len(places)]
            n += 1
            if n > 4 * 25:
                time.sleep(0.05)
                continue
            try:
                pid = join(place, n)
                queue.offer(restaurant=place, party_id=pid, table_ids=[tables[place.id][(n - 1) // 4]],
                            kind="table")
                acknowledged.append(n)  # the host was told the table was offered
            except (redis_lib.ConnectionError, redis_lib.TimeoutError):
                refused += 1
            time.sleep(0.1)
        wait_until(lambda: sum(outbox.pending_count(p.id) for p in places) == 0, 60, what="the outbox drained")
    finally:
        worker.stop()
    assert refused > 0 and len(acknowledged) > 20  # the storm met the outage
    told = Counter(s.form["To"] for s in twilio.sent if "table is ready" in s.form["Body"])
    assert {phone(k) for k in acknowledged} <= set(told), "an acknowledged offer was never told"
    assert max(told.values()) == 1, "an offer was told twice"
    assert get_redis().ping()
