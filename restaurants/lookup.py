"""Restaurants by slug, kept per process for a moment.

Every diner request, every stream and every host action starts by looking up its
restaurant; its row changes only when a manager saves it in admin. Saving forgets it in
the saving process at once; other server processes see the change within
settings.RESTAURANT_CACHE_SECONDS.
"""

import os
import threading
import time

from django.conf import settings

from .models import Restaurant

_cache: dict[str, tuple[float, Restaurant]] = {}
_lock = threading.Lock()


def by_slug(slug: str) -> Restaurant | None:
    hit = _cache.get(slug)
    if hit is not None and time.monotonic() - hit[0] < settings.RESTAURANT_CACHE_SECONDS:
        return hit[1]
    restaurant = Restaurant.objects.filter(slug=slug).first()
    if restaurant is not None:
        with _lock:
            _cache[slug] = (time.monotonic(), restaurant)
    return restaurant


def forget(slug: str | None = None) -> None:
    with _lock:
        if slug is None:
            _cache.clear()
        else:
            _cache.pop(slug, None)


# A forked server process (test servers are forked) starts with nothing it did not read.
os.register_at_fork(after_in_child=forget)
