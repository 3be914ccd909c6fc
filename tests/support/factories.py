"""Test data built the way the product builds it: restaurants with tables and counter seats,
staff users, and the fixed clock of tests that drive time."""

from django.contrib.auth.models import User

from restaurants.models import Restaurant, StaffMembership, Table
from waitlist.redis_client import get_redis

T0 = 1_800_000_000_000  # a fixed "now" in ms for tests that drive the clock


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


def make_user(username, *, restaurant=None, superuser=False):
    if superuser:
        return User.objects.create_superuser(username, f"{username}@example.com", "pass-word-123")
    user = User.objects.create_user(username, password="pass-word-123")
    if restaurant is not None:
        StaffMembership.objects.create(user=user, restaurant=restaurant)
    return user
