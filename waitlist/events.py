"""The one module that names event channels.

Queue changes are published by the Lua scripts themselves (one round trip per operation);
they receive ``BUS`` and the channel name from here through ``lua_scripts.run``. Every
server process listens on ``BUS`` (waitlist/stream.py) and refreshes the restaurant it serves.
"""

from .eventstream import BUS

__all__ = ["BUS", "restaurant_channel", "host_channel", "restaurant_id_from_channel"]


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
