"""Which party a browser follows. A browser is its Django session; the live queue keeps,
next to the parties, which session follows which party (written by the join and
personal-link scripts in the same step as the party itself). Nothing a browser sends can
point it at another party, except that party's own personal link, whose token is
unguessable.
"""

import threading
import time
from collections import OrderedDict

from django.conf import settings

from restaurants.models import Restaurant

from . import queue
from .errors import UnknownParty
from .types import Party


# Session keys this process has seen confirmed by the store recently. A diner's join POST
# follows the GET that drew the form (which confirmed the key), so it need not ask the store
# again: that saves a Redis round trip on the busiest request of the night.
CONFIRMED_SECONDS = 600
CONFIRMED_MAX = 50_000
_confirmed: OrderedDict[str, float] = OrderedDict()
_lock = threading.Lock()


def _recently_confirmed(key: str | None) -> bool:
    seen = _confirmed.get(key) if key else None
    return seen is not None and time.monotonic() - seen < CONFIRMED_SECONDS


def _remember(key: str) -> None:
    with _lock:
        _confirmed[key] = time.monotonic()
        _confirmed.move_to_end(key)
        while len(_confirmed) > CONFIRMED_MAX:
            _confirmed.popitem(last=False)


def browser_key(request, *, create: bool = True) -> str | None:
    """This browser's session key, once the session store has confirmed it (so a key a
    client made up is never used); with ``create``, a new session when it has none."""
    sent = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if _recently_confirmed(sent):
        return sent
    key = _confirm(request, create)
    if key:
        _remember(key)
    return key


def _confirm(request, create: bool) -> str | None:
    session = request.session
    session.get("_")  # loads it: an unknown or expired key becomes None
    sent = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if sent and session.session_key is None:
        # Django's cache sessions read a store they cannot reach as an empty session. Ask
        # again: an outage then raises (the friendly 503) instead of telling a diner they
        # have no party, or starting a second one. An expired session costs this one check.
        session.exists(sent)
    if session.session_key is None and create:
        session.save()  # raises when the store is down: the outage answer, not a 2nd party
        session.modified = True  # so the middleware sends the new cookie
    return session.session_key


def current_party(request, restaurant: Restaurant) -> Party | None:
    """This browser's party here (active or recently ended), or None."""
    key = browser_key(request, create=False)
    if key is None:
        return None
    try:
        return queue.find_by_diner(restaurant=restaurant, diner=key)
    except UnknownParty:
        return None


def follow(request, restaurant: Restaurant, token: str) -> Party:
    """Open a personal link: this browser follows that party. Raises UnknownParty."""
    return queue.bind_diner(restaurant=restaurant, diner=browser_key(request), token=token)
