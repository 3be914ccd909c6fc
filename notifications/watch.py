"""The messages that depend on the estimate rather than on a change of state: "getting
close", as the diner's page says it (waitlist/live_view.py: getting_close; or, for a diner
who said how far away they are, when the wait's low end falls to that: they then arrive as
their table frees), and "the wait grew", when its high end passes what the diner was last told by
more than NOTIFY_LATER_MINUTES. The scripts they call send each once, however many workers
look.
"""

import logging
import time

from domain.values import WAITING
from restaurants.models import Restaurant
from waitlist import contacts, live_view, queue

log = logging.getLogger("notifications.watch")

# A restaurant's estimates are looked at most this often (a busy night changes many times a
# second; the messages do not need that precision).
EVERY_SECONDS = 2.0


def close_enough(view: live_view.DinerView) -> bool:
    party = view.party
    if party.state != WAITING:
        return False
    if view.wait is not None and party.eta_minutes is not None:
        return view.wait[0] <= party.eta_minutes
    return view.getting_close


class Watcher:
    def __init__(self) -> None:
        self.looked: dict[int, tuple[float, int]] = {}  # restaurant -> (when, version)

    def look(self, restaurant: Restaurant) -> int:
        """Queue the messages the current estimates call for; returns how many."""
        when, version = self.looked.get(restaurant.id, (0.0, -1))
        if time.monotonic() - when < EVERY_SECONDS:
            return 0
        current = queue.version(restaurant_id=restaurant.id)
        if current == version:
            return 0
        self.looked[restaurant.id] = (time.monotonic(), current)
        view = live_view.view(restaurant, min_version=current)
        sent = 0
        for party in view.snapshot.waiting:
            if not party.channels:
                continue
            diner = view.diner(party)
            if party.close_ms is None and close_enough(diner):
                sent += contacts.getting_close(restaurant=restaurant, party_id=party.id)
            elif diner.wait is not None and party.told_high is not None:  # open-ended too: wait[1] None
                sent += contacts.wait_grew(restaurant=restaurant, party_id=party.id, wait=diner.wait)
        return sent
