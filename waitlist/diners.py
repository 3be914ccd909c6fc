"""Which party belongs to this browser. The session keeps the party's token per restaurant;
nothing a browser sends can point it at another party, except that party's own personal
link, which carries the (unguessable) token itself."""

import secrets

from django.conf import settings

from restaurants.models import Restaurant

from . import queue
from .errors import UnknownParty
from .types import Party

PARTIES = "wl_parties"  # {restaurant id: party token}
DINER = "wl_diner"


def diner_key(request) -> str:
    """A random id for this browser, so the queue can refuse a second active party."""
    key = request.session.get(DINER)
    if not key:
        _check_session_store(request)
        key = request.session[DINER] = secrets.token_urlsafe(12)
    return key


def _check_session_store(request) -> None:
    """Django's cache session backend reads a store it cannot reach as an empty session.
    When the browser sent a session cookie that did not load, ask the store again: an
    outage then raises (and becomes the friendly 503) instead of telling a diner that they
    have no party, or giving them a second one. An expired session costs this one check."""
    sent = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if sent and request.session.session_key is None:
        request.session.exists(sent)


def bound_token(request, restaurant: Restaurant) -> str | None:
    parties = request.session.get(PARTIES, {})
    if not parties:
        _check_session_store(request)
    return parties.get(str(restaurant.id))


def bind(request, restaurant: Restaurant, token: str) -> None:
    parties = dict(request.session.get(PARTIES, {}))
    parties[str(restaurant.id)] = token
    request.session[PARTIES] = parties


def unbind(request, restaurant: Restaurant) -> None:
    parties = dict(request.session.get(PARTIES, {}))
    if parties.pop(str(restaurant.id), None) is not None:
        request.session[PARTIES] = parties


def current_party(request, restaurant: Restaurant) -> Party | None:
    """This browser's party here (active or recently ended), or None."""
    token = bound_token(request, restaurant)
    if not token:
        return None
    try:
        return queue.find_by_token(restaurant=restaurant, token=token)
    except UnknownParty:
        unbind(request, restaurant)
        return None


async def acurrent_token(request, restaurant: Restaurant) -> str | None:
    parties = await request.session.aget(PARTIES, {})
    sent = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not parties and sent and request.session.session_key is None:
        await request.session.aexists(sent)  # see _check_session_store
    return parties.get(str(restaurant.id))
