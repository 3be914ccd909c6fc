"""Server-Sent Events: one pub/sub listener per server process, fanning out to its streams.

Every Lua script publishes "restaurant changed" on django-eventstream's bus. The ``Bus``
here receives it, rebuilds that restaurant's ``LiveView`` once (one snapshot, one estimate)
and wakes the local streams through django-eventstream's listener manager; each stream
renders only its own fragment and sends it if it changed.

django-eventstream's own Redis listener stops for good when Redis is away for long (its
task dies and nothing restarts it). This one reconnects with backoff and, once back,
refreshes every restaurant that has open streams, so pages catch up on their own.
"""

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.http import StreamingHttpResponse
from django_eventstream.event import Event
from django_eventstream.utils import sse_encode_event
from django_eventstream.views import Listener, get_listener_manager

from restaurants.models import Restaurant

from . import live, queue
from .events import BUS, host_channel, restaurant_channel, restaurant_id_from_channel
from .redis_client import build_async_client

log = logging.getLogger("waitlist.stream")

KEEPALIVE_SECONDS = 15
PING_SECONDS = 5
RETRY_MS = 2000
ESTIMATE_EVERY_SECONDS = 2.0
# On a busy night changes arrive faster than a thousand streams can be written to; those
# within this interval are sent together (places stay well under a second late).
MIN_REFRESH_SECONDS = 0.25
# Sent first: some proxies hold back the start of a response until it has some size.
PADDING = ":" + " " * 2048 + "\n\n"


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
                    for restaurant_id in self.watched():
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

    def watched(self) -> set[int]:
        channels = list(get_listener_manager().listeners_by_channel)
        return {rid for rid in map(restaurant_id_from_channel, channels) if rid is not None}

    def on_message(self, raw) -> None:
        try:
            message = json.loads(raw)
            channel, kind = message["channel"], message["event_type"]
        except (ValueError, KeyError, TypeError):
            return
        restaurant_id = restaurant_id_from_channel(channel)
        if restaurant_id is None or restaurant_id not in self.watched():
            return
        if kind != "changed":
            # Same HTML for everyone (an announcement): forwarded as it is, no rendering.
            get_listener_manager().add_to_queues(channel, Event(channel, kind, message.get("data") or ""))
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
                        await sync_to_async(live.with_estimates, thread_sensitive=False)(restaurant)
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
    live.refresh(restaurant, estimate=False)
    return restaurant


def wake(restaurant_id: int) -> None:
    manager = get_listener_manager()
    for channel in (restaurant_channel(restaurant_id), host_channel(restaurant_id)):
        manager.add_to_queues(channel, Event(channel, "changed", ""))


bus = Bus()

Render = Callable[[live.LiveView], dict[str, str]]

HEADERS = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache"),
           (b"x-accel-buffering", b"no"), (b"x-content-type-options", b"nosniff")]


@dataclass
class Plan:
    """What one stream will send, decided by a view before the first byte (restaurant,
    rights, which party), so that serving it needs no request, session or thread."""

    restaurant: Restaurant
    channel: str
    render: Render
    min_version: int | None = None

    def body(self) -> AsyncIterator[str]:
        return stream(restaurant=self.restaurant, channel=self.channel, render=self.render,
                      min_version=self.min_version)

    def response(self) -> StreamingHttpResponse:
        """As a Django response (for the test client and any non-ASGI server)."""
        response = StreamingHttpResponse(self.body(), content_type="text/event-stream")
        for name, value in HEADERS[1:]:
            response[name.decode()] = value.decode()
        return response


async def serve(plan: Plan, receive, send) -> None:
    """Send ``plan``'s stream over ASGI until the client goes away. One task pumps the
    stream, another waits for the disconnect and cancels it: no task per chunk."""
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})

    async def pump() -> None:
        async for chunk in plan.body():
            await send({"type": "http.response.body", "body": chunk.encode(), "more_body": True})

    pumping = asyncio.ensure_future(pump())

    async def watch() -> None:
        await _disconnected(receive)
        pumping.cancel()

    watcher = asyncio.ensure_future(watch())
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await pumping
    finally:
        watcher.cancel()
        pumping.cancel()


async def _disconnected(receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def stream(*, restaurant: Restaurant, channel: str, render: Render,
                 min_version: int | None = None) -> AsyncIterator[str]:
    """An SSE body: the full state at once (so a reconnect never leaves a page stale), then
    each changed fragment as the restaurant changes. ``render`` maps a view to
    {event name: html}; only fragments that differ from the last sent are sent again.
    The first view is at least ``min_version`` (read from Redis when not given)."""
    listener = Listener()
    listener.channels = {channel}
    listener.assign_loop()
    manager = get_listener_manager()
    manager.add_listener(listener)
    bus.ensure_started()
    sent: dict[str, str] = {}
    try:
        yield PADDING + f"retry: {RETRY_MS}\n\n"
        if min_version is None:
            min_version = await sync_to_async(queue.version, thread_sensitive=False)(restaurant_id=restaurant.id)
        current = await sync_to_async(live.view, thread_sensitive=False)(restaurant, min_version=min_version)
        yield await _encode(render, current, sent)
        while True:
            try:
                await asyncio.wait_for(listener.aevent.wait(), KEEPALIVE_SECONDS)
            except TimeoutError:
                yield "event: keep-alive\ndata:\n\n"
                continue
            with manager.lock:
                listener.aevent.clear()
                items, listener.channel_items = listener.channel_items, {}
                overflow, listener.overflow = listener.overflow, False
            body = ""
            for event in (e for events in items.values() for e in events if e.type != "changed"):
                sent[event.type] = event.data
                body += sse_encode_event(event.type, event.data)
            if overflow or any(e.type == "changed" for events in items.values() for e in events):
                current = live.cached(restaurant.id) or current
                body += await _encode(render, current, sent)
            if body:
                yield body
    finally:
        manager.remove_listener(listener)


async def _encode(render: Render, current: live.LiveView, sent: dict[str, str]) -> str:
    fragments = render(current)
    if asyncio.iscoroutine(fragments):
        fragments = await fragments
    body = ""
    for name, html in fragments.items():
        if sent.get(name) != html:
            sent[name] = html
            body += sse_encode_event(name, html)
    return body
