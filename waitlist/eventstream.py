"""The one module that touches django-eventstream.

What the project relies on, pinned by tests/test_eventstream_contract.py so that an upgrade
that changes it fails there first:

- ``send_event(channel, event_type, data, json_encode=False)``, the library's documented way
  to send, publishes with ``EVENTSTREAM_REDIS`` set a JSON message
  ``{"channel", "event_type", "data", "pub_id"}`` on the pub/sub channel ``BUS``. The Lua
  scripts publish the same message, so an event sent through the library and a change of
  the live queue reach the same streams (waitlist/stream.py listens on ``BUS``).
- ``sse_encode_event(event_type, data)`` writes one Server-Sent Event: an ``event:`` line, a
  ``data:`` line per line of data, a blank line.

The streams themselves are served by waitlist/stream.py, not by the library's view, which
holds a thread per open stream (docs/performance.md).
"""

import json
from dataclasses import dataclass

from django_eventstream import send_event
from django_eventstream.utils import sse_encode_event

# Where send_event publishes when EVENTSTREAM_REDIS is set (the library names it; it is not
# a setting).
BUS = "events_channel"


@dataclass(frozen=True, slots=True)
class BusMessage:
    channel: str
    event: str
    data: str


def decode(raw: bytes | str) -> BusMessage | None:
    """A message received on ``BUS``; None for anything that is not one."""
    try:
        message = json.loads(raw)
        return BusMessage(channel=str(message["channel"]), event=str(message["event_type"]),
                          data=message.get("data") or "")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def encode(event: str, data: str) -> str:
    """One event of a text/event-stream body."""
    return sse_encode_event(event, data)


def publish(channel: str, event: str, data: str) -> None:
    """Send ``data`` (already text: HTML, usually) as ``event`` to every stream of ``channel``,
    in every server process."""
    send_event(channel, event, data, json_encode=False)
