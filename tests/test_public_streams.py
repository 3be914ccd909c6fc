"""Browsers without a party (the join page) cost about what one does: their fragments are
rendered once per change for all of them, an address may hold only so many streams open,
and an idle page stops streaming until tapped."""

import asyncio

from tests.support.clients import Browser
from tests.support.factories import make_restaurant, make_user
from tests.support.redis_servers import AppServer
from waitlist import live_view, queue
from waitlist.stream import Plan, _encode


def test_a_shared_fragment_is_rendered_once_for_every_stream(restaurant):
    renders = []

    def render(view):
        renders.append(view.version)
        return {"waits": f"<p>{view.waiting_count} waiting</p>"}

    plans = [Plan(restaurant=restaurant, channel="restaurant-1", render=render, shared=True, language="en")
             for _ in range(50)]
    view = live_view.view(restaurant)
    sent = [{} for _ in plans]
    bodies = [asyncio.run(_encode(plan, view, seen)) for plan, seen in zip(plans, sent, strict=True)]
    assert renders == [view.version] and len(set(bodies)) == 1 and "0 waiting" in bodies[0]
    queue.join(restaurant=restaurant, name="Ann", size=2, preference="table", diner="d", request_id="r-ann-1")
    changed = live_view.refresh(restaurant)
    bodies = [asyncio.run(_encode(plan, changed, seen)) for plan, seen in zip(plans, sent, strict=True)]
    assert renders == [view.version, changed.version] and "1 waiting" in bodies[0]
    # Nothing new since: nothing rendered, nothing sent.
    assert {asyncio.run(_encode(plan, changed, seen)) for plan, seen in zip(plans, sent, strict=True)} == {""}
    assert len(renders) == 2


def test_an_address_holds_only_so_many_public_streams_and_idle_ones_pause(transactional_db):
    make_restaurant("bistro")
    app = AppServer(PUBLIC_STREAMS_PER_ADDRESS="2", PUBLIC_STREAM_IDLE_SECONDS="3").start()
    browsers = [Browser(app.url) for _ in range(3)]
    try:
        streams = [b.events("/waitlist/bistro/events") for b in browsers[:2]]
        for stream in streams:
            assert "0 parties waiting" in stream.next("waits")
        refused = browsers[2].get("/waitlist/bistro/events")
        assert refused.status_code == 429 and refused.headers["retry-after"] == "60"
        # A browser with a party is not a public viewer: it is not counted.
        browsers[2].join("bistro", "Ann")
        assert browsers[2].events("/waitlist/bistro/events").next("status")
        # After the idle time the public streams say so and end; then a new one may open.
        events = streams[0].until_closed(timeout=10)
        assert events[-1][0] == "idle" and "data-resume" in events[-1][1]
        streams[1].until_closed(timeout=10)
        assert Browser(app.url).events("/waitlist/bistro/events").next("waits")
    finally:
        for browser in browsers:
            browser.close()
        app.stop()


def test_an_open_join_page_turns_to_paused_or_closed_and_back_as_the_host_acts(transactional_db):
    restaurant = make_restaurant("bistro")
    make_user("hostess", restaurant=restaurant)
    app = AppServer(PUBLIC_STREAM_EVERY_SECONDS="0.2").start()
    diner, host = Browser(app.url), Browser(app.url)
    try:
        host.sign_in("hostess", "pass-word-123")
        stream = diner.events("/waitlist/bistro/events")
        assert "data-gate" not in stream.next("gate")  # open: no card, the form shows
        for action, data, shows in (("pause", {"message": "Back at 9"}, "Back at 9"), ("resume", {}, None),
                                    ("close", {}, "not taking waitlist joins"), ("open", {}, None)):
            assert host.post(f"/host/bistro/joins/{action}", data).status_code == 303
            gate = stream.next("gate")
            if shows is None:
                assert "data-gate" not in gate, action
            else:
                assert "data-gate" in gate and shows in gate, action
    finally:
        diner.close()
        host.close()
        app.stop()


def test_an_open_join_page_follows_is_open_saved_in_admin(transactional_db):
    """Unticking "is open" in admin (a save of the row, outside the floor controls) turns an
    open join page to "closed" and a paused restaurant's pause ends; ticking it opens again."""
    from waitlist import floor

    restaurant = make_restaurant("bistro")
    app = AppServer(PUBLIC_STREAM_EVERY_SECONDS="0.2").start()
    diner = Browser(app.url)
    try:
        floor.pause_joins(restaurant=restaurant, paused=True, message="Back at 9")
        stream = diner.events("/waitlist/bistro/events")
        assert "Back at 9" in stream.next("gate")
        before = queue.version(restaurant_id=restaurant.id)
        restaurant.is_open = False
        restaurant.save()
        assert queue.version(restaurant_id=restaurant.id) == before + 1
        gate = stream.next("gate")
        assert "not taking waitlist joins" in gate and "Back at 9" not in gate
        restaurant.is_open = True
        restaurant.save()
        assert "data-gate" not in stream.next("gate")  # open, and no longer paused
    finally:
        diner.close()
        app.stop()


def test_a_join_page_keeps_its_wait_table_while_quotes_for_a_saved_row_are_computed(restaurant):
    from waitlist import quotes
    from waitlist.views import _public_renderer

    quotes.current(restaurant)  # what the page was drawn with
    restaurant.save()  # a manager saves the restaurant: a new row version, its quotes not yet computed
    fresh = type(restaurant).objects.get(pk=restaurant.pk)
    assert quotes.available(fresh) is None
    waits = _public_renderer(fresh)(live_view.view(fresh))["waits"]
    assert "Estimated wait if you join now" in waits and 'data-size="2"' in waits
