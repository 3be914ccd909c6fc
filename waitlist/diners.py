"""Which party a browser follows. A browser is a random key in a cookie of its own
(``DINER_COOKIE_NAME``), apart from Django's session, so that signing in to admin or out of
it, which rotates the session, does not lose a diner their place; and no session is made
for a diner at all. The live queue keeps, next to the parties, which browser follows which
party (written by the join and personal-link scripts in the same step as the party
itself). Nothing a browser sends can point it at another party, except that party's own
personal link, whose token is unguessable, as the browser key is.
"""

import re
import secrets

from django.conf import settings

from restaurants.models import Restaurant

from . import queue
from .errors import UnknownParty
from .state import Party

KEY = re.compile(r"^[A-Za-z0-9_-]{22}$")  # 128 random bits, base64url


def browser_key(request, *, create: bool = True) -> str | None:
    """This browser's key; with ``create``, a new one (sent as a cookie with the response)
    when it has none."""
    sent = request.COOKIES.get(settings.DINER_COOKIE_NAME, "")
    if KEY.match(sent):
        return sent
    new = getattr(request, "new_browser_key", None)
    if new is None and create:
        new = request.new_browser_key = secrets.token_urlsafe(16)
    return new


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


class BrowserCookieMiddleware:
    """Sends a browser the key ``browser_key`` gave it, for as long as a diner's place must
    outlive closing the browser."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        new = getattr(request, "new_browser_key", None)
        if new is not None and response.status_code < 500:
            response.set_cookie(settings.DINER_COOKIE_NAME, new, max_age=settings.DINER_COOKIE_AGE, httponly=True,
                                samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        return response
