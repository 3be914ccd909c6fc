"""One pub/sub listener per server process, and this process's open streams by channel.

Every Lua script publishes "restaurant changed" on the bus (waitlist/eventstream.py). The
``Bus`` receives it, rebuilds that restaurant's ``LiveView`` once (one snapshot, one
estimate) and wakes this process's streams of the restaurant through the ``Hub``.

The listener reconnects with backoff when Redis is away and, once back, refreshes every
restaurant that has open streams, so pages catch up on their own.
"""

import asyncio
import logging
import time

from asgiref.sync import sync_to_async

from restaurants.models import Restaurant

from . import live_view
from .events import host_channel, restaurant_channel, restaurant_id_from_channel
from .eventstream import BUS, decode
from .redis_client import build_async_client

log = logging.getLogger("waitlist.stream")

PING_SECONDS = 5
ESTIMATE_EVERY_SECONDS = 2.0
# On a busy night changes arrive faster than a thousand streams can be written to; those
# within this interval are sent together (places stay well under a second late).
MIN_REFRESH_SECONDS = 0.25
# Events a stream may have waiting before it just re-renders everything once.
MAX_PENDING = 10
CHANGED = "changed"


class Listener:
    """One open stream's mailbox: events since it last looked, and a flag to wake it."""

    __slots__ = ("channel", "wake", "pending", "overflow", "every")

    def __init__(self, channel: str, every: float | None = None) -> None:
        self.channel = channel
        # Paced: told of changes at most this often, all such streams of the channel at once
        # (the join page's, whose news need not be instant), not at every change.
        self.every = every
        self.wake = asyncio.Event()
        self.pending: list[tuple[str, str]] = []
        self.overflow = False

    def take(self) -> tuple[list[tuple[str, str]], bool]:
        pending, overflow = self.pending, self.overflow
        self.pending, self.overflow = [], False
        self.wake.clear()
        return pending, overflow


class Hub:
    """This process's open streams by channel. Used only on the event loop's thread."""

    def __init__(self) -> None:
        self.by_channel: dict[str, set[Listener]] = {}
        self.by_restaurant: dict[int, int] = {}  # restaurant id -> open streams
        self.public_by_address: dict[str, int] = {}  # client address -> open public streams
        self.pacing: dict[str, asyncio.TimerHandle] = {}  # channel -> the paced streams' next news
        self.paced_at: dict[str, float] = {}  # channel -> when its paced streams last had news
        self.on_paced = None  # what sends the paced streams their news (waitlist/broadcast.py)

    def add(self, listener: Listener) -> None:
        self.by_channel.setdefault(listener.channel, set()).add(listener)
        restaurant_id = restaurant_id_from_channel(listener.channel)
        self.by_restaurant[restaurant_id] = self.by_restaurant.get(restaurant_id, 0) + 1

    def remove(self, listener: Listener) -> None:
        listeners = self.by_channel.get(listener.channel)
        if listeners is not None and listener in listeners:
            listeners.discard(listener)
            if not listeners:
                del self.by_channel[listener.channel]
            restaurant_id = restaurant_id_from_channel(listener.channel)
            left = self.by_restaurant[restaurant_id] - 1
            if left:
                self.by_restaurant[restaurant_id] = left
            else:
                del self.by_restaurant[restaurant_id]

    def open_public(self, address: str) -> None:
        self.public_by_address[address] = self.public_by_address.get(address, 0) + 1

    def close_public(self, address: str) -> None:
        left = self.public_by_address.get(address, 0) - 1
        if left > 0:
            self.public_by_address[address] = left
        else:
            self.public_by_address.pop(address, None)

    def public_streams(self, address: str) -> int:
        """Open streams without a party from this client address (read from page threads:
        a dict read, good enough for a cap)."""
        return self.public_by_address.get(address, 0)

    def watched(self) -> set[int]:
        return set(self.by_restaurant)

    def deliver(self, channel: str, event: str, data: str = "") -> None:
        """Tell the channel's streams of ``event``. Paced streams (Listener.every: the join
        page's) are not told one by one: their group is sent the news at most every
        ``every`` seconds, all at once (``on_paced``, set by waitlist/broadcast.py)."""
        paced = None
        for listener in self.by_channel.get(channel, ()):
            if listener.every and self.on_paced is not None:
                paced = listener.every
                continue
            self._tell(listener, event, data)
        if paced is None:
            return
        if event != CHANGED:
            self.on_paced(channel, event, data)  # the same bytes for everyone, at once
        elif channel not in self.pacing:
            loop = asyncio.get_running_loop()
            at = max(loop.time(), self.paced_at.get(channel, 0.0) + paced)
            self.pacing[channel] = loop.call_at(at, self._deliver_paced, channel)

    def _deliver_paced(self, channel: str) -> None:
        self.pacing.pop(channel, None)
        self.paced_at[channel] = asyncio.get_running_loop().time()
        self.on_paced(channel, CHANGED, "")

    def paced(self, channel: str) -> list[Listener]:
        return [listener for listener in self.by_channel.get(channel, ()) if listener.every]

    @staticmethod
    def _tell(listener: Listener, event: str, data: str) -> None:
        if len(listener.pending) < MAX_PENDING:
            listener.pending.append((event, data))
        else:
            listener.overflow = True
        listener.wake.set()


