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


def three_weeks_of_meals(restaurant, monday):
    """Three weeks of couples' meals at T1 from ``monday`` (a Monday, midnight): three lunches
    of 40 minutes a day at 12:00, and dinners at 20:00 of 80 minutes (three a night) or, on
    Saturdays, 110 minutes (eleven)."""
    from datetime import timedelta

    from restaurants.models import Visit

    visits = []

    def meal(day, hour, minute, minutes):
        seated = monday + timedelta(days=day, hours=hour, minutes=minute)
        visits.append(Visit(restaurant=restaurant, token=f"t{len(visits)}", party_number=len(visits), size=2,
                            preference="table", outcome="completed", tables="T1", table_seats=2, table_kind="table",
                            joined_at=seated - timedelta(minutes=5), notified_at=seated - timedelta(minutes=2),
                            seated_at=seated, ended_at=seated + timedelta(minutes=minutes)))

    for day in range(21):
        for n in range(3):
            meal(day, 12, 10 * n, 40)
        saturday = day % 7 == 5
        for n in range(11 if saturday else 3):
            meal(day, 20, 5 * n, 110 if saturday else 80)
    Visit.objects.bulk_create(visits)
