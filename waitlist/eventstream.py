"""The one module that touches django-eventstream, and the bus messages' format.

What the project relies on, pinned by tests/test_eventstream_contract.py so that an upgrade
that changes it fails there first:

- A bus message is the JSON django-eventstream's ``send_event`` publishes,
  ``{"channel", "event_type", "data", "pub_id"}``. The Lua scripts and ``publish`` below
  send it on the restaurant's own sharded channel (waitlist/events.py: bus_channel), which
  the server processes holding streams of the restaurant subscribe to (waitlist/channels.py).
- ``sse_encode_event(event_type, data)`` writes one Server-Sent Event: an ``event:`` line, a
  ``data:`` line per line of data, a blank line.

The streams themselves are served by waitlist/stream.py, not by the library's view, which
holds a thread per open stream (docs/performance.md).
"""

import json
from dataclasses import dataclass

from django_eventstream.utils import sse_encode_event

from .events import bus_channel, restaurant_id_from_channel


@dataclass(frozen=True, slots=True)
class BusMessage:
    channel: str
    event: str
    data: str


def decode(raw: bytes | str) -> BusMessage | None:
    """A message received on a bus channel; None for anything that is not one."""
    try:
        message = json.loads(raw)
        return BusMessage(channel=str(message["channel"]), event=str(message["event_type"]),
                          data=message.get("data") or "")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def message(channel: str, event: str, data: str, pub_id: str | None = None) -> str:
    """A bus message; ``pub_id`` ends it (a sender can then know its own without parsing)."""
    return json.dumps({"channel": channel, "event_type": event, "data": data, "pub_id": pub_id})


def encode(event: str, data: str) -> str:
    """One event of a text/event-stream body."""
    return sse_encode_event(event, data)


def publish(channel: str, event: str, data: str) -> None:
    """Send ``data`` (already text: HTML, usually) as ``event`` to every stream of ``channel``
    (a restaurant's or its host's), in every server process that holds one."""
    from .redis_client import execute, get_redis

    execute(get_redis(), "SPUBLISH", bus_channel(restaurant_id_from_channel(channel)), message(channel, event, data))
