"""What the project relies on in django-eventstream (waitlist/eventstream.py, the only module
that imports it). If an upgrade changes any of this, it fails here first."""

import json

import django_eventstream.eventstream as library
import redis
from django.conf import settings

from waitlist import eventstream
from waitlist.events import bus_channel, restaurant_channel
from waitlist.lua_scripts import run
from waitlist.redis_client import get_redis


def listen(restaurant_id):
    pubsub = get_redis().pubsub(ignore_subscribe_messages=True)
    pubsub.ssubscribe(bus_channel(restaurant_id))
    pubsub.get_sharded_message(timeout=1)  # the subscribe confirmation
    return pubsub


def next_message(pubsub):
    message = pubsub.get_sharded_message(timeout=2)
    assert message is not None, "nothing was published on the bus"
    return message["data"]


def test_publish_sends_the_librarys_message_on_the_restaurants_channel():
    pubsub = listen(7)
    eventstream.publish("restaurant-7", "notice", "<p>Running late</p>")
    raw = next_message(pubsub)
    assert json.loads(raw) == {"channel": "restaurant-7", "event_type": "notice", "data": "<p>Running late</p>",
                               "pub_id": None}
    assert eventstream.decode(raw) == eventstream.BusMessage("restaurant-7", "notice", "<p>Running late</p>")


def test_the_message_is_the_one_send_event_publishes(monkeypatch):
    # The library's own publisher (on its global channel, which nothing here listens to any
    # more), pointed at the test server: the message format the bus keeps is the same.
    monkeypatch.setattr(library, "redis_client", redis.Redis(**settings.EVENTSTREAM_REDIS))
    pubsub = library.redis_client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe("events_channel")
    pubsub.get_message(timeout=1)
    library.send_event("restaurant-7", "notice", "<p>x</p>", json_encode=False)
    message = pubsub.get_message(timeout=2)
    assert message is not None, "send_event published nothing"
    assert json.loads(message["data"]) == json.loads(eventstream.message("restaurant-7", "notice", "<p>x</p>"))


def test_the_live_queue_publishes_the_same_message(restaurant):
    pubsub = listen(restaurant.id)
    run("announce", restaurant_id=restaurant.id, now_ms=1, args=["Hello", "<p>Hello</p>"])
    message = eventstream.decode(next_message(pubsub))
    assert message == eventstream.BusMessage(restaurant_channel(restaurant.id), "notice", "<p>Hello</p>")


def test_settings_point_the_library_at_the_live_queues_redis():
    assert settings.EVENTSTREAM_REDIS == redis.connection.parse_url(settings.REDIS_URL)


def test_sse_encoding_is_the_wire_format():
    assert eventstream.encode("status", "<p>a</p>\n<p>b</p>") == "event: status\ndata: <p>a</p>\ndata: <p>b</p>\n\n"
    assert eventstream.encode("place\nx", "") == "event: placex\ndata: \n\n"  # no header injection


def test_anything_else_on_the_bus_is_ignored():
    for raw in (b"not json", b"[]", b'{"channel": "restaurant-1"}', b"null"):
        assert eventstream.decode(raw) is None
