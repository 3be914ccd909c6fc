"""A stream's first view is never older than the queue when it starts listening: a change
made between the page being planned and this process subscribing to the restaurant is not
heard here, and the process's cached view may predate it (waitlist/stream.py). On a real
queue in Redis, with the diner page's own renderer and this process's bus."""

import asyncio

from tests.support.clients import position_in
from tests.support.factories import make_restaurant
from tests.test_direct_writes import events_of
from waitlist import live_view, queue
from waitlist.channels import channels
from waitlist.events import restaurant_channel
from waitlist.stream import Plan
from waitlist.views import _diner_renderer


def first_body(plan: Plan) -> str:
    async def scenario():
        body = plan.body()
        try:
            await body.__anext__()  # the padding and retry line
            return await body.__anext__()
        finally:
            await body.aclose()
            if channels.task is not None:
                channels.task.cancel()

    return asyncio.run(scenario())


def test_a_change_made_before_the_stream_subscribed_is_in_its_first_view(transactional_db):
    restaurant = make_restaurant("bistro")
    ahead = queue.join(restaurant=restaurant, name="Ahead", size=2, preference="table", diner="a", request_id="a")
    joined = queue.join(restaurant=restaurant, name="Bea", size=2, preference="table", diner="b", request_id="b")
    bea = queue.status(restaurant=restaurant, party_id=joined.party_id)  # as her status page read it
    live_view.view(restaurant, min_version=bea.version)  # the view that page left in this process
    assert live_view.cached(restaurant.id).diner(bea).position == 2
    # The party ahead leaves while Bea's stream is on its way: nobody here follows the
    # restaurant yet, so no message about it arrives; the cached view still has her second.
    queue.leave(restaurant=restaurant, party_id=ahead.party_id)
    plan = Plan(restaurant=restaurant, channel=restaurant_channel(restaurant.id), language="en",
                render=_diner_renderer(restaurant, bea, "csrf-token"), min_version=bea.version, party_id=bea.id)
    events = events_of(first_body(plan))
    assert position_in(events["status"]) == 1, events
