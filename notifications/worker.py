"""The delivery worker (``manage.py run_notifier``; ``make run`` starts one, docker-compose
runs them as a service): reads every restaurant's outbox as one consumer of the group,
sends each message on the diner's channels with retries and backoff, acknowledges it only
once every channel took it or was given up, and watches the estimates for the messages
that depend on them (watch.py).

A restaurant's outbox is read as soon as the restaurant changes (the change's
notification on the bus) and, in case that notification was missed, every SWEEP_SECONDS,
when messages another worker claimed and left idle for CLAIM_IDLE are claimed too. Any
number of workers may run: each message goes to one.
"""

import heapq
import logging
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from django.conf import settings
from django.db import close_old_connections

from restaurants.models import Restaurant
from waitlist import heartbeats, outbox
from waitlist.builds import BUILT_MARK
from waitlist.events import bus_channel, restaurant_id_from_bus
from waitlist.redis_client import get_redis

from . import delivery, watch

log = logging.getLogger("notifications.worker")

SWEEP_SECONDS = 1.0
RESTAURANTS_RELOAD_SECONDS = 10
BACKOFF_SECONDS = (1, 2, 5, 10, 20, 30)  # after the 1st, 2nd... failed attempt


def backoff(attempt: int) -> float:
    return BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS)) - 1]


class Notifier:
    def __init__(self, *, consumer: str | None = None, threads: int | None = None,
                 claim_idle_seconds: float | None = None) -> None:
        self.consumer = consumer or f"{socket.gethostname()}:{os.getpid()}"
        self.pool = ThreadPoolExecutor(max_workers=threads or settings.NOTIFY_THREADS, thread_name_prefix="send")
        self.claim_idle_ms = int(1000 * (claim_idle_seconds if claim_idle_seconds is not None
                                         else settings.NOTIFY_CLAIM_IDLE_SECONDS))
        self.restaurants: dict[int, Restaurant] = {}
        self.loaded_at = 0.0
        self.dirty: set[int] = set()
        self.wake = threading.Event()
        self.lock = threading.Lock()
        self.in_flight: set[tuple[int, str]] = set()
        self.retries: list[tuple[float, int, outbox.Message]] = []
        self.sequence = 0
        self.stopping = threading.Event()
        self.watcher = watch.Watcher()

    # --- the loop -------------------------------------------------------------------------

    def run_forever(self) -> None:
        log.info("notification worker %s started", self.consumer)
        threading.Thread(target=self.listen, name="bus", daemon=True).start()
        next_sweep, failures = 0.0, 0
        while not self.stopping.is_set():
            timeout = max(0.0, min(next_sweep, self._next_retry()) - time.monotonic())
            self.wake.wait(timeout)
            self.wake.clear()
            try:
                sweep = time.monotonic() >= next_sweep
                self.pass_once(sweep=sweep)
                if sweep:
                    next_sweep = time.monotonic() + SWEEP_SECONDS
                    heartbeats.beat("notifier")
                failures = 0
            except Exception as exc:  # Redis or the database away: say so, try again soon
                failures += 1
                log.warning("notification pass failed: %s: %s", exc.__class__.__name__, exc)
                close_old_connections()
                self.loaded_at = 0.0
                time.sleep(min(3.0, 0.2 * 2 ** failures))

    def pass_once(self, *, sweep: bool) -> int:
        """Claim what is to send now (and, on a sweep, what others left idle); returns how
        many messages were handed to the senders."""
        restaurants = self.load()
        with self.lock:
            changed, self.dirty = self.dirty, set()
        targets = set(restaurants) if sweep else changed & set(restaurants)
        handed = 0
        for restaurant_id in sorted(targets):
            messages = outbox.read_new(restaurant_id, self.consumer)
            if sweep:
                messages += outbox.claim_stale(restaurant_id, self.consumer, self.claim_idle_ms)
            for message in messages:
                handed += self.submit(restaurants[restaurant_id], message)
        now = time.monotonic()
        while self.retries and self.retries[0][0] <= now:
            _, _, message = heapq.heappop(self.retries)
            restaurant = restaurants.get(message.restaurant_id)
            if restaurant is not None:
                handed += self.submit(restaurant, message, again=True)
        for restaurant_id in sorted(changed | (set(restaurants) if sweep else set())):
            if restaurant_id in restaurants:
                self.watcher.look(restaurants[restaurant_id])
        return handed

    def submit(self, restaurant: Restaurant, message: outbox.Message, *, again: bool = False) -> int:
        key = (message.restaurant_id, message.entry_id)
        with self.lock:
            if key in self.in_flight and not again:
                return 0
            self.in_flight.add(key)
        self.pool.submit(self._deliver, restaurant, message)
        return 1

    def _deliver(self, restaurant: Restaurant, message: outbox.Message) -> None:
        key = (message.restaurant_id, message.entry_id)
        try:
            result = delivery.deliver(restaurant, message)
        except Exception as exc:  # Redis away mid-delivery: the message stays claimed; try again
            log.warning("delivery of %s failed: %s: %s", message.entry_id, exc.__class__.__name__, exc)
            result = delivery.Result(finished=False, retry=True)
        finally:
            close_old_connections()
        with self.lock:
            if result.finished:
                self.in_flight.discard(key)
            else:
                self.sequence += 1
                heapq.heappush(self.retries, (time.monotonic() + backoff(message.attempts), self.sequence,
                                              replace(message, attempts=message.attempts + 1)))
        self.wake.set()

    def _next_retry(self) -> float:
        with self.lock:
            return self.retries[0][0] if self.retries else float("inf")

    def load(self) -> dict[int, Restaurant]:
        if time.monotonic() - self.loaded_at > RESTAURANTS_RELOAD_SECONDS:
            self.restaurants = {r.id: r for r in Restaurant.objects.all()}
            self.loaded_at = time.monotonic()
        return self.restaurants

    # --- the bus: which restaurants changed ---------------------------------------------

    def listen(self) -> None:
        """Follows every restaurant's bus channel (sharded: in a Cluster, on the node owning
        the restaurant), those added later too once the list is reloaded."""
        backoff_seconds = 0.2
        while not self.stopping.is_set():
            try:
                pubsub = get_redis().pubsub(ignore_subscribe_messages=True)
                followed: set[int] = set()
                backoff_seconds = 0.2
                while not self.stopping.is_set():
                    new = set(self.restaurants) - followed
                    if new:
                        pubsub.ssubscribe(*(bus_channel(restaurant_id) for restaurant_id in sorted(new)))
                        followed |= new
                    if not followed:
                        time.sleep(1.0)
                        continue
                    raw = pubsub.get_sharded_message(timeout=1.0)
                    if raw is None or raw.get("type") != "smessage" or BUILT_MARK in raw["data"][:200]:
                        continue  # a view built for the streams: its change was heard already
                    restaurant_id = restaurant_id_from_bus(raw["channel"])
                    if restaurant_id is not None:
                        with self.lock:
                            self.dirty.add(restaurant_id)
                        self.wake.set()
            except Exception as exc:  # the sweep covers what is missed meanwhile
                log.info("notification worker lost the bus (%s); retrying", exc.__class__.__name__)
                time.sleep(backoff_seconds)
                backoff_seconds = min(3.0, backoff_seconds * 2)

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
        self.pool.shutdown(wait=True, cancel_futures=False)
