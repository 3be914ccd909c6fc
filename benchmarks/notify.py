"""How fast a diner hears of a table: the time from an offer (the moment its script returned,
when the host is told it happened) to the provider's request for its "table ready" text,
with 100 offers a second spread over 40 restaurants and one delivery worker
(``manage.py run_notifier``, its default threads) sending to a stub of Twilio's API on
loopback. And what a queued message costs Redis.
"""

import statistics
import time

from .harness import Result

RESTAURANTS, PER_SECOND, SECONDS = 40, 100, 10
TABLES = PER_SECOND * SECONDS // RESTAURANTS  # one table per offer
QUEUED = 1000
TARGET_P99_S = 1.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run() -> list[Result]:
    from tests.support.redis_servers import ManagedCommand, wait_until
    from tests.support.twilio_stub import ACCOUNT, FROM, TOKEN, TwilioStub
    from waitlist import outbox, queue
    from waitlist.keys import keys_for
    from waitlist.redis_client import get_redis

    from . import fixtures

    places = [fixtures.restaurant(slug=f"notify-{n}", tables=TABLES, counter=0) for n in range(RESTAURANTS)]
    tables = {p.id: list(p.tables.values_list("id", flat=True)) for p in places}
    parties = []  # (restaurant, party id, phone)
    for n in range(PER_SECOND * SECONDS):
        place = places[n % RESTAURANTS]
        phone = f"+1415{n:07d}"
        pid = queue.join(restaurant=place, name=f"P{n}", size=2, preference="table", diner=f"n-{n}",
                         request_id=f"notify-{n}-req", phone=phone, language="en").party_id
        parties.append((place, pid, phone))
    stub = TwilioStub().start()
    worker = ManagedCommand("run_notifier", SMS_BACKEND="twilio", TWILIO_BASE_URL=stub.url,
                            TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_AUTH_TOKEN=TOKEN, TWILIO_FROM=FROM,
                            LOG_LEVEL="WARNING").start()
    offered_at: dict[str, float] = {}
    try:
        # The "joined" texts first, so that the measured minute is the offers'.
        wait_until(lambda: sum(outbox.pending_count(p.id) for p in places) == 0, 300, what="joined texts sent")
        time.sleep(3)  # the "getting close" texts the first in line get
        started = time.monotonic()
        for n, (place, pid, phone) in enumerate(parties):
            due = started + n / PER_SECOND
            time.sleep(max(0.0, due - time.monotonic()))
            queue.offer(restaurant=place, party_id=pid, table_ids=[tables[place.id][n // RESTAURANTS]], kind="table")
            offered_at[phone] = time.monotonic()
        wait_until(lambda: sum(1 for s in stub.sent if "table is ready" in s.form["Body"]) >= len(parties), 120,
                   what="every offer told")
    finally:
        worker.stop()
        stub.stop()
    latencies = [s.at - offered_at[s.form["To"]] for s in stub.sent if "table is ready" in s.form["Body"]]
    p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)

    # Bytes per queued message: an outbox nobody reads, of "table ready" messages.
    place = fixtures.restaurant(slug="notify-bytes", tables=1, counter=0)
    key = keys_for(place.id).outbox
    r = get_redis()
    for n in range(QUEUED):
        r.xadd(key, {"k": "ready", "p": str(n + 1), "at": str(1_800_000_000_000 + n), "dl": str(1_800_000_600_000 + n),
                     "tb": "12"})
    per_message = r.memory_usage(key, samples=0) / QUEUED
    return [
        Result("state change to provider request, p99 (100 offers/s, 40 restaurants)", p99, target=TARGET_P99_S,
               unit="s", raw={"p50_ms": p50 * 1000, "p99_ms": p99 * 1000, "offers": len(latencies),
                              "texts_sent": len(stub.sent), "seconds": SECONDS}),
        Result("outbox bytes per queued message", per_message, unit=" B",
               raw={"messages": QUEUED, "stream_bytes": per_message * QUEUED},
               note="a table-ready message as the scripts queue it; removed once delivered"),
    ]
