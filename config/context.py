"""Template context for every page."""

from waitlist.clock import now_ms


def server_clock(request):
    """The server's time on each full page, so countdowns tick on the server's clock even
    when the phone's clock is off. Fragments pushed later do not carry it (they would
    differ on every push and defeat the stream's "send only what changed")."""
    return {"server_now_ms": now_ms()}
