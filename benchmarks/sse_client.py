"""A lean asyncio load generator: many HTTP/1.1 clients and SSE streams from one process.

Raw sockets instead of an HTTP library so that a thousand open streams cost the client
little CPU: on a 2-core machine every cycle the client spends is taken from the server.
"""

import asyncio
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

POSITION = re.compile(rb"data-position>(\d+)<")
COOKIE = re.compile(rb"^set-cookie:\s*([^=]+)=([^;]*)", re.I | re.M)


def encode_request(host: str, port: int, method: str, path: str, *, cookies: dict | None = None,
                   form: dict | None = None, headers: dict | None = None) -> bytes:
    """A browser-like HTTP/1.1 request: cookies, a form body with its Referer (Django's
    CSRF check wants one), and any extra headers."""
    body = urlencode(form).encode() if form is not None else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}"]
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    if form is not None:
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}",
                  f"Referer: http://{host}:{port}{path}"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def request(host: str, port: int, method: str, path: str, *, cookies: dict | None = None,
                  form: dict | None = None, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """One request on a fresh connection; returns (status, cookies set, body)."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(encode_request(host, port, method, path, cookies=cookies, form=form,
                                headers={"Connection": "close", **(headers or {})}))
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _, payload = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    set_cookies = {k.decode(): v.decode() for k, v in COOKIE.findall(head)}
    return status, set_cookies, payload


class Connection:
    """One keep-alive HTTP/1.1 connection, one request at a time: what a load generator
    worker holds, so connection setup is not what gets measured."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def send(self, method: str, path: str, *, cookies: dict | None = None, form: dict | None = None,
                   headers: dict | None = None) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(encode_request(self.host, self.port, method, path, cookies=cookies, form=form,
                                         headers=headers))
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        self.cookies = {k.decode(): v.decode() for k, v in COOKIE.findall(head)}
        length = re.search(rb"content-length:\s*(\d+)", head, re.I)
        self.body = await self.reader.readexactly(int(length.group(1))) if length else b""
        if re.search(rb"connection:\s*close", head, re.I):
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Stream:
    """One open SSE connection: when each event kind last arrived and what it carried."""

    cookies: dict
    position: int | None = None
    arrivals: dict = field(default_factory=dict)  # event name -> perf_counter of latest arrival
    moved_at: float = 0.0  # perf_counter when the position last changed
    notices: list = field(default_factory=list)
    errors: int = 0
    events: int = 0
    received: int = 0  # bytes of the body, framing included
    opened: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False
    task: asyncio.Task | None = None

    async def run(self, host: str, port: int, path: str) -> None:
        try:
            reader, writer = await asyncio.open_connection(host, port)
            cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
                         f"Cookie: {cookie}\r\n\r\n".encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            if b" 200 " not in head.split(b"\r\n", 1)[0]:
                self.errors += 1
                return
            buffer = b""
            while not self.closed:
                chunk = await reader.read(65536)
                if not chunk:
                    break
                self.received += len(chunk)
                buffer += chunk
                while b"\n\n" in buffer:
                    event, buffer = buffer.split(b"\n\n", 1)
                    self._on_event(event)
        except (OSError, asyncio.IncompleteReadError):
            if not self.closed:
                self.errors += 1

    def _on_event(self, event: bytes) -> None:
        # Chunked transfer framing may sit between events; only lines with "event:" matter.
        now = time.perf_counter()
        if b"event: status" in event or b"event: place" in event:
            match = POSITION.search(event)
            position = int(match.group(1)) if match else None
            if position != self.position:
                self.position, self.moved_at = position, now
            self.arrivals["status"] = now
            self.events += 1
            self.opened.set()
        elif b"event: notice" in event:
            self.notices.append((now, event))
            self.arrivals["notice"] = now
            self.events += 1
        elif b"event: waits" in event:
            self.opened.set()


async def wait_for(check, timeout: float, interval: float = 0.005) -> bool:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if check():
            return True
        await asyncio.sleep(interval)
    return check()
