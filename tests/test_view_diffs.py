"""A change wakes only the diners' streams whose page it changes (waitlist/live_view.py:
changed_parties, waitlist/hub.py: Hub.deliver ``only``), on a real queue in Redis: a walk-in
joining at the end moves nobody, the head of the line leaving moves everyone."""

import asyncio

from tests.support.factories import make_restaurant
from waitlist import live_view, queue
from waitlist.hub import CHANGED, Hub, Listener


def _view(restaurant, previous=None):
    answer = queue.snapshot_answer(restaurant=restaurant)
    return live_view.build(restaurant, live_view.snapshot_of(restaurant.id, answer), previous=previous,
                           estimate=False)


def _join(restaurant, name, preference="table"):
    return queue.join(restaurant=restaurant, name=name, size=2, preference=preference, diner=name,
                      request_id=f"request-{name}").party_id


def test_a_walk_in_at_the_end_changes_only_its_own_page_and_the_head_leaving_changes_all(db):
    restaurant = make_restaurant("bistro")
    first, second, third = (_join(restaurant, name) for name in ("Ann", "Bob", "Cy"))
    before = _view(restaurant)
    walk_in = _join(restaurant, "Walk-in")
    after = _view(restaurant, before)
    assert after.parties[second] is before.parties[second]  # decoded once, kept while unchanged
    assert live_view.changed_parties(before, after) == {walk_in}
    queue.leave(restaurant=restaurant, party_id=first)
    moved = _view(restaurant, after)
    assert live_view.changed_parties(after, moved) == {first, second, third, walk_in}
    # The host's message is on every page: every page may change.
    queue.announce(restaurant=restaurant, text="Kitchen closes at ten", html="<p>Kitchen closes at ten</p>")
    assert live_view.changed_parties(moved, _view(restaurant, moved)) is None


def test_only_the_streams_of_the_parties_named_are_told_the_others_as_before():
    async def scenario():
        hub = Hub()
        diners = {pid: Listener("restaurant-1", party_id=pid) for pid in range(1, 6)}
        public = Listener("restaurant-1")  # a page without a party: told of every change
        for listener in (*diners.values(), public):
            hub.add(listener)
        hub.deliver("restaurant-1", CHANGED, only={2, 4})
        told = {pid for pid, listener in diners.items() if listener.wake.is_set()}
        return told, public.wake.is_set()

    told, public_told = asyncio.run(scenario())
    assert told == {2, 4}
    assert public_told
