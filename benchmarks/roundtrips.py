"""Redis round trips per live-queue operation, counted on the wire, not assumed.

Every request the client writes to a socket is one round trip (a pipeline would be one
too); the counting connection class sees them all.
"""

from redis import Connection, ConnectionPool, Redis

from .harness import Result


class CountingConnection(Connection):
    sent = 0

    def send_packed_command(self, command, check_health=True):
        CountingConnection.sent += 1
        return super().send_packed_command(command, check_health)


def counting_client(url: str) -> Redis:
    pool = ConnectionPool.from_url(url, connection_class=CountingConnection, health_check_interval=0)
    return Redis(connection_pool=pool)


def run() -> list[Result]:
    from django.conf import settings

    from waitlist import queue, redis_client

    from . import fixtures

    place = fixtures.restaurant(slug="roundtrips", seating_policy="host")
    redis_client.reset_redis()
    redis_client._client = counting_client(settings.REDIS_URL)
    table = place.tables.filter(kind="table", seats__gte=2).first()

    def count(fn):
        CountingConnection.sent = 0
        fn()
        return CountingConnection.sent

    # Warm up: load every script into the server once (a later NOSCRIPT would add trips).
    warm = queue.join(restaurant=place, name="Warm", size=2, preference="table", diner="w", request_id="warm-request")
    queue.status(restaurant=place, party_id=warm.party_id)
    queue.offer(restaurant=place, party_id=warm.party_id, table_ids=[table.id], kind="table")
    queue.check_in(restaurant=place, party_id=warm.party_id)
    queue.complete(restaurant=place, party_id=warm.party_id)
    queue.table_ready(restaurant=place, table_id=table.id)
    other = queue.join(restaurant=place, name="Warm 2", size=2, preference="table", diner="w2", request_id="warm-2")
    queue.leave(restaurant=place, party_id=other.party_id)

    counts = {}
    joined = {}
    counts["join"] = count(lambda: joined.setdefault("a", queue.join(
        restaurant=place, name="A", size=2, preference="table", diner="a", request_id="request-a")))
    pid = joined["a"].party_id
    counts["status"] = count(lambda: queue.status(restaurant=place, party_id=pid))
    counts["offer"] = count(lambda: queue.offer(restaurant=place, party_id=pid, table_ids=[table.id], kind="table"))
    counts["check_in"] = count(lambda: queue.check_in(restaurant=place, party_id=pid))
    counts["complete"] = count(lambda: queue.complete(restaurant=place, party_id=pid))
    queue.table_ready(restaurant=place, table_id=table.id)
    leaver = queue.join(restaurant=place, name="B", size=2, preference="table", diner="b", request_id="request-b")
    counts["leave"] = count(lambda: queue.leave(restaurant=place, party_id=leaver.party_id))
    redis_client.reset_redis()
    worst = max(counts.values())
    best = min(counts.values())
    return [Result("redis round trips per operation (each must be 1)", float(worst), target=1.0, raw=counts,
                   note="join, leave, offer, check_in, complete, status" + ("" if best == worst else " differ"))]
