"""Restaurants and parties for benchmarks, through the same services the app uses."""

from restaurants.models import Restaurant, Table


def restaurant(slug: str = "bench", tables: int = 20, counter: int = 8, **fields) -> Restaurant:
    Restaurant.objects.filter(slug=slug).delete()
    values = dict(name=slug.title(), is_open=True, max_party_size=6)
    values.update(fields)
    place = Restaurant.objects.create(slug=slug, **values)
    sizes = [2, 2, 4, 4, 6]
    for number in range(1, tables + 1):
        Table.objects.create(restaurant=place, label=f"T{number}", seats=sizes[number % len(sizes)], position=number)
    for number in range(1, counter + 1):
        Table.objects.create(restaurant=place, label=f"C{number}", seats=1, kind="counter", position=100 + number)
    return Restaurant.objects.get(pk=place.pk)


def fill(place: Restaurant, count: int, *, start: int = 0, preference: str = "table") -> list[int]:
    from waitlist import queue

    ids = []
    for number in range(start, start + count):
        result = queue.join(restaurant=place, name=f"Party {number}", size=2 + number % 3, preference=preference,
                            diner=f"bench-{number}", request_id=f"bench-request-{number}")
        ids.append(result.party_id)
    return ids