hub = Hub()


class Bus:
    def __init__(self) -> None:
        self.task: asyncio.Task | None = None
        self.connected = False
        self.lost = False
        self.refreshing: set[int] = set()
        self.dirty: set[int] = set()
        self.estimated_at: dict[int, float] = {}

    def ensure_started(self) -> None:
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self.run())

    async def run(self) -> None:
        backoff = 0.2
        while True:
            client = None
            try:
                client = build_async_client()
                pubsub = client.pubsub()
                await pubsub.subscribe(BUS)
                self.connected = True
                backoff = 0.2
                if self.lost:
                    log.info("pub/sub listener reconnected; refreshing open restaurants")
                    self.lost = False
                    for restaurant_id in hub.watched():
                        self.schedule(restaurant_id)
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=PING_SECONDS)
                    if message is None:
                        await pubsub.ping()  # a half-open connection fails here instead of idling forever
                    elif message.get("type") == "message":
                        self.on_message(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure of the connection: retry; never die silently
                self.connected = False
                self.lost = True
                log.warning("pub/sub listener lost Redis (%s: %s); retrying in %.1fs",
                            exc.__class__.__name__, exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 3.0)
            finally:
                if client is not None:
                    try:
                        await client.aclose()
                    except Exception:  # closing a client of a dead server may fail too
                        pass

    def on_message(self, raw) -> None:
        message = decode(raw)
        if message is None:
            return
        restaurant_id = restaurant_id_from_channel(message.channel)
        if restaurant_id is None or restaurant_id not in hub.by_restaurant:
            return
        if message.event != CHANGED:
            # Same HTML for everyone (an announcement): forwarded as it is, no rendering.
            hub.deliver(message.channel, message.event, message.data)
        self.schedule(restaurant_id)

    def schedule(self, restaurant_id: int) -> None:
        """Coalesce: while a refresh runs, further changes make it run once more after."""
        if restaurant_id in self.refreshing:
            self.dirty.add(restaurant_id)
            return
        self.refreshing.add(restaurant_id)
        asyncio.get_running_loop().create_task(self.refresh(restaurant_id))

    async def refresh(self, restaurant_id: int) -> None:
        """Places first, estimates after: every stream gets its new place as soon as the
        snapshot is read, and its new estimate once the simulation for the whole queue is
        done. While further changes are already waiting, the simulation waits for them,
        but never more than ESTIMATE_EVERY_SECONDS, so a busy night still gets estimates.
        Rounds start at most every MIN_REFRESH_SECONDS; changes in between coalesce."""
        last_round = 0.0
        try:
            while True:
                await asyncio.sleep(max(0.0, MIN_REFRESH_SECONDS - (time.monotonic() - last_round)))
                last_round = time.monotonic()
                self.dirty.discard(restaurant_id)
                try:
                    restaurant = await sync_to_async(_rebuild, thread_sensitive=False)(restaurant_id)
                    wake(restaurant_id)
                    overdue = time.monotonic() - self.estimated_at.get(restaurant_id, 0) > ESTIMATE_EVERY_SECONDS
                    if restaurant_id not in self.dirty or overdue:
                        await sync_to_async(live_view.with_estimates, thread_sensitive=False)(restaurant)
                        self.estimated_at[restaurant_id] = time.monotonic()
                        wake(restaurant_id)
                except Exception as exc:  # Redis or the database away: the listener loop notices
                    log.warning("refresh of restaurant %s failed: %s", restaurant_id, exc.__class__.__name__)
                    return
                if restaurant_id not in self.dirty:
                    return
        finally:
            self.refreshing.discard(restaurant_id)


def _rebuild(restaurant_id: int) -> Restaurant:
    restaurant = Restaurant.objects.get(pk=restaurant_id)
    live_view.refresh(restaurant, estimate=False)
    return restaurant


def wake(restaurant_id: int) -> None:
    for channel in (restaurant_channel(restaurant_id), host_channel(restaurant_id)):
        hub.deliver(channel, CHANGED)


bus = Bus()
