"""Turn an unreachable Redis or database into a friendly 503 instead of a 500 trace.

Errors raised inside a view are caught here; errors raised by inner middleware (a session
that cannot be saved) reach Django's 500 handler, which ``config.views.server_error``
answers the same way.
"""

import logging

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

from django.conf import settings
from django.db import DatabaseError, InterfaceError
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
