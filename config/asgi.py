"""ASGI entry point, served by daphne.

Three kinds of request, three paths:

- live streams (``.../events``): the view decides once, in a pooled thread, what the
  stream will carry (``stream_plan``: session, rights, which party); the stream itself
  then runs on the event loop with no thread and no middleware of its own, so a thousand
  open streams cost a thousand coroutines, not a thousand threads;
- every other request: Django's WSGI handler on a fixed pool of threads, one hop from the
  event loop and back;
- static files: served by the same process (few, cached by browsers).

Why not Django's ASGI handler: under it each request gets a thread of its own, started
and joined per request, with its own database connection opened and closed each time, and
every sync middleware costs a thread hop. Measured on the 2-core machines here
(benchmarks/http_join.py, bare POST view, 16 keep-alive clients): about 100 requests/s
that way, about 470/s through the pool; and 1,000 streams did not finish opening in five
minutes through it, while they open in seconds this way.
"""

import asyncio
import io
import os
from concurrent.futures import ThreadPoolExecutor

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

pages_application = get_wsgi_application()

from config import tuning  # noqa: E402

# Once Django is loaded and before any page thread starts (README, Performance).
tuning.apply()

from asgiref.wsgi import WsgiToAsgiInstance  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402
from django.core.exceptions import PermissionDenied  # noqa: E402
from django.core.handlers.wsgi import WSGIRequest  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from django.middleware.csrf import CsrfViewMiddleware  # noqa: E402
from django.http import Http404  # noqa: E402
from django.urls import Resolver404, resolve, reverse  # noqa: E402
from django.utils.functional import SimpleLazyObject  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

from config.middleware import is_outage  # noqa: E402
from waitlist.stream import Plan, serve  # noqa: E402

# Enough threads to overlap a few requests waiting on Redis or the database. More is worse
# under the GIL: each thread back from Redis waits for the GIL behind the others (joins
# through 2 to 4 threads ran about a fifth faster than through 8 or 16 in
# benchmarks/http_join.py). Scale out with processes instead (README, Reliability).
_pool = ThreadPoolExecutor(max_workers=int(os.getenv("WEB_THREADS", "4")), thread_name_prefix="web")

# URL name -> the view function that plans the stream (and whether it needs a staff login).
STREAMS = {
    "waitlist:events": ("waitlist.views.stream_plan", False),
    "seating:events": ("seating.views.stream_plan", True),
}


def _environ(scope, body: bytes) -> dict:
    adapter = WsgiToAsgiInstance(pages_application)
    adapter.scope = scope
    return adapter.build_environ(scope, io.BytesIO(body))


def _run_page(scope, body: bytes):
    """Run one request through Django's WSGI handler; returns (status, headers, body)."""
    started = {}

    def start_response(status, headers, exc_info=None):
        started["status"] = int(status.split(" ", 1)[0])
        started["headers"] = [(name.lower().encode("latin1"), value.encode("latin1")) for name, value in headers]

    result = pages_application(_environ(scope, body), start_response)
    try:
        content = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return started["status"], started["headers"], content


async def _read_body(receive) -> bytes | None:
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def _pages(scope, receive, send):
    body = await _read_body(receive)
    if body is None:
        return
    status, headers, content = await asyncio.get_running_loop().run_in_executor(_pool, _run_page, scope, body)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})


def _plan_stream(scope, view_path: str, staff: bool, kwargs: dict):
    """Run a stream's planning view with the session and user the middleware would give
    it. Returns a Plan, or (status, headers, body) for an answer instead of a stream."""
    close_old_connections()
    try:
        request = WSGIRequest(_environ(scope, b""))
        engine = import_string(settings.SESSION_ENGINE)
        request.session = engine.SessionStore(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
        request.user = SimpleLazyObject(lambda: get_user(request))
        # Read the CSRF cookie as the middleware would, so forms in the stream's fragments
        # carry a token that matches this browser's cookie.
        CsrfViewMiddleware(lambda r: None).process_request(request)
        if staff and not request.user.is_authenticated:
            return 302, [(b"location", f"{reverse('login')}?next={request.path}".encode())], b""
        return import_string(view_path)(request, **kwargs)
    except Http404:
        return 404, [(b"content-type", b"text/plain")], b"Not found"
    except PermissionDenied:
        return 403, [(b"content-type", b"text/plain")], b"Forbidden"
    except Exception as exc:
        if is_outage(exc):
            return 503, [(b"content-type", b"text/plain"), (b"retry-after", b"5")], b"Briefly unavailable"
        raise
    finally:
        close_old_connections()


async def _streams(scope, receive, send) -> bool:
    """Serve a live stream; False when the path is not one (Django answers instead)."""
    try:
        match = resolve(scope["path"])
    except Resolver404:
        return False
    if match.view_name not in STREAMS:
        return False
    view_path, staff = STREAMS[match.view_name]
    result = await asyncio.get_running_loop().run_in_executor(_pool, _plan_stream, scope, view_path, staff,
                                                              match.kwargs)
    if isinstance(result, Plan):
        await serve(result, receive, send)
    else:
        status, headers, body = result
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
    return True


async def router(scope, receive, send):
    if scope["type"] != "http":
        return
    if scope["method"] == "GET" and scope["path"].endswith("/events") and await _streams(scope, receive, send):
        return
    await _pages(scope, receive, send)


application = ASGIStaticFilesHandler(router)
