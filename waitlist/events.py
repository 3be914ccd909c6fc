"""The one module that names event channels.

Queue changes are published by the Lua scripts themselves (one round trip per operation),
on the restaurant's own sharded pub/sub channel (``bus_channel``: it carries the
restaurant's hash tag, so in a Cluster it lives on the node owning the restaurant's keys).
A server process subscribes to a restaurant's bus channel while it holds streams of it
(waitlist/channels.py). Inside a bus message, ``restaurant_channel`` and ``host_channel``
say which of the process's streams the event is for.
"""

from .keys import keys_for

__all__ = ["bus_channel", "restaurant_channel", "host_channel", "restaurant_id_from_channel",
           "restaurant_id_from_bus"]


def bus_channel(restaurant_id: int) -> str:
    """The restaurant's channel on Redis: every change and every built view of it."""
    return keys_for(restaurant_id).bus


def restaurant_id_from_bus(channel: str | bytes) -> int | None:
    """The restaurant of a bus channel ("wl:{7}:bus" -> 7), None for anything else."""
    if isinstance(channel, bytes):
        channel = channel.decode("latin-1")
    if channel.startswith("wl:{") and channel.endswith("}:bus") and channel[4:-5].isdigit():
        return int(channel[4:-5])
    return None


def restaurant_channel(restaurant_id: int) -> str:
    """Carries 'changed' events for one restaurant, to diners' and hosts' streams alike.
    Browsers never name a channel: the stream view derives it from the session."""
    return f"restaurant-{int(restaurant_id)}"


def host_channel(restaurant_id: int) -> str:
    """The staff-only channel of the host dashboard: only the host stream view, which
    checks staff membership, listens on it."""
    return f"host-{int(restaurant_id)}"


def restaurant_id_from_channel(channel: str) -> int | None:
    for prefix in ("restaurant-", "host-"):
        if channel.startswith(prefix) and channel[len(prefix):].isdigit():
            return int(channel[len(prefix):])
    return None
