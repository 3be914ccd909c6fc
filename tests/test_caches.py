"""The per-process restaurant cache (restaurants/caches.py)."""

from restaurants import caches
from restaurants.models import Restaurant
from tests.support.factories import make_restaurant


def test_a_restaurant_is_read_once_within_the_cache_time(db, settings, django_assert_num_queries):
    settings.RESTAURANT_CACHE_SECONDS = 60
    make_restaurant("cached")
    caches.forget()
    with django_assert_num_queries(1):
        first = caches.restaurant("cached")
        again = caches.restaurant("cached")
    assert first is again


def test_saving_forgets_it_in_this_process(db, settings):
    settings.RESTAURANT_CACHE_SECONDS = 60
    restaurant = make_restaurant("cached", is_open=True)
    assert caches.restaurant("cached").is_open
    restaurant.is_open = False
    restaurant.save()
    assert not caches.restaurant("cached").is_open


def test_an_updated_row_elsewhere_is_read_again_after_the_cache_time(db, settings):
    settings.RESTAURANT_CACHE_SECONDS = 60
    make_restaurant("cached", is_open=True)
    assert caches.restaurant("cached").is_open
    Restaurant.objects.filter(slug="cached").update(is_open=False)  # as another process would
    assert caches.restaurant("cached").is_open  # still the cached row
    settings.RESTAURANT_CACHE_SECONDS = 0
    assert not caches.restaurant("cached").is_open


def test_unknown_slugs_are_not_cached(db, settings):
    settings.RESTAURANT_CACHE_SECONDS = 60
    assert caches.restaurant("later") is None
    make_restaurant("later")
    assert caches.restaurant("later") is not None
