"""What a server process does with its restaurants' bus messages.

A process follows the channels of the restaurants it holds streams of (waitlist/channels.py).
A change there is built once for all processes (waitlist/builds.py: one snapshot read,
one estimate, one set of quotes); the built view reaches this process on the same channel,
and the restaurant's local streams are woken through the ``Hub`` (waitlist/hub.py), in
slices that never hold the event loop. A message the host sends to everyone (a notice) is
forwarded to the streams as it is, with no rendering.

Redis away: the channels reconnect with backoff and, once back, every followed restaurant
is built again, so pages catch up on their own.
"""

import asyncio
import json

from . import live_view
from .builds import BUILT_MARK, Builds
from .channels import channels
from .events import host_channel, restaurant_channel
from .eventstream import decode
from .hub import CHANGED, DIRECT, MAX_PENDING, Hub, Listener, hub

__all__ = ["CHANGED", "MAX_PENDING", "Hub", "Listener", "hub", "bus", "wake"]


# A change reaches a restaurant's streams twice: its places at once, then its estimates.
# To a crowd (more than DIRECT streams here), the estimates are not worth a fan-out of their
# own: they go with the next change's places, or after ESTIMATES_WAKE_SECONDS. At 2 changes
# a second to 5,000 diners that halves the fan-outs (join p95: docs/scaling.md).
ESTIMATES_WAKE_SECONDS = 2.0
_estimates_due: dict[int, asyncio.TimerHandle] = {}


def wake(restaurant_id: int, estimates: bool = False) -> None:
    if estimates and hub.by_restaurant.get(restaurant_id, 0) > DIRECT:
        if restaurant_id not in _estimates_due:
            _estimates_due[restaurant_id] = asyncio.get_running_loop().call_later(
                ESTIMATES_WAKE_SECONDS, _wake, restaurant_id)
        return
    _wake(restaurant_id)


# Restaurant id -> the view its streams were last woken for: a diner's stream is woken only
# when its own party's page changed since (a walk-in joining at the end moves nobody).
_woken_for: dict[int, live_view.LiveView] = {}


def _wake(restaurant_id: int) -> None:
    due = _estimates_due.pop(restaurant_id, None)
    if due is not None:
        due.cancel()
    current = live_view.cached(restaurant_id)
    only = live_view.changed_parties(_woken_for.get(restaurant_id), current) if current is not None else None
    if current is not None and hub.by_restaurant.get(restaurant_id):
        _woken_for[restaurant_id] = current
    else:
        _woken_for.pop(restaurant_id, None)
    hub.deliver(restaurant_channel(restaurant_id), CHANGED, only=only)
    hub.deliver(host_channel(restaurant_id), CHANGED)


class Bus:
    def __init__(self) -> None:
        self.builds = Builds(wake)

    def ensure_started(self) -> None:
        channels.on_message = self.on_message
        channels.on_resync = self.builds.resync
        channels.ensure_started()

    @property
    def connected(self) -> bool:
        return channels.up

    async def follow(self, restaurant_id: int) -> bool:
        """A local stream of the restaurant opens: returns once its changes reach this process,
        True when they did not before (what changed until then has not been heard here)."""
        self.ensure_started()
        return await channels.acquire(restaurant_id)

    def unfollow(self, restaurant_id: int) -> None:
        channels.release(restaurant_id)

    def on_message(self, restaurant_id: int, raw: bytes) -> None:
        if BUILT_MARK in raw[:200]:  # a built view: parsed in a thread (it may hold thousands of parties)
            self.builds.received(restaurant_id, raw)
            return
        message = decode(raw)
        if message is None:
            return
        if message.event != CHANGED:
            # Same HTML for everyone (an announcement): forwarded as it is, no rendering.
            hub.deliver(message.channel, message.event, message.data)
        self.builds.changed(restaurant_id, _version(message.data))


def _version(data: str) -> int | None:
    try:
        return int(json.loads(data)["v"])
    except (ValueError, KeyError, TypeError):
        return None


bus = Bus()
