"""This process's open streams by channel, and how a change reaches thousands of them
without holding the event loop.

Waking a stream makes it render and write its fragments (a fraction of a millisecond
each); woken all at once, 10,000 streams would keep the loop from everything else for
seconds, page responses included. So a delivery to many streams goes in slices: a slice
is woken, the loop runs them and serves whatever else is ready (page responses, new
connections), then the next slice, each slice sized so that a turn of the loop takes
about TURN_SECONDS.

The process also keeps file descriptors in reserve (``stream_capacity``): past
STREAM_FD_SHARE of its limit, new streams are refused with a 503 (config/asgi.py), so
Redis and the database always have sockets left.
"""

import asyncio
import collections
import contextlib
import resource
import time

from django.conf import settings
from django.utils import translation

from . import live_view
from .events import restaurant_id_from_channel

# Events a stream may have waiting before it just re-renders everything once.
MAX_PENDING = 10
CHANGED = "changed"
# Delivered at once up to this many streams; more go in slices.
DIRECT = 64
# A slice's share of a loop turn: woken streams' work plus whatever else the turn serves.
TURN_SECONDS = 0.003
SLICE_LIMITS = (8, 1024)
# While page requests are being served, the next slice waits for them, up to this long: a
# page's thread needs the GIL at every step, and a loop busy fanning out keeps it waiting
# (join p95 with 5,000 streams and 2 changes/s: see docs/scaling.md).
PAGES_FIRST_SECONDS = 0.02


