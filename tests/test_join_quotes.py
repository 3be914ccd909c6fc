"""The quote a join records (waitlist/quotes.py): the cached one at once, replaced by the
party's first estimate in line when the queue had changed since it was computed, with a
real daphne process on loopback."""

import time

from tests.support.clients import REQUEST_ID, Browser, position_in
from tests.support.factories import make_restaurant
from tests.support.redis_servers import AppServer
from waitlist import queue
from waitlist.quotes import REFINE_FOR_MS


def _walk_in(restaurant, name):
    return queue.join(restaurant=restaurant, name=name, size=2, preference="table", diner=name, request_id=name,
                      source="host")


def _party(restaurant, name):
    return next(p for p in queue.snapshot(restaurant=restaurant).waiting if p.name == name)


def test_a_join_behind_a_changed_queue_records_its_first_estimate_as_its_quote(transactional_db):
    restaurant = make_restaurant("bistro", tables=((2, "table"),) * 4, counter=0)
    _walk_in(restaurant, "First")
    # Estimates in the server process: no helper process to start within the 30 s a join
    # waits for its first estimate (waitlist/quotes.py REFINE_FOR_MS).
    server = AppServer(LOG_LEVEL="WARNING", ESTIMATE_IN_PROCESS="1").start()
    newcomer, watcher = Browser(server.url), Browser(server.url)
    try:
        # The form computes the quotes for one party in line; four more join before the
        # newcomer sends it (the form's quote is kept for a minute).
        page = newcomer.get("/waitlist/bistro/")
        request_id = REQUEST_ID.search(page.text).group(1)
        for number in range(4):
            _walk_in(restaurant, f"Walk-in {number}")
        response = newcomer.post("/waitlist/bistro/join", {"name": "Newcomer", "size": 2, "preference": "table",
                                                            "request_id": request_id})
        assert response.status_code == 303, response.text
        joined = time.monotonic()
        recorded = _party(restaurant, "Newcomer")
        stale = (recorded.quote_low, recorded.quote_high)
        assert stale[0] is not None
        # Someone follows the restaurant's streams: the next change's estimates are computed,
        # and the newcomer's becomes its quote.
        watcher.join("bistro", "Watcher")
        stream = watcher.events("/waitlist/bistro/events")
        assert position_in(stream.next("status")) == 7
        _walk_in(restaurant, "Last")
        deadline = joined + REFINE_FOR_MS / 1000
        while (_party(restaurant, "Newcomer").quote_low, _party(restaurant, "Newcomer").quote_high) == stale:
            assert time.monotonic() < deadline, f"the quote recorded at the join stayed {stale}:\n{server.output()}"
            time.sleep(0.1)
        party = _party(restaurant, "Newcomer")
        wait = newcomer.status("bistro")["estimated_wait"]
        assert (party.quote_low, party.quote_high) == (wait["low"], wait["high"])
        assert party.quote_low > stale[1]  # five ahead for four tables instead of one
        assert party.told_high == stale[1]  # what the form showed the diner
    finally:
        newcomer.close()
        watcher.close()
        server.stop()
