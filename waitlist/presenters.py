"""What a diner sees, as template context and as JSON, from a ``DinerView``.

Shared by the page views and the SSE stream, so a fragment pushed live is the same HTML
the page would render on reload.
"""

import zoneinfo
from functools import lru_cache

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from domain.durations import MINUTE_MS, to_datetime
from domain.values import DINING, END_STATES, READY, WAITING
from restaurants.models import Restaurant

from .clock import now_ms
from .live_view import DinerView


def display_state(view: DinerView) -> str:
    state = view.party.state
    if state == WAITING and view.getting_close:
        return "close"
    if state in END_STATES:
        return "done"
    return state


def clock_text(ms: int) -> str:
    """A duration as the page's timers show it ("4:05", "1:02:09"): what live.js writes
    every half second, written by the server too, so the page is right without scripts."""
    seconds = max(0, ms // 1000)
    hours, minutes = seconds // 3600, seconds % 3600 // 60
    return (f"{hours}:{minutes:02d}" if hours else f"{minutes}") + f":{seconds % 60:02d}"


def tel_href(phone: str) -> str:
    return "tel:" + "".join(ch for ch in phone if ch.isdigit() or ch == "+") if phone else ""


def was_extended(restaurant: Restaurant, party) -> bool:
    """The host gave a ready party more time than the hold it was offered."""
    return (party.state == READY and party.offered_ms is not None and party.deadline_ms is not None
            and party.deadline_ms > party.offered_ms + restaurant.checkin_timeout_minutes * MINUTE_MS)


def status_context(*, restaurant: Restaurant, view: DinerView, csrf_token: str = "") -> dict:
    party = view.party
    limit_ms = None
    # The limit is shown only once its heads-up fired: a diner who just sat down is welcomed,
    # not counted down.
    if party.state == DINING and restaurant.service_limit_minutes and party.seated_ms and party.warned_ms:
        limit_ms = party.seated_ms + restaurant.service_limit_minutes * MINUTE_MS
    at = now_ms()
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
        "limit_left": clock_text(limit_ms - at) if limit_ms else "",
        "seated_for": clock_text(at - party.seated_ms) if party.seated_ms else "",
        "seated_local": local_time(restaurant, party.seated_ms),
        "extended": was_extended(restaurant, party),
        "how_ended": party.reason if party.state in END_STATES else "",
        "phone_href": tel_href(restaurant.phone),
        "can_rejoin": restaurant.is_open,
        "csrf_token": csrf_token,
        # Changes whenever the diner must be alerted again (table ready, host notified again).
        "deadline_local": local_time(restaurant, party.deadline_ms),
        "alert_key": f"ready-{party.notified}" if party.state == READY else "",
        "checkin_url": reverse("waitlist:checkin", args=[restaurant.slug]),
        "leave_url": reverse("waitlist:leave", args=[restaurant.slug]),
        "page_url": reverse("waitlist:page", args=[restaurant.slug]),
    }


# What the diner may say of how far away they are (notifications/views.py accepts these).
ETA_CHOICES = (5, 10, 15, 20, 30, 45)


def channels_context(restaurant: Restaurant, party, *, error: str = "", field: str = "") -> dict:
    """The "tell me when my table is ready" card of the status page: which channels are on,
    which the restaurant offers, and what went wrong with the last thing the diner typed."""
    on = party.channels if party.is_active else ""
    return {
        "restaurant": restaurant, "party": party, "channels_on": on, "push_on": "p" in on, "text_on": "s" in on,
        "email_on": "e" in on, "phone_last4": party.phone_last4,
        "offers_text": bool(settings.SMS_BACKEND), "offers_push": bool(settings.VAPID_PUBLIC_KEY),
        "vapid_public_key": settings.VAPID_PUBLIC_KEY, "channel_error": error, "channel_error_field": field,
        "can_reach": party.state in (WAITING, READY),
        "eta_choices": ETA_CHOICES,
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
    a thousand diners that decides how fast the last one learns its new place), and each
    piece is kept per place, estimate and language: after a change every diner shows what
    the one ahead of it showed before (53 -> 20 us per diner with 5,000 waiting, make bench
    fanout)."""
    if view.party.state != WAITING or view.ahead is None:
        return ""
    language = get_language()
    html = _place_html(view.ahead, language)
    if view.wait:
        html += _estimate_html(*view.wait, language)
    return mark_safe(html)


# Longer lines than this still render, at the uncached cost for the places beyond it.
PLACES_KEPT = 16384


@lru_cache(maxsize=PLACES_KEPT)
def _place_html(ahead: int, language: str) -> str:  # language: the active one, part of the key
    return format_html(
        '<p class="position"><span class="sr-only">{}</span><span class="big" data-position>{}</span></p>'
        '<p class="ahead">{}</p>',
        _("Your place in line:"), ahead + 1,
        ngettext("%(n)s party ahead of you", "%(n)s parties ahead of you", ahead) % {"n": ahead})


@lru_cache(maxsize=PLACES_KEPT)
def _estimate_html(low: int, high: int | None, language: str) -> str:
    if high is None:  # past what the estimator looks ahead
        text = ngettext("Estimated wait: more than %(n)s hour", "Estimated wait: more than %(n)s hours",
                        low // 60) % {"n": low // 60}
    else:
        text = (_("Your table should be ready any minute.") if high <= 1 else
                _("Estimated wait: %(low)s–%(high)s minutes") % {"low": low, "high": high})
    return format_html('<p class="estimate">{}</p>', text)


def local_time(restaurant: Restaurant, ms: int | None) -> str:
    if ms is None:
        return ""
    return to_datetime(ms, zoneinfo.ZoneInfo(restaurant.time_zone)).strftime("%H:%M")


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
    return None if ms is None else to_datetime(ms).isoformat()


def status_json(view: DinerView) -> dict:
    party = view.party
    return {
        "state": party.state,
        "getting_close": view.getting_close,
        "position": view.position,
        "parties_ahead": view.ahead,
        # high null: more than low minutes, past what the estimator looks ahead.
        "estimated_wait": None if view.wait is None else {"low": view.wait[0], "high": view.wait[1]},
        "checkin_deadline": _iso(party.deadline_ms) if party.state == READY else None,
        "table": view.table_labels if party.state in (READY, DINING) else None,
        "seated_at": _iso(party.seated_ms),
        "size": party.size,
        "preference": party.preference,
    }
