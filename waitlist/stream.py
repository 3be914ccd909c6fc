"""Server-Sent Events: what one open stream sends. The bus (waitlist/bus.py) wakes a
stream when its restaurant changed; the stream renders its fragments from the restaurant's
``LiveView`` and sends those that changed. Fragments that are the same for every stream of
a restaurant (the join page's) are rendered once per change, for all of them.

A stream is planned by a view like any page (Django's whole middleware stack: session, user,
CSRF, language), which returns a ``StreamResponse`` carrying the ``Plan``; the ASGI router
(config/asgi.py) then serves the plan on the event loop, with no thread per open stream.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.http import StreamingHttpResponse
from django.utils import translation

from restaurants.models import Restaurant

from . import live_view, queue
from .bus import CHANGED, Listener, bus, hub
from .eventstream import encode

log = logging.getLogger("waitlist.stream")

KEEPALIVE_SECONDS = 15
RETRY_MS = 2000
# Sent first: some proxies hold back the start of a response until it has some size.
PADDING = ":" + " " * 2048 + "\n\n"
# The event that tells an idle page its stream is over (the page closes it: sse-close).
IDLE = "idle"


Render = Callable[[live_view.LiveView], dict[str, str]]

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@dataclass
class Plan:
    """What one stream will send, decided by its view before the first byte (restaurant,
    rights, which party, language), so that serving it needs no request and no thread.
    ``still_allowed``, when given, is asked every ``recheck_seconds`` (in a thread): once it
    says no, the stream ends."""

    restaurant: Restaurant
    channel: str
    render: Render
    min_version: int | None = None
    language: str | None = None
    still_allowed: Callable[[], bool] | None = None
    recheck_seconds: float = 5.0
    # The same fragments for every stream of the restaurant in this language (the join
    # page's): rendered once per view for all of them, encoded once, sent as they are.
    shared: bool = False
    # For a public stream: the client address it counts against, and after how long it
    # ends (``idle`` renders what the page shows then).
    address: str = ""
    idle_seconds: float | None = None
    idle: Callable[[], str] | None = None
    # Told of changes at most this often (the join page's wait needs no instant news), all
    # such streams of the restaurant at once (waitlist/bus.py: Hub.deliver).
    every_seconds: float | None = None
    # A diner's stream: its party, whose page alone it shows (woken only when that changes).
    party_id: int | None = None

    def body(self) -> AsyncIterator[str]:
        return stream(self)


class StreamResponse(StreamingHttpResponse):
    """What a stream view returns. Under the project's ASGI router the plan is served on the
    event loop (config/asgi.py); anywhere else (Django's test client, another server) the
    body is iterated as any streaming response."""

    def __init__(self, plan: Plan) -> None:
        super().__init__(plan.body(), content_type="text/event-stream")
        self.plan = plan
        for name, value in HEADERS.items():
            self[name] = value


async def serve(plan: Plan, start: dict, receive, send) -> None:
    """Send ``plan``'s stream over ASGI until the client goes away, after ``start`` (the
    http.response.start message Django's answer made: status, headers, cookies). One task
    pumps the stream, another waits for the disconnect and cancels it."""
    await send(start)

    async def pump() -> None:
        async for chunk in stream(plan, send):
            await send({"type": "http.response.body", "body": chunk.encode(), "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    pumping = asyncio.ensure_future(pump())

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        pumping.cancel()

    watcher = asyncio.ensure_future(watch())
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await pumping
    finally:
        watcher.cancel()
        pumping.cancel()


async def stream(plan: Plan, send=None) -> AsyncIterator[str]:
    """An SSE body: the full state at once (so a reconnect never leaves a page stale), then
    each changed fragment as the restaurant changes. ``plan.render`` maps a view to
    {event name: html}; only fragments that differ from the last sent are sent again.
    The first view is at least ``plan.min_version`` (read from Redis when not given).
    Given ``send`` (the ASGI one, what ``serve`` writes the body with), a diner's stream
    lets a fan-out write its changes while it waits (waitlist/hub.py: Listener)."""
    restaurant = plan.restaurant
    listener = Listener(plan.channel, every=plan.every_seconds, party_id=plan.party_id)
    sent: dict[str, str] = {}
    now = getattr(plan.render, "now", None)
    if send is not None and now is not None and plan.party_id is not None and plan.still_allowed is None \
            and plan.language:
        listener.direct, listener.send, listener.language = (lambda current: _encode_now(now, current, sent)), \
            send, plan.language
    hub.add(listener)
    followed = False
    rights = Rights(plan)
    if plan.address:
        hub.open_public(plan.address)
    ends_at = time.monotonic() + plan.idle_seconds if plan.idle_seconds else float("inf")
    # Once for the stream's whole life: the task serving it has a context of its own, so the
    # language stays its own however many streams the event loop runs.
    if plan.language:
        translation.activate(plan.language)
    try:
        yield PADDING + f"retry: {RETRY_MS}\n\n"
        # Subscribed before the first view: no change missed. A process that was not
        # subscribed yet may have missed changes made since the page was planned (its cached
        # view can be older than the queue): the first view is then at least the version now.
        fresh = await bus.follow(restaurant.id)
        followed = True
        min_version = plan.min_version
        if min_version is None or fresh:
            current = await sync_to_async(queue.version, thread_sensitive=False)(restaurant_id=restaurant.id)
            min_version = max(min_version or 0, current)
        first = await sync_to_async(live_view.view, thread_sensitive=False)(restaurant, min_version=min_version)
        yield await _encode(plan, first, sent)
        # No view is held between changes: a stream its changes pass by (waitlist/bus.py wakes
        # only the pages a change alters) would keep an old view, and all its parties, alive.
        del first

        async def latest() -> live_view.LiveView:
            return live_view.cached(restaurant.id) or await sync_to_async(
                live_view.view, thread_sensitive=False)(restaurant, min_version=min_version)

        keepalive_at, stale = time.monotonic() + KEEPALIVE_SECONDS, False
        while True:
            due = min(keepalive_at, rights.due_at, ends_at)
            if time.monotonic() >= ends_at:
                yield encode(IDLE, plan.idle() if plan.idle else "")
                return
            try:
                # asyncio.timeout, not wait_for: no task made for each wait of each stream.
                async with asyncio.timeout(max(0.0, due - time.monotonic())):
                    listener.parked = True
                    try:
                        await listener.wake.wait()
                    finally:
                        listener.parked = False
            except TimeoutError:
                body = ""
                if time.monotonic() >= rights.due_at:
                    if not await rights.check():
                        return
                    if stale and rights.verified:  # rights confirmed again: catch up at once
                        stale, body = False, await _encode(plan, await latest(), {})
                if not body and time.monotonic() >= keepalive_at:
                    body = "event: keep-alive\ndata:\n\n"
                if body:
                    keepalive_at = time.monotonic() + KEEPALIVE_SECONDS
                    yield body
                continue
            pending, overflow = listener.take()
            if not rights.verified:
                stale = True  # nothing goes out until a check says this browser may see it
                continue
            body = ""
            for event, data in pending:
                # A fragment the page already shows is not sent again: drawn again, its own
                # live region would be read out again (the host's message, say).
                if event != CHANGED and sent.get(event) != data:
                    sent[event] = data
                    body += encode(event, data)
            if overflow or any(event == CHANGED for event, _ in pending):
                body += await _encode(plan, await latest(), sent)
            if body:
                keepalive_at = time.monotonic() + KEEPALIVE_SECONDS
                yield body
    finally:
        hub.remove(listener)
        if followed:
            bus.unfollow(restaurant.id)
        if plan.address:
            hub.close_public(plan.address)


class Rights:
    """A stream's standing, for plans with ``still_allowed``: asked every
    ``recheck_seconds``. A no ends the stream; while the question cannot be answered (Redis
    or the database away), nothing is sent and it is asked again every second."""

    RETRY_SECONDS = 1.0

    def __init__(self, plan: Plan) -> None:
        self.ask = plan.still_allowed
        self.every = plan.recheck_seconds
        self.due_at = time.monotonic() + self.every if self.ask is not None else float("inf")
        self.verified = True

    async def check(self) -> bool:
        """False when the stream must end."""
        try:
            allowed = bool(await sync_to_async(self.ask, thread_sensitive=False)())
        except Exception as exc:  # cannot tell: send nothing until it can
            if self.verified:
                log.warning("stream rights check failed (%s); holding the stream", exc.__class__.__name__)
            self.verified, self.due_at = False, time.monotonic() + self.RETRY_SECONDS
            return True
        self.verified, self.due_at = allowed, time.monotonic() + self.every
        return allowed


# Fragments shared by every stream of a restaurant and language: (the view they were
# rendered from, {name: (html, encoded event)}). Only the event loop's thread uses it.
_shared: dict[tuple, tuple[object, dict[str, tuple[str, str]]]] = {}


def _encode_now(now: Callable, current: live_view.LiveView, sent: dict[str, str]) -> str | None:
    fragments = now(current)
    return None if fragments is None else _changed(fragments, sent)


def _changed(fragments: dict[str, str], sent: dict[str, str]) -> str:
    """The events of the fragments that differ from what was sent (``sent`` updated)."""
    body = ""
    for name, html in fragments.items():
        if sent.get(name) != html:
            sent[name] = html
            body += encode(name, html)
    return body


async def _encode(plan: Plan, current: live_view.LiveView, sent: dict[str, str]) -> str:
    if plan.shared:
        return _encode_shared(plan, current, sent)
    fragments = plan.render(current)
    if asyncio.iscoroutine(fragments):
        fragments = await fragments
    return _changed(fragments, sent)


def _encode_shared(plan: Plan, current: live_view.LiveView, sent: dict[str, str]) -> str:
    key = (plan.channel, plan.language)
    entry = _shared.get(key)
    if entry is None or entry[0] is not current:
        entry = (current, {name: (html, encode(name, html)) for name, html in plan.render(current).items()})
        _shared[key] = entry
    body = ""
    for name, (html, event) in entry[1].items():
        previous = sent.get(name)
        if previous is not html and previous != html:
            sent[name] = html
            body += event
    return body