class Pages:
    """Page requests being served (config/asgi.py counts them; the event loop's thread only)."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.idle: asyncio.Event | None = None

    def begin(self) -> None:
        self.in_flight += 1
        if self.idle is not None:
            self.idle.clear()

    def end(self) -> None:
        self.in_flight -= 1
        if not self.in_flight and self.idle is not None:
            self.idle.set()

    async def until_idle(self, longest: float) -> None:
        if not self.in_flight:
            return
        if self.idle is None:
            self.idle = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(longest):
                await self.idle.wait()


pages = Pages()


class Listener:
    """One open stream's mailbox: events since it last looked, and a flag to wake it.

    A diner's stream served over ASGI also carries ``direct``: its fragments rendered from a
    view without awaiting anything, as the bytes still to send (None: the stream's own
    coroutine must do it). While that coroutine is parked, waiting for news, a fan-out
    renders and writes the diner's change itself, with no wake, timer or task switch per
    stream (join p95 under fan-out: docs/scaling.md)."""

    __slots__ = ("channel", "direct", "every", "language", "overflow", "parked", "party_id", "pending", "send",
                 "wake")

    def __init__(self, channel: str, every: float | None = None, party_id: int | None = None) -> None:
        self.channel = channel
        self.party_id = party_id  # a diner's stream: told of a change only if its party's page changes
        # Paced: told of changes at most this often, all such streams of the channel at once
        # (the join page's, whose news need not be instant), not at every change.
        self.every = every
        self.wake = asyncio.Event()
        self.pending: list[tuple[str, str]] = []
        self.overflow = False
        self.direct = self.send = self.language = None
        self.parked = False  # its coroutine waits for news, all it had sent

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
        self.streams = 0  # open streams, every channel together
        self.jobs: collections.deque = collections.deque()  # [listeners, next index, event, data, channel]
        self.fanning: asyncio.Task | None = None
        self.slice = 32
        self.turns = 0  # loop turns spent fanning out (tests, benchmarks)
        self.written = 0  # changes written to a diner's stream by the fan-out itself (tests, benchmarks)

    def add(self, listener: Listener) -> None:
        self.streams += 1
        self.by_channel.setdefault(listener.channel, set()).add(listener)
        restaurant_id = restaurant_id_from_channel(listener.channel)
        self.by_restaurant[restaurant_id] = self.by_restaurant.get(restaurant_id, 0) + 1

    def remove(self, listener: Listener) -> None:
        listeners = self.by_channel.get(listener.channel)
        if listeners is not None and listener in listeners:
            self.streams -= 1
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

    def deliver(self, channel: str, event: str, data: str = "", only: set[int] | None = None) -> None:
        """Tell the channel's streams of ``event``; with ``only``, of the diners' streams only
        those of these parties (the others' pages are as they were). Paced streams
        (Listener.every: the join page's) are not told one by one: their group is sent the
        news at most every ``every`` seconds, all at once (``on_paced``, set by
        waitlist/broadcast.py)."""
        paced, now = None, []
        current = self.by_channel.get(channel, ())
        for listener in current:
            if listener.every and self.on_paced is not None:
                paced = listener.every
                continue
            if only is not None and listener.party_id is not None and listener.party_id not in only:
                continue
            now.append(listener)
        if len(now) <= DIRECT and not self.jobs:
            for listener in now:
                self._tell(listener, event, data)
        elif now:
            if event == CHANGED:
                # A newer view supersedes the streams still waiting for the last one (a woken
                # stream renders the latest view): this change does not queue behind it. The
                # streams that view had not reached yet come first: they are the furthest behind.
                kept, behind = collections.deque(), []
                for job in self.jobs:
                    if job[2] == CHANGED and job[4] == channel:
                        behind.extend(job[0][job[1]:])
                    else:
                        kept.append(job)
                self.jobs = kept
                if behind:
                    first = set(behind)
                    now = [listener for listener in behind if listener in current] + \
                        [listener for listener in now if listener not in first]
            self.jobs.append([now, 0, event, data, channel])
            if self.fanning is None or self.fanning.done():
                self.fanning = asyncio.get_running_loop().create_task(self._fan_out())
        if paced is None:
            return
        if event != CHANGED:
            self.on_paced(channel, event, data)  # the same bytes for everyone, at once
        elif channel not in self.pacing:
            loop = asyncio.get_running_loop()
            at = max(loop.time(), self.paced_at.get(channel, 0.0) + paced)
            self.pacing[channel] = loop.call_at(at, self._deliver_paced, channel)

    async def _fan_out(self) -> None:
        """Serve the queued deliveries' streams a slice per loop turn, in order: a parked
        diner's stream is written to here, the others are woken."""
        low, high = SLICE_LIMITS
        language = translation.get_language()
        while self.jobs:
            await pages.until_idle(PAGES_FIRST_SECONDS)
            if not self.jobs:
                break
            started = time.perf_counter()
            job = self.jobs[0]
            listeners, start, event, data, channel = job
            end = min(start + self.slice, len(listeners))
            job[1] = end
            if end >= len(listeners):
                self.jobs.popleft()
            # The newest view, as a woken stream would render it (a build may land meanwhile).
            current = live_view.cached(restaurant_id_from_channel(channel)) if event == CHANGED else None
            for listener in listeners[start:end]:
                if current is None or listener.direct is None or not listener.parked or listener.pending:
                    self._tell(listener, event, data)
                    continue
                if listener.language != language:
                    language = listener.language
                    translation.activate(language)
                try:
                    body = listener.direct(current)
                except Exception:  # its own coroutine renders again, and ends the stream if it fails
                    body = None
                if body is None:
                    self._tell(listener, event, data)
                elif body:
                    self.written += 1
                    with contextlib.suppress(Exception):  # a client gone meanwhile: its coroutine ends it
                        await listener.send({"type": "http.response.body", "body": body.encode(), "more_body": True})
            await asyncio.sleep(0)  # the woken streams run, the loop serves the rest, then more
            turn = time.perf_counter() - started
            self.turns += 1
            self.slice = max(low, min(high, int(self.slice * TURN_SECONDS / max(turn, 1e-5)) or low))

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


def raise_fd_limit() -> int:
    """Raise this process's open-file limit to the hard limit (at start); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):
            pass
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def stream_capacity() -> int:
    """How many streams this process takes before refusing more: STREAM_FD_SHARE of its
    open-file limit (the rest stays for Redis, the database, page connections)."""
    return int(resource.getrlimit(resource.RLIMIT_NOFILE)[0] * settings.STREAM_FD_SHARE)


def full() -> bool:
    return hub.streams >= stream_capacity()
