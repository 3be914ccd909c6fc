"""The diner's SSE stream, read from a real daphne server."""


from tests.support.clients import POSITION_EVENTS, position_in
from tests.support.factories import make_restaurant


def test_party_receives_its_new_position_when_the_party_ahead_leaves(browsers):
    make_restaurant("bistro")
    first, second = browsers(), browsers()
    first.join("bistro", "Ann")
    second.join("bistro", "Ben")

    stream = second.events("/waitlist/bistro/events")
    assert position_in(stream.next("status")) == 2  # the full state, at once on connect

    first.leave("bistro")
    assert position_in(stream.next(POSITION_EVENTS, where=lambda html: position_in(html) != 2)) == 1


def test_stream_shows_only_this_browsers_party(browsers):
    make_restaurant("bistro")
    first, second = browsers(), browsers()
    first.join("bistro", "Ann <script>")
    second.join("bistro", "Ben")
    html = second.events("/waitlist/bistro/events").next("status")
    assert "Ben" in html
    assert "Ann" not in html


def test_stream_without_a_party_sends_only_aggregates(browsers):
    make_restaurant("bistro")
    browsers().join("bistro", "Ann Secret")
    html = browsers().events("/waitlist/bistro/events").next("waits")
    assert "1 party waiting" in html
    assert "Secret" not in html


def test_a_host_message_reaches_every_open_page_escaped(browsers):
    restaurant = make_restaurant("bistro")
    waiting, browsing = browsers(), browsers()
    waiting.join("bistro", "Ann")
    party_stream = waiting.events("/waitlist/bistro/events")
    public_stream = browsing.events("/waitlist/bistro/events")
    party_stream.next("status")
    public_stream.next("waits")

    from waitlist import queue
    from waitlist.presenters import render_notice

    queue.announce(restaurant=restaurant, text="Running <15> min late", html=render_notice("Running <15> min late"))
    for stream in (party_stream, public_stream):
        html = stream.next("notice", where=lambda h: "Running" in h)
        assert "Running &lt;15&gt; min late" in html
    # A page drawn later shows it too.
    assert "Running &lt;15&gt; min late" in waiting.get("/waitlist/bistro/").text
