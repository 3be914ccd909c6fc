import pytest
from django.contrib.auth.models import User

from restaurants.models import Restaurant, StaffMembership, Table
from tests.redis_servers import Server
from waitlist import redis_client
from waitlist.redis_client import get_redis

T0 = 1_800_000_000_000  # a fixed "now" in ms for tests that drive the clock


@pytest.fixture(autouse=True)
def clean_redis():
    """Each test starts from an empty live queue. Restaurant ids repeat between tests
    (the database rolls back), so leftover keys would otherwise leak into the next test."""
    get_redis().flushdb()
    yield


def all_keys() -> list[bytes]:
    """Every key on the server, or on every primary of a Cluster."""
    r = get_redis()
    if r.__class__.__name__ == "RedisCluster":
        return r.keys("*", target_nodes=r.PRIMARIES)
    return r.keys("*")


def make_restaurant(slug="testbistro", *, tables=((2, "table"), (2, "table"), (4, "table"), (6, "table")),
                    counter=4, **fields) -> Restaurant:
    defaults = dict(name=slug.title(), is_open=True, max_party_size=6, checkin_timeout_minutes=10)
    defaults.update(fields)
    restaurant = Restaurant.objects.create(slug=slug, **defaults)
    position = 0
    for number, (seats, kind) in enumerate(tables, start=1):
        position += 1
        Table.objects.create(restaurant=restaurant, label=f"T{number}", seats=seats, kind=kind, position=position)
    for number in range(1, counter + 1):
        Table.objects.create(restaurant=restaurant, label=f"C{number}", seats=1, kind="counter", position=100 + number)
    return restaurant


@pytest.fixture
def restaurant(db):
    return make_restaurant()


@pytest.fixture
def host(db, restaurant):
    user = User.objects.create_user("host", password="hostpass-123")
    StaffMembership.objects.create(user=user, restaurant=restaurant)
    return user


@pytest.fixture
def own_redis(settings):
    """Point this test process's live-queue client at a server the test controls."""
    started = []

    def use(server: Server) -> Server:
        started.append(server)
        settings.REDIS_URL = server.url
        redis_client.reset_redis()
        return server

    yield use
    redis_client.reset_redis()
    for server in started:
        server.stop()
