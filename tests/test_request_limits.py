"""A body larger than Django's DATA_UPLOAD_MAX_MEMORY_SIZE is refused by the server before it
is held in memory, whatever the route and however it is sent."""

import socket
from pathlib import Path

import pytest

from tests.support.factories import make_restaurant
from tests.support.redis_servers import AppServer

FIFTY_MB = 50 * 1024 * 1024
CHUNK = b"x" * (1024 * 1024)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def post_big(port: int, path: str, *, chunked: bool) -> bytes:
    """POST 50 MB to ``path`` and return the status line (the server may stop reading early)."""
    framing = b"Transfer-Encoding: chunked" if chunked else f"Content-Length: {FIFTY_MB}".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"POST " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\n" + framing + b"\r\n\r\n")
        try:
            for _ in range(FIFTY_MB // len(CHUNK)):
                sock.sendall(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK) if chunked else CHUNK)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the whole body was sent
        return sock.recv(65536).split(b"\r\n", 1)[0]


@pytest.fixture(scope="module")
def app(django_db_blocker):
    server = AppServer().start()
    yield server
    server.stop()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("path", ["/waitlist/bistro/join", "/accounts/login/", "/host/bistro/walk-in"])
def test_a_fifty_megabyte_post_is_refused_without_being_held(transactional_db, app, path, chunked):
    make_restaurant("bistro")
    post_big(app.port, "/waitlist/bistro/join", chunked=False)  # the first one warms the process up
    before = rss_kb(app.process.pid)
    status = post_big(app.port, path, chunked=chunked)
    assert status in (b"HTTP/1.1 413 Request Entity Too Large", b"HTTP/1.1 413 Payload Too Large"), status
    grew_mb = (rss_kb(app.process.pid) - before) / 1024
    assert grew_mb < 10, f"the server grew by {grew_mb:.1f} MB"


def test_a_body_under_the_limit_still_reaches_django(transactional_db, app):
    make_restaurant("bistro")
    body = b"name=" + b"a" * 100_000 + b"&size=2&preference=table"
    with socket.create_connection(("127.0.0.1", app.port), timeout=30) as sock:
        sock.sendall(b"POST /waitlist/bistro/join HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        status = sock.recv(65536).split(b"\r\n", 1)[0]
    assert status == b"HTTP/1.1 403 Forbidden"  # Django answered: no CSRF token
