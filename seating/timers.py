"""The timer worker's loop: fire due timers, record ended visits, make automatic offers.

Runs in its own process (``manage.py run_timers``, started by ``make run`` and a service
in docker-compose). Any number may run: every timer is claimed inside an atomic script,
visits are unique by token, and offers are re-checked by the offer script.
"""

import logging
import time

from django.db import close_old_connections

from restaurants.models import Restaurant, SeatingPolicy
from waitlist import floor, heartbeats, queue
from waitlist.clock import resolve
from waitlist.visits import record_ended

from . import services

log = logging.getLogger("waitlist.timers")

RESTAURANT_RELOAD_SECONDS = 10


class Worker:
    def __init__(self) -> None:
        self.seen_versions: dict[int, int] = {}
        self.restaurants: list[Restaurant] = []
        self.loaded_at = 0.0

    def load(self) -> list[Restaurant]:
        if time.monotonic() - self.loaded_at > RESTAURANT_RELOAD_SECONDS:
            self.restaurants = list(Restaurant.objects.all())
            self.loaded_at = time.monotonic()
        return self.restaurants

    def tick(self, now_ms: int | None = None) -> int:
        """One pass over every restaurant; returns how many timers fired."""
        fired = 0
        for restaurant in self.load():
            fired += self.tick_restaurant(restaurant, now_ms)
        heartbeats.beat("timers")
        return fired

    def tick_restaurant(self, restaurant: Restaurant, now_ms: int | None = None) -> int:
        now = resolve(now_ms)
        run = queue.fire_due(restaurant=restaurant, now_ms=now)
        if run.fired:
            log.info("timers restaurant=%s fired=%s", restaurant.id,
                     ",".join(f"{t.kind}:{t.party_id}" for t in run.fired))
            services.after_timers(restaurant=restaurant, fired=run.fired, now_ms=now)
        # A change made anywhere (a join, a cleaned table) may let the automatic policy seat
        # someone; the web process tries at once, this is the safety net.
        if restaurant.seating_policy == SeatingPolicy.AUTOMATIC and self.seen_versions.get(restaurant.id) != run.version:
            services.auto_offer(restaurant=restaurant, now_ms=now)
        self.seen_versions[restaurant.id] = run.version
        record_ended(restaurant=restaurant)
        floor.record_actions(restaurant=restaurant)
        return len(run.fired)

    def run_forever(self, poll_seconds: float) -> None:
        log.info("timer worker started (poll every %.2fs)", poll_seconds)
        while True:
            started = time.monotonic()
            try:
                self.tick()
            except Exception as exc:  # Redis or the database away: say so, keep going
                log.warning("timer tick failed: %s: %s", exc.__class__.__name__, exc)
                close_old_connections()
                self.loaded_at = 0.0
            time.sleep(max(0.0, poll_seconds - (time.monotonic() - started)))
