"""ASGI entry point, served by daphne.

Every request, live streams included, goes through Django's WSGI handler and its whole
middleware stack, on a fixed pool of threads one hop from the event loop. A stream's view
answers a ``StreamResponse`` carrying its plan (waitlist/stream.py); the router sees it
when the handler returns and serves the stream on the event loop with the status, headers
and cookies Django gave it, so an open stream costs a coroutine, not a thread.

Why not Django's ASGI handler: it starts a thread per request and hops between the event
loop and a thread for every sync middleware, and it would hold a thread for every open
stream; measured here it served a bare POST several times slower (docs/performance.md).

A request body is read whole before Django sees it; one larger than Django's own limit
(DATA_UPLOAD_MAX_MEMORY_SIZE) never gets here: daphne refuses it with 413 as soon as its
size is known, without holding it (config/request_limits.py).
"""

import asyncio
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

pages_application = get_wsgi_application()

from config import request_limits, tuning  # noqa: E402

# Once Django is loaded and before any page thread starts (docs/performance.md).
tuning.apply()
request_limits.install()

from django.utils import translation  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402

from waitlist import hub  # noqa: E402
from waitlist.broadcast import serve_shared  # noqa: E402
from waitlist.stream import StreamResponse, serve  # noqa: E402

# As many open streams as descriptors allow: raised to the hard limit before any opens.
hub.raise_fd_limit()
# Seconds a refused stream's browser waits before trying again (htmx's SSE reconnects).
STREAM_RETRY_AFTER = 10

# Enough threads to overlap a few requests waiting on Redis or the database. More is worse
# under the GIL (docs/performance.md); scale out with processes instead.
_pool = ThreadPoolExecutor(max_workers=int(os.getenv("WEB_THREADS", "4")), thread_name_prefix="web")

def environ_for(scope: dict, body: bytes) -> dict:
    """The WSGI environ (PEP 3333) of an ASGI HTTP scope: text fields are latin-1 strings of
    the original bytes, headers are HTTP_* variables, repeated headers joined by commas."""
    path = scope["path"].encode("utf-8").decode("latin-1")
    script_name = scope.get("root_path", "").encode("utf-8").decode("latin-1")
    if script_name and path.startswith(script_name):
        path = path[len(script_name):]
    server = scope.get("server") or ("localhost", 80)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path,
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1] if server[1] is not None else 80),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    client = scope.get("client")
    if client:
        environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = str(client[0]), str(client[1])
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        key = name if name in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{name}"
        value = raw_value.decode("latin-1")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


def _run_page(scope: dict, body: bytes):
    """Run one request through Django's WSGI handler. Returns the http.response.start
    message and either the body or, for a stream, its plan."""
    started = {}

    def start_response(status, headers, exc_info=None):
        started["status"] = int(status.split(" ", 1)[0])
        started["headers"] = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]

    response = pages_application(environ_for(scope, body), start_response)
    start = {"type": "http.response.start", "status": started["status"], "headers": started["headers"]}
    try:
        if isinstance(response, StreamResponse):
            return start, response.plan
        return start, b"".join(response)
    finally:
        response.close()  # request_finished: Django closes what the request opened


async def _read_body(receive) -> bytes | None:
    """The whole body (within Django's limit: see the module's docstring), or None when the
    client left first."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def router(scope, receive, send):
    if scope["type"] != "http":
        return
    body = await _read_body(receive)
    if body is None:
        return
    hub.pages.begin()
    try:
        start, result = await asyncio.get_running_loop().run_in_executor(_pool, _run_page, scope, body)
    finally:
        hub.pages.end()
    if isinstance(result, bytes):
        await send(start)
        await send({"type": "http.response.body", "body": result})
    elif scope["method"] == "HEAD":  # a stream's headers, without holding it open
        await send(start)
        await send({"type": "http.response.body", "body": b""})
    elif hub.full():
        await _refuse_stream(result, send)
    elif result.shared and result.every_seconds:
        await serve_shared(result, start, receive, send)  # the join page's: served as a group
    else:
        await serve(result, start, receive, send)


async def _refuse_stream(plan, send) -> None:
    """503 with Retry-After: this process has as many streams as its descriptors allow
    (waitlist/hub.py: stream_capacity). The page keeps working without its live updates."""
    with translation.override(plan.language):
        text = _("Live updates are busy right now. This page will try again in a few seconds.")
    await send({"type": "http.response.start", "status": 503, "headers": [
        (b"content-type", b"text/plain; charset=utf-8"), (b"retry-after", str(STREAM_RETRY_AFTER).encode()),
        (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": text.encode()})


# Static files too go through the router and Django's handler: WhiteNoise (a middleware,
# config/settings.py) answers them before the rest of the stack runs.
application = router
