"""One build per change whatever the number of server processes (waitlist/builds.py), and
streams refused with a 503 once a process holds its share of file descriptors
(waitlist/hub.py), with real daphne processes on loopback."""

import os
import resource
import time

import httpx

from tests.support.clients import POSITION_EVENTS, Browser, position_in
from tests.support.factories import make_restaurant
from tests.support.monitor import ScriptCalls
from tests.support.redis_servers import AppServer
from waitlist import lua_scripts, queue

CHANGES = 4


def test_a_change_is_read_and_built_once_however_many_processes_hold_its_streams(transactional_db):
    restaurant = make_restaurant("bistro")
    ahead = queue.join(restaurant=restaurant, name="Ahead", size=2, preference="table", diner="ahead",
                       request_id="ahead")
    servers = [AppServer(LOG_LEVEL="WARNING").start() for _ in range(3)]
    diners = [Browser(server.url) for server in servers]
    try:
        for number, diner in enumerate(diners):
            diner.join("bistro", f"Diner {number}")
        streams = [diner.events("/waitlist/bistro/events") for diner in diners]
        places = [position_in(stream.next("status")) for stream in streams]
        assert places == [2, 3, 4]
        time.sleep(1.5)  # the first views and their estimates are done everywhere
        calls = ScriptCalls(os.environ["REDIS_URL"], lua_scripts.source("snapshot")[1])
        with calls.counting():
            for number in range(CHANGES - 1):  # walk-ins join at the end: nobody's place moves
                queue.join(restaurant=restaurant, name=f"Walk-in {number}", size=2, preference="table",
                           diner=f"walk-{number}", request_id=f"walk-{number}", source="host")
                time.sleep(0.6)  # longer than a build round: every change is built on its own
            queue.leave(restaurant=restaurant, party_id=ahead.party_id)
            # Every process's streams have it, the two that did not build too.
            for stream, place in zip(streams, places):
                html = stream.next(POSITION_EVENTS, timeout=10, where=lambda h, p=place: position_in(h) == p - 1)
                assert position_in(html) == place - 1
            time.sleep(1.0)
        # At most one snapshot read per change in all (fewer when a loaded machine lets two
        # changes fall in one build round); three processes each reading would be 3 x CHANGES.
        assert 1 <= calls.calls <= CHANGES, calls.calls
    finally:
        for diner in diners:
            diner.close()
        for server in servers:
            server.stop()


def test_streams_past_the_descriptor_share_get_a_503_with_retry_after(transactional_db):
    make_restaurant("bistro")
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    # Room for exactly one stream in the server process (its limit raised to the hard one).
    server = AppServer(LOG_LEVEL="WARNING", STREAM_FD_SHARE=repr(1.5 / hard)).start()
    first, second = Browser(server.url), Browser(server.url)
    try:
        first.join("bistro", "First")
        stream = first.events("/waitlist/bistro/events")
        assert position_in(stream.next("status")) == 1
        second.join("bistro", "Second")
        with httpx.Client(base_url=server.url, cookies=second.http.cookies, timeout=5) as client:
            refused = client.get("/waitlist/bistro/events", headers={"Accept-Language": "es"})
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "10"
        assert "Las actualizaciones en vivo están ocupadas" in refused.text
        # The page itself still answers, and once the first stream closes a new one opens.
        assert second.get("/waitlist/bistro/").status_code == 200
        first.close()  # its connection closed: the server's stream ends
        deadline = time.monotonic() + 20
        while True:
            with httpx.Client(base_url=server.url, cookies=second.http.cookies, timeout=5) as client:
                with client.stream("GET", "/waitlist/bistro/events") as response:
                    if response.status_code == 200:
                        break
            assert time.monotonic() < deadline, "no stream after the first one closed"
            time.sleep(0.2)
    finally:
        first.close()
        second.close()
        server.stop()


def test_a_changes_places_go_out_while_the_estimates_of_the_one_before_are_computed(transactional_db, monkeypatch):
    """Estimates of a long line take hundreds of milliseconds: the next change's places are
    not held behind them, and the newest places are estimated next."""
    import asyncio
    import threading

    from waitlist import builds, live_view

    restaurant = make_restaurant("bistro")
    release, estimated = threading.Event(), []

    def slow_estimates(row, answer):
        estimated.append(int(answer["v"]))
        release.wait(20)

    monkeypatch.setattr(builds, "_estimates", slow_estimates)

    async def until(check, timeout=10.0):
        deadline = time.monotonic() + timeout
        while not check():
            assert time.monotonic() < deadline, "condition not met in time"
            await asyncio.sleep(0.02)

    async def scenario():
        woken = []
        rounds = builds.Builds(lambda rid, estimates=False: woken.append(live_view.cached(rid).version))
        join = lambda name: queue.join(restaurant=restaurant, name=name, size=2, preference="table",  # noqa: E731
                                       diner=name, request_id=name)
        await asyncio.to_thread(join, "Ann")
        first = await asyncio.to_thread(queue.version, restaurant_id=restaurant.id)
        rounds.changed(restaurant.id, first)
        await until(lambda: estimated == [first])
        await asyncio.to_thread(join, "Bob")
        second = await asyncio.to_thread(queue.version, restaurant_id=restaurant.id)
        rounds.changed(restaurant.id, second)
        await until(lambda: second in woken)  # the places, with the first estimates still under way
        assert estimated == [first]
        release.set()
        await until(lambda: estimated == [first, second])
        await until(lambda: restaurant.id not in rounds.running)

    asyncio.run(scenario())
