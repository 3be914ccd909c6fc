"""What a diner sees, as template context and as JSON, from a ``DinerView``.

Shared by the page views and the SSE stream, so a fragment pushed live is the same HTML
the page would render on reload.
"""

import zoneinfo
from datetime import UTC, datetime
from functools import lru_cache

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from restaurants.models import Restaurant

from .live import DinerView
from .types import DINING, END_STATES, READY, WAITING

MINUTE_MS = 60_000


def display_state(view: DinerView) -> str:
    state = view.party.state
    if state == WAITING and view.getting_close:
        return "close"
    if state in END_STATES:
        return "done"
    return state


def status_context(*, restaurant: Restaurant, view: DinerView, csrf_token: str = "") -> dict:
    party = view.party
    limit_ms = None
    if party.state == DINING and restaurant.service_limit_minutes and party.seated_ms:
        limit_ms = party.seated_ms + restaurant.service_limit_minutes * MINUTE_MS
    return {
        "restaurant": restaurant,
        "party": party,
        "state": display_state(view),
        "ahead": view.ahead,
        "position": view.position,
        "wait": view.wait,
        "place_html": render_place(view),
        "tables": view.table_labels,
        "limit_ms": limit_ms,
        "csrf_token": csrf_token,
        # Changes whenever the diner must be alerted again (table ready, host notified again).
        "deadline_local": _local_time(restaurant, party.deadline_ms),
        "alert_key": f"ready-{party.notified}" if party.state == READY else "",
        "checkin_url": reverse("waitlist:checkin", args=[restaurant.slug]),
        "leave_url": reverse("waitlist:leave", args=[restaurant.slug]),
        "page_url": reverse("waitlist:page", args=[restaurant.slug]),
    }


def status_key(view: DinerView) -> tuple:
    """Everything the status fragment shows apart from the place in line. While it stays
    the same, a change in the queue only needs the small ``place`` fragment."""
    party = view.party
    return (display_state(view), party.state, party.notified, party.deadline_ms, party.seated_ms,
            party.warned_ms, party.over_ms, view.table_labels, party.name, party.size)


def render_place(view: DinerView) -> str:
    """Place in line, parties ahead and the estimate: the part of a waiting diner's page
    that moves with the line. Every open stream renders this on every queue change, so it
    is formatted here in Python (a Django template costs ~30x as much per diner, and with
    a thousand diners that decides how fast the last one learns its new place)."""
    if view.party.state != WAITING or view.ahead is None:
        return ""
    html = format_html(
        '<p class="position"><span class="sr-only">{}</span><span class="big" data-position>{}</span></p>'
        '<p class="ahead">{}</p>',
        _("Your place in line:"), view.position,
        ngettext("%(n)s party ahead of you", "%(n)s parties ahead of you", view.ahead) % {"n": view.ahead})
    if view.wait:
        low, high = view.wait
        text = (_("Your table should be ready any minute.") if high <= 1 else
                _("Estimated wait: %(low)s–%(high)s minutes") % {"low": low, "high": high})
        html += format_html('<p class="estimate">{}</p>', text)
    return mark_safe(html)


def _local_time(restaurant: Restaurant, ms: int | None) -> str:
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, tz=zoneinfo.ZoneInfo(restaurant.time_zone)).strftime("%H:%M")


def render_status(*, restaurant: Restaurant, view: DinerView, csrf_token: str) -> str:
    return render_to_string("waitlist/_status.html",
                            status_context(restaurant=restaurant, view=view, csrf_token=csrf_token))


def render_notice(text: str) -> str:
    """The host's message, as the same escaped HTML for every diner (rendered once per
    message and language, not once per diner and change)."""
    return _notice_html(text, get_language())


@lru_cache(maxsize=64)
def _notice_html(text: str, language: str) -> str:
    return render_to_string("waitlist/_notice.html", {"notice": text})


def _iso(ms: int | None) -> str | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat()


def status_json(view: DinerView) -> dict:
    party = view.party
    return {
        "state": party.state,
        "getting_close": view.getting_close,
        "position": view.position,
        "parties_ahead": view.ahead,
        "estimated_wait": None if view.wait is None else {"low": view.wait[0], "high": view.wait[1]},
        "checkin_deadline": _iso(party.deadline_ms) if party.state == READY else None,
        "table": view.table_labels if party.state in (READY, DINING) else None,
        "seated_at": _iso(party.seated_ms),
        "size": party.size,
        "preference": party.preference,
    }
