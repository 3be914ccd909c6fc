"""ASGI entry point, served by daphne.

Two Django handlers behind one router:

- the live streams (``.../events``) are async views and go through Django's ASGI handler;
- every other request is a sync view and goes through Django's WSGI handler on a fixed
  pool of threads, in one hop from the event loop and back.

Why not Django's ASGI handler for everything: under ASGI it gives each request a thread of
its own, started and joined per request, with its own database connection opened and
closed each time, and runs each sync middleware through a separate thread hop. Measured on
the 2-core machines here (benchmarks/http_join.py, bare POST view, 16 keep-alive clients):
about 100 requests/s that way, several times more through the pool. Static files are served
by the same process (few, and cached by browsers); a CDN can take over in production.
"""

import asyncio
import io
import os
from concurrent.futures import ThreadPoolExecutor

from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

streams_application = get_asgi_application()
pages_application = get_wsgi_application()

from asgiref.wsgi import WsgiToAsgiInstance  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

# Enough threads to overlap a few requests waiting on Redis or the database; the GIL makes
# more pointless.
import sys  # noqa: E402
sys.setswitchinterval(float(os.getenv("GIL_SWITCH", "0.005")))
_pool = ThreadPoolExecutor(max_workers=int(os.getenv("WEB_THREADS", "8")), thread_name_prefix="web")


def _is_stream(scope) -> bool:
    return scope["path"].endswith("/events")


def _run_page(scope, body: bytes):
    """Run one request through Django's WSGI handler; returns (status, headers, body)."""
    adapter = WsgiToAsgiInstance(pages_application)
    adapter.scope = scope
    environ = adapter.build_environ(scope, io.BytesIO(body))
    started = {}

    def start_response(status, headers, exc_info=None):
        started["status"] = int(status.split(" ", 1)[0])
        started["headers"] = [(name.lower().encode("latin1"), value.encode("latin1")) for name, value in headers]

    result = pages_application(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return started["status"], started["headers"], content


async def _pages(scope, receive, send):
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    status, headers, content = await asyncio.get_running_loop().run_in_executor(_pool, _run_page, scope, body)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})


async def router(scope, receive, send):
    if scope["type"] == "http" and not _is_stream(scope):
        return await _pages(scope, receive, send)
    return await streams_application(scope, receive, send)


application = ASGIStaticFilesHandler(router)
