"""Timers as the server sees them when it draws the page: ``{{ deadline_ms|time_left }}``
and ``{{ since_ms|time_since }}``. live.js keeps them ticking; without scripts the page
still shows how long, as of its last refresh."""

from django import template

from waitlist.clock import now_ms
from waitlist.presenters import clock_text

register = template.Library()


@register.filter
def time_left(deadline_ms) -> str:
    return clock_text(int(deadline_ms) - now_ms()) if deadline_ms not in (None, "") else ""


@register.filter
def time_since(since_ms) -> str:
    return clock_text(now_ms() - int(since_ms)) if since_ms not in (None, "") else ""
