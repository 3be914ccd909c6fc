"""Streams whose fragments are the same for everyone (the join page's), served together.

A coroutine per stream, woken at every change, costs each open join page about what a
diner's page costs. These streams are instead members of their restaurant's group: the
restaurant's news reaches the group at most every PUBLIC_STREAM_EVERY_SECONDS
(waitlist/hub.py: Hub.deliver), its fragments are rendered once per language
(stream._encode_shared), and the same bytes are written to every member that lacks them,
a slice at a time so that page responses are not held behind a thousand writes. Each
member's own coroutine only waits for its client to leave, or for the page to go idle.
"""

import asyncio
import contextlib
import time

from asgiref.sync import sync_to_async
from django.utils import translation

from . import live_view, queue
from .bus import CHANGED, Listener, bus, hub
from .events import restaurant_id_from_channel
from .eventstream import encode
from .stream import IDLE, KEEPALIVE_SECONDS, PADDING, RETRY_MS, Plan, _encode_shared

SLICE = 100  # members written to before the event loop serves anything else


class Member(Listener):
    """One open stream of a group: where to write, and what it has."""

    def __init__(self, plan: Plan, send) -> None:
        super().__init__(plan.channel, every=plan.every_seconds)
        self.plan, self.send = plan, send
        self.sent: dict[str, str] = {}
        self.last_write = time.monotonic()

    async def write(self, text: str) -> None:
        self.last_write = time.monotonic()
        await self.send({"type": "http.response.body", "body": text.encode(), "more_body": True})


async def serve_shared(plan: Plan, start: dict, receive, send) -> None:
    """Serve a shared plan's stream over ASGI until the client leaves or the page idles."""
    await send(start)
    member = Member(plan, send)
    restaurant = plan.restaurant
    await bus.follow(restaurant.id)  # subscribed before the first view: no change missed
    try:
        version = await sync_to_async(queue.version, thread_sensitive=False)(restaurant_id=restaurant.id)
        current = await sync_to_async(live_view.view, thread_sensitive=False)(restaurant, min_version=version)
        with translation.override(plan.language):
            first = _encode_shared(plan, current, member.sent)
        await member.write(PADDING + f"retry: {RETRY_MS}\n\n" + first)
    except BaseException:
        bus.unfollow(restaurant.id)
        raise
    hub.add(member)
    _keepalive.ensure_started()
    if plan.address:
        hub.open_public(plan.address)
    try:
        async with asyncio.timeout(plan.idle_seconds or None):
            while (await receive())["type"] != "http.disconnect":
                pass
        return
    except TimeoutError:  # idle: the page says so and closes the stream (sse-close)
        with translation.override(plan.language):
            await member.write(encode(IDLE, plan.idle() if plan.idle else ""))
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        hub.remove(member)
        bus.unfollow(restaurant.id)
        if plan.address:
            hub.close_public(plan.address)


def on_paced(channel: str, event: str, data: str) -> None:
    asyncio.get_running_loop().create_task(_broadcast(channel, event, data))


async def _broadcast(channel: str, event: str, data: str) -> None:
    current = live_view.cached(restaurant_id_from_channel(channel)) if event == CHANGED else None
    for number, listener in enumerate(hub.paced(channel)):
        if not isinstance(listener, Member):
            hub._tell(listener, event, data)  # a paced stream served by stream() (not over ASGI)
            continue
        if event != CHANGED:
            listener.sent[event] = data
            body = encode(event, data)
        elif current is None:
            continue
        else:
            with translation.override(listener.plan.language):
                body = _encode_shared(listener.plan, current, listener.sent)
        if body:
            with contextlib.suppress(Exception):  # a client gone meanwhile: its own coroutine ends it
                await listener.write(body)
        if number % SLICE == SLICE - 1:
            await asyncio.sleep(0)


class _KeepAlive:
    """Every KEEPALIVE_SECONDS, a comment line to members that had nothing else to say."""

    def __init__(self) -> None:
        self.task: asyncio.Task | None = None

    def ensure_started(self) -> None:
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self.run())

    async def run(self) -> None:
        while True:
            await asyncio.sleep(KEEPALIVE_SECONDS / 3)
            due = time.monotonic() - KEEPALIVE_SECONDS
            members = [m for listeners in list(hub.by_channel.values()) for m in listeners
                       if isinstance(m, Member) and m.last_write < due]
            for number, member in enumerate(members):
                with contextlib.suppress(Exception):
                    await member.write("event: keep-alive\ndata:\n\n")
                if number % SLICE == SLICE - 1:
                    await asyncio.sleep(0)


_keepalive = _KeepAlive()
hub.on_paced = on_paced
