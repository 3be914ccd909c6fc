"""HTTP clients that behave like a diner's or a host's browser: cookies, CSRF, SSE."""

import json
import queue
import re
import threading
import time

import httpx

REQUEST_ID = re.compile(r'name="request_id" value="([^"]+)"')


CLOSED = "(stream closed)"  # what next() reads when the server ends the stream


class SSE:
    """Reads a text/event-stream on a thread; ``next(name)`` waits for the next event."""

    def __init__(self, client: httpx.Client, url: str):
        self.events: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._client = client
        self._url = url
        self.opened = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        if not self.opened.wait(10):
            raise TimeoutError(f"stream {url} did not open")

    def _run(self):
        try:
            with self._client.stream("GET", self._url, timeout=httpx.Timeout(5, read=None)) as response:
                self.status_code = response.status_code
                self.opened.set()
                name, data = None, []
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.startswith("event:"):
                        name = line[6:].strip()
                    elif line.startswith("data:"):
                        data.append(line[5:].removeprefix(" "))
                    elif line == "":
                        if name:
                            self.events.put((name, "\n".join(data)))
                        name, data = None, []
            self.events.put((CLOSED, ""))  # the server ended the stream
        except Exception as exc:  # reported to the test through the queue
            self.opened.set()
            self.events.put(("error", repr(exc)))

    def next(self, name: str | tuple[str, ...], timeout: float = 5.0, where=None) -> str:
        """The next event called ``name`` (or any of several names), whose data satisfies
        ``where`` if given."""
        names = (name,) if isinstance(name, str) else name
        for got, data in self._events(timeout, f"no {name!r} event within {timeout}s"):
            if got == "error":
                raise AssertionError(f"stream failed: {data}")
            if got in names and (where is None or where(data)):
                return data

    def until_closed(self, timeout: float) -> list[tuple[str, str]]:
        """Every event until the server ends the stream; TimeoutError if it does not in time."""
        seen = []
        for got, data in self._events(timeout, f"the stream was still open after {timeout}s"):
            if got == CLOSED:
                return seen
            seen.append((got, data))

    def _events(self, timeout: float, failure: str):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(failure)
            try:
                yield self.events.get(timeout=left)
            except queue.Empty:
                continue

    def close(self):
        self._stop.set()


class Browser:
    """One browser: a cookie jar, the CSRF token, and the pages' forms."""

    def __init__(self, base_url: str):
        self.base = base_url
        self.http = httpx.Client(base_url=base_url, follow_redirects=False, timeout=10)
        self.streams: list[SSE] = []

    def csrf(self) -> str:
        return self.http.cookies.get("csrftoken", "")

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.http.get(path, **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs) -> httpx.Response:
        if not self.csrf():
            self.http.get("/waitlist/__csrf__/")  # any page sets the cookie; a 404 page does too
        return self.http.post(path, data={"csrfmiddlewaretoken": self.csrf(), **(data or {})},
                              headers={"Referer": self.base + path, **kwargs.pop("headers", {})}, **kwargs)

    def join(self, slug: str, name: str, size: int = 2, preference: str = "table") -> httpx.Response:
        page = self.get(f"/waitlist/{slug}/")
        request_id = REQUEST_ID.search(page.text).group(1)
        response = self.post(f"/waitlist/{slug}/join",
                             {"name": name, "size": size, "preference": preference, "request_id": request_id})
        assert response.status_code == 303, response.text
        return response

    def sign_in(self, username: str, password: str) -> None:
        self.get("/accounts/login/")
        response = self.post("/accounts/login/", {"username": username, "password": password})
        assert response.status_code == 302, response.text

    def status(self, slug: str) -> dict:
        return self.get(f"/waitlist/{slug}/", headers={"Accept": "application/json"}).json()

    def leave(self, slug: str) -> httpx.Response:
        return self.post(f"/waitlist/{slug}/leave", {"confirm": "yes"})

    def events(self, path: str) -> SSE:
        stream = SSE(self.http, path)
        self.streams.append(stream)
        return stream

    def close(self):
        for stream in self.streams:
            stream.close()
        self.http.close()


# A queue move sends the small "place" fragment; a change of state the whole "status".
POSITION_EVENTS = ("status", "place")


def position_in(html: str) -> int | None:
    match = re.search(r"data-position>(\d+)<", html)
    return int(match.group(1)) if match else None


def as_json(data: str) -> dict:
    return json.loads(data)
