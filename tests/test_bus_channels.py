"""Per-restaurant bus channels (waitlist/channels.py) on real servers: a process subscribes
to a restaurant while it holds streams of it, on the Cluster node owning the restaurant's
slot, hears nothing of the others, and resubscribes and resyncs after losing Redis. And
the hub (waitlist/hub.py): a fan-out to thousands of streams leaves the loop free."""

import asyncio
import time

import pytest
from django.conf import settings as django_settings

from tests.support.factories import make_restaurant
from tests.support.redis_servers import Server, three_primary_cluster
from waitlist import queue
from waitlist.channels import Channels
from waitlist.events import bus_channel
from waitlist.hub import Hub, Listener
from waitlist.redis_client import get_redis


def subscribers(client, restaurant_id: int) -> int:
    reply = client.execute_command("PUBSUB", "SHARDNUMSUB", bus_channel(restaurant_id))
    return int(reply[1])


def join(restaurant, name="Ann"):
    return queue.join(restaurant=restaurant, name=name, size=2, preference="table", diner=name,
                      request_id=f"request-{name}")


async def _until(check, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def test_a_process_subscribes_to_a_restaurant_while_it_holds_streams_of_it(transactional_db):
    one, two, other = make_restaurant("one"), make_restaurant("two"), make_restaurant("other")
    client = get_redis()
    heard = []

    async def scenario():
        channels = Channels()
        channels.on_message = lambda restaurant_id, raw: heard.append(restaurant_id)
        channels.on_resync = lambda ids: None
        await channels.acquire(one.id)
        await channels.acquire(one.id)  # a second stream of the same restaurant
        await channels.acquire(two.id)
        assert (subscribers(client, one.id), subscribers(client, two.id), subscribers(client, other.id)) == (1, 1, 0)
        # Confirmed before acquire returned: a change made now is heard.
        await asyncio.to_thread(join, one)
        await asyncio.to_thread(join, other, "Other")  # nobody here follows it: never sent to this process
        await asyncio.to_thread(join, two, "Two")
        await _until(lambda: len(heard) >= 2)
        await asyncio.sleep(0.3)
        assert heard == [one.id, two.id]
        channels.release(one.id)
        await asyncio.sleep(0.2)
        assert subscribers(client, one.id) == 1  # one stream of it still open
        channels.release(one.id)
        await _until(lambda: subscribers(client, one.id) == 0)
        await asyncio.to_thread(join, one, "Later")
        await asyncio.sleep(0.3)
        assert heard == [one.id, two.id]
        channels.task.cancel()

    asyncio.run(scenario())


@pytest.mark.own_servers
def test_after_losing_its_connection_a_process_resubscribes_and_resyncs(transactional_db, own_redis):
    server = own_redis(Server().start())
    restaurant = make_restaurant("bistro")
    resynced, heard = [], []

    async def scenario():
        channels = Channels()
        channels.on_message = lambda restaurant_id, raw: heard.append(restaurant_id)
        channels.on_resync = resynced.append
        await channels.acquire(restaurant.id)
        server.client().execute_command("CLIENT", "KILL", "TYPE", "pubsub")
        await _until(lambda: resynced, timeout=10)
        assert resynced == [[restaurant.id]]
        await _until(lambda: subscribers(server.client(), restaurant.id) == 1)
        await asyncio.to_thread(join, restaurant)
        await _until(lambda: heard == [restaurant.id])
        channels.task.cancel()

    asyncio.run(scenario())


@pytest.mark.own_servers
def test_on_a_three_primary_cluster_each_restaurant_is_followed_on_the_node_owning_it(transactional_db, own_redis, settings):
    with three_primary_cluster() as nodes:
        settings.REDIS_CLUSTER = True
        own_redis(nodes[0])
        restaurants = [make_restaurant(f"place{n}") for n in range(8)]
        cluster = get_redis()
        owner = {r.id: cluster.get_node_from_key(bus_channel(r.id)).port for r in restaurants}
        assert len(set(owner.values())) >= 2, "the restaurants should spread over the nodes"
        heard = []

        async def scenario():
            channels = Channels()
            channels.on_message = lambda restaurant_id, raw: heard.append(restaurant_id)
            channels.on_resync = lambda ids: None
            for r in restaurants[:-1]:
                await channels.acquire(r.id)
            for r in restaurants[:-1]:
                counts = {node.port: subscribers(node.client(), r.id) for node in nodes}
                # Sharded: subscribed on the owning node only, and a message stays there.
                assert counts == {node.port: int(node.port == owner[r.id]) for node in nodes}
            assert channels.cluster is not None and len(channels.shards) == len(set(owner.values()))
            for r in restaurants:  # the scripts SPUBLISH on the restaurant's slot
                await asyncio.to_thread(join, r, f"Diner {r.id}")
            await _until(lambda: len(heard) >= len(restaurants) - 1)
            await asyncio.sleep(0.3)
            assert sorted(heard) == sorted(r.id for r in restaurants[:-1])  # not the unfollowed one
            channels.release(restaurants[0].id)
            node = next(n for n in nodes if n.port == owner[restaurants[0].id])
            await _until(lambda: subscribers(node.client(), restaurants[0].id) == 0)
            channels.task.cancel()
            await channels.cluster.aclose()

        assert django_settings.REDIS_CLUSTER
        asyncio.run(scenario())


def test_a_fan_out_to_thousands_of_streams_leaves_the_loop_free(monkeypatch):
    """5,000 streams that each take 0.2 ms to answer a change (about what rendering a
    diner's fragments costs): the whole fan-out takes about a second, yet the loop is never
    held for more than a few tens of milliseconds, so a page response waits no longer."""
    streams, work_seconds = 5000, 0.0002

    async def scenario():
        hub = Hub()
        woken = []

        async def stream(listener):
            while True:
                await listener.wake.wait()
                listener.take()
                until = time.perf_counter() + work_seconds
                while time.perf_counter() < until:
                    pass
                woken.append(time.perf_counter())

        tasks = []
        for _ in range(streams):
            listener = Listener("restaurant-1")
            hub.add(listener)
            tasks.append(asyncio.create_task(stream(listener)))
        await asyncio.sleep(0.05)
        # The loop's own CPU time between two turns of a probe (what a page response waiting
        # for the loop waits at least): CPU time, so that this test process being preempted
        # on a busy machine does not count.
        gaps, last = [], time.thread_time()

        async def probe():
            nonlocal last
            while len(woken) < streams:
                await asyncio.sleep(0.001)
                now = time.thread_time()
                gaps.append(now - last)
                last = now

        prober = asyncio.create_task(probe())
        await asyncio.sleep(0.01)
        started = time.perf_counter()
        hub.deliver("restaurant-1", "changed")
        await asyncio.wait_for(prober, 30)
        took = time.perf_counter() - started
        for task in tasks:
            task.cancel()
        return took, max(gaps), hub.turns

    took, longest, turns = asyncio.run(scenario())
    assert took > 0.5  # the work is really there
    assert longest < 0.05, f"the loop was held {longest * 1000:.0f} ms (fan-out took {took * 1000:.0f} ms)"
    assert turns > 20


def test_a_newer_change_reaches_first_the_streams_the_last_one_had_not_reached():
    """A change arriving mid fan-out replaces it; the streams still waiting are told first
    (told again from the top, the last of them would wait for a second whole fan-out)."""
    streams = 3000

    async def scenario():
        hub, told = Hub(), []

        async def stream(number, listener):
            while True:
                await listener.wake.wait()
                listener.take()
                told.append(number)

        listeners = [Listener("restaurant-1") for _ in range(streams)]
        for listener in listeners:
            hub.add(listener)
        tasks = [asyncio.create_task(stream(n, listener)) for n, listener in enumerate(listeners)]
        await asyncio.sleep(0.05)
        hub.slice = 100
        hub.deliver("restaurant-1", "changed")
        while not told:
            await asyncio.sleep(0)
        reached = set(told)
        assert len(reached) < streams  # mid fan-out
        hub.deliver("restaurant-1", "changed")
        await _until(lambda: len(told) >= len(reached) + streams, timeout=20)
        for task in tasks:
            task.cancel()
        return reached, told[len(reached):]

    reached, after = asyncio.run(scenario())
    waiting = streams - len(reached)
    assert not reached.intersection(after[:waiting]), "a stream was told twice before all were told once"
    assert set(after[:waiting]) | reached == set(range(streams))
