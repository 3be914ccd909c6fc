"""A fan-out writes a parked diner's change itself (waitlist/hub.py: Listener.direct): the
stream is not woken, and the bytes are its own page's, rendered from the newest view. A
stream that is busy, has events waiting, or must read how its party ended is woken as
before. On a real queue in Redis, with the diner pages' own renderer."""

import asyncio

import pytest
from django.utils import translation

from tests.support.clients import position_in
from tests.support.factories import make_restaurant
from waitlist import live_view, queue
from waitlist.events import restaurant_channel
from waitlist.hub import CHANGED, DIRECT, Hub, Listener
from waitlist.stream import _encode_now
from waitlist.views import _diner_renderer

PARTIES = DIRECT + 36  # more than are told at once: the change goes out in slices


def events_of(body: str) -> dict[str, str]:
    """{event name: data} of an SSE body."""
    events = {}
    for block in filter(None, body.split("\n\n")):
        lines = block.split("\n")
        name = next(line[len("event: "):] for line in lines if line.startswith("event: "))
        events[name] = "\n".join(line[len("data: "):] for line in lines if line.startswith("data: "))
    return events


def line_of(restaurant, count: int):
    joined = [queue.join(restaurant=restaurant, name=f"Diner {n}", size=2, preference="table", diner=f"d{n}",
                         request_id=f"r{n}") for n in range(count)]
    live_view.forget(restaurant.id)
    return [queue.status(restaurant=restaurant, party_id=j.party_id) for j in joined]


def fan_out(hub: Hub, restaurant) -> None:
    async def scenario():
        hub.deliver(restaurant_channel(restaurant.id), CHANGED)
        while hub.jobs or (hub.fanning and not hub.fanning.done()):
            await asyncio.sleep(0.01)

    asyncio.run(scenario())


def diner_listener(restaurant, party, written: list) -> Listener:
    listener = Listener(restaurant_channel(restaurant.id), party_id=party.id)
    render, sent = _diner_renderer(restaurant, party, "csrf-token"), {}
    with translation.override("en"):
        _encode_now(render.now, live_view.view(restaurant, min_version=party.version), sent)  # the first view

    async def send(message):
        written.append((party.id, message["body"].decode()))

    listener.direct = lambda current: _encode_now(render.now, current, sent)
    listener.send, listener.language, listener.parked = send, "en", True
    return listener


def listening(restaurant, parties) -> tuple[Hub, list[Listener], list]:
    """A hub with a parked diner's stream for each party, and what gets written to them."""
    hub, written = Hub(), []
    listeners = [diner_listener(restaurant, party, written) for party in parties]
    for listener in listeners:
        hub.add(listener)
    return hub, listeners, written


@pytest.mark.django_db
def test_a_fan_out_writes_each_parked_diner_its_new_place_without_waking_it():
    restaurant = make_restaurant("bistro")
    parties = line_of(restaurant, PARTIES)
    hub, listeners, written = listening(restaurant, parties)
    busy, waiting = listeners[1], listeners[2]
    busy.parked = False  # its coroutine is serving something else: it renders the change itself
    waiting.pending.append(("notice", "<p>Hi</p>"))  # events before the change: kept in order
    queue.leave(restaurant=restaurant, party_id=parties[0].id)  # everyone behind moves up
    live_view.view(restaurant, min_version=queue.version(restaurant_id=restaurant.id))
    fan_out(hub, restaurant)

    by_party = dict(written)
    assert len(written) == len(by_party) == PARTIES - 3 and hub.written == PARTIES - 3
    assert parties[0].id not in by_party  # it left: its page needs a status read (below)
    assert parties[1].id not in by_party and parties[2].id not in by_party
    for place, party in enumerate(parties[3:], start=3):
        events = events_of(by_party[party.id])
        shown = events.get("place") or events["status"]  # the whole status when more than the place changed
        assert position_in(shown) == place, (place, events)  # one place up
    woken = [listener for listener in listeners if listener.wake.is_set()]
    assert woken == [listeners[0], busy, waiting] and busy.pending == [(CHANGED, "")]
    assert waiting.pending == [("notice", "<p>Hi</p>"), (CHANGED, "")]


@pytest.mark.django_db
def test_without_a_newer_view_at_hand_every_stream_is_woken_to_build_it():
    restaurant = make_restaurant("bistro")
    hub, listeners, written = listening(restaurant, line_of(restaurant, PARTIES))
    live_view.forget(restaurant.id)
    fan_out(hub, restaurant)
    assert written == [] and all(listener.wake.is_set() for listener in listeners)
