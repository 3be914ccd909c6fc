"""Turn an unreachable Redis or database into a friendly 503 instead of a 500 trace.

Errors raised inside a view are caught here; errors raised by inner middleware (a session
that cannot be saved) reach Django's 500 handler, which ``config.views.server_error``
answers the same way.
"""

import ipaddress
import logging
from urllib.parse import unquote_to_bytes

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.core.exceptions import BadRequest
from django.db import DatabaseError, InterfaceError
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("waitlist.outage")

try:
    from django_redis.exceptions import ConnectionInterrupted
except ImportError:  # pragma: no cover - django-redis always ships it
    ConnectionInterrupted = RedisConnectionError

OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, ConnectionInterrupted, InterfaceError)


def is_outage(exc: BaseException) -> bool:
    if isinstance(exc, OUTAGE_ERRORS):
        return True
    # Only connection-level database failures are outages; a bad query is a bug.
    if isinstance(exc, DatabaseError):
        text = str(exc).lower()
        return any(word in text for word in ("connection", "could not connect", "server closed", "database is locked"))
    return False


class ServiceUnavailableMiddleware:
    # Both sync and async: as the outermost middleware, a sync-only one would make every
    # request under daphne hop from the event loop to a thread and back once more.
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        return self.keep_session_cookie(self.get_response(request))

    async def __acall__(self, request):
        return self.keep_session_cookie(await self.get_response(request))

    @staticmethod
    def keep_session_cookie(response):
        # When the session store is what is down, Django reads the session as empty and its
        # middleware answers by deleting the browser's session cookie: the diner would lose
        # their place for good over a blip. An outage answer never touches that cookie.
        morsel = response.cookies.get(settings.SESSION_COOKIE_NAME)
        if response.status_code == 503 and morsel is not None and not morsel.value:
            del response.cookies[settings.SESSION_COOKIE_NAME]
        return response

    def process_exception(self, request, exception):
        if is_outage(exception):
            from .views import unavailable

            log.warning("outage path=%s error=%s: %s", request.path, exception.__class__.__name__, exception)
            return unavailable(request)
        return None


def client_address(meta: dict) -> str:
    """The client's address: REMOTE_ADDR, or with TRUSTED_PROXIES set, the address that many
    proxies back in X-Forwarded-For (each trusted proxy appends the address it saw; anything
    further left was written by the client and is not believed)."""
    hops = settings.TRUSTED_PROXIES
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if hops <= 0 or not forwarded:
        return meta.get("REMOTE_ADDR", "")
    chain = [part.strip() for part in forwarded.split(",") if part.strip()]
    candidate = chain[-hops] if len(chain) >= hops else chain[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return meta.get("REMOTE_ADDR", "")


class ClientAddressMiddleware:
    """REMOTE_ADDR becomes the client's address behind TRUSTED_PROXIES proxies, for the join
    limits, the login throttle and the logs alike."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.TRUSTED_PROXIES:
            request.META["REMOTE_ADDR"] = client_address(request.META)
        return self.get_response(request)


class Utf8FormMiddleware(MiddlewareMixin):
    """A form body whose text is not UTF-8 is a 400 (config.views.bad_request says why).

    Django decodes form fields with replacement: bytes that are not UTF-8 would reach the
    forms, and be stored, as U+FFFD. Checked before anything reads request.POST (the CSRF
    check does): the whole body, percent-escapes decoded, must be UTF-8. That is the same as
    every field being so, as the separators are plain ASCII. (A declared charset other than
    UTF-8 Django refuses by itself.)"""

    def process_request(self, request):
        if request.method != "POST" or request.content_type != "application/x-www-form-urlencoded" or \
                (request.encoding or "utf-8").lower() != "utf-8":
            return
        try:
            unquote_to_bytes(request.body).decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest(_("The form was not sent as UTF-8 text. Please reload the page and try again.")) from None
