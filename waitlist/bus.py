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

import json

from .builds import BUILT_MARK, Builds
from .channels import channels
from .events import host_channel, restaurant_channel
from .eventstream import decode
from .hub import CHANGED, MAX_PENDING, Hub, Listener, hub

__all__ = ["CHANGED", "MAX_PENDING", "Hub", "Listener", "hub", "bus", "wake"]


def wake(restaurant_id: int) -> None:
    for channel in (restaurant_channel(restaurant_id), host_channel(restaurant_id)):
        hub.deliver(channel, CHANGED)


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

    async def follow(self, restaurant_id: int) -> None:
        """A local stream of the restaurant opens: returns once its changes reach this process."""
        self.ensure_started()
        await channels.acquire(restaurant_id)

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
