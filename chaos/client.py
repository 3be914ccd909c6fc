"""What stands between the chaos actors and the two web processes: a load balancer's retry
(a request that finds its server dead, frozen or answering 503 is sent again, to either
server, for a bounded time) and an SSE reader that reconnects like a browser's EventSource."""

import asyncio
import random
import re
import time
from dataclasses import dataclass, field

import httpx

RETRY_SECONDS = 40.0  # how long one request keeps trying before the actor gives it up
REQUEST_TIMEOUT = httpx.Timeout(8.0)  # a browser waits longer; a repeated host click waits up to 5 s
RETRIED = (httpx.TransportError,)


@dataclass
class Counters:
    requests: int = 0
    retries: int = 0
    unavailable: int = 0  # 503 answers (Redis away): friendly, and retried
    server_errors: int = 0  # 500 and other 5xx: never acceptable
    gave_up: int = 0
    given_up: list[str] = field(default_factory=list)  # what, and the last failure
    statuses: dict[int, int] = field(default_factory=dict)


class Balancer:
    def __init__(self, urls: list[str], counters: Counters) -> None:
        self.urls, self.counters = urls, counters

    async def send(self, client: httpx.AsyncClient, method: str, path: str, **kwargs) -> httpx.Response | None:
        """The first answer that is not a transport failure or a 503, or None when
        RETRY_SECONDS pass without one. ``kwargs`` go to httpx (data, headers)."""
        deadline = time.monotonic() + RETRY_SECONDS
        urls = random.sample(self.urls, len(self.urls))
        attempt = 0
        while True:
            url = urls[attempt % len(urls)]
            attempt += 1
            self.counters.requests += 1
            try:
                response = await client.request(method, url + path, timeout=REQUEST_TIMEOUT, **kwargs)
            except RETRIED as exc:
                response, failure = None, f"{url}: {exc.__class__.__name__}"
            else:
                failure = f"{url}: {response.status_code}"

            if response is not None:
                self.counters.statuses[response.status_code] = self.counters.statuses.get(response.status_code, 0) + 1
                if response.status_code == 503:
                    self.counters.unavailable += 1
                elif response.status_code >= 500:
                    self.counters.server_errors += 1
                    return response
                else:
                    return response
            if time.monotonic() > deadline:
                self.counters.gave_up += 1
                self.counters.given_up.append(f"{time.strftime('%H:%M:%S')} {method} {path} ({failure})")
                return None
            self.counters.retries += 1
            await asyncio.sleep(min(2.0, 0.2 * attempt) * random.uniform(0.5, 1.5))


def csrf_headers(client: httpx.AsyncClient) -> dict:
    token = next((cookie.value for cookie in client.cookies.jar if cookie.name == "csrftoken"), "")
    return {"X-CSRFToken": token}


RV = re.compile(r'name="rv" value="(\d+)"')
POSITION = re.compile(r"data-position>(\d+)<")
STATE = re.compile(r'data-state="([a-z_-]+)"')


@dataclass
class Watch:
    """One page's stream as a browser keeps it: reconnects after a drop, and remembers the
    last of each event it got on the connection it has now."""

    name: str
    path: str
    connections: int = 0
    open: bool = False
    last: dict[str, str] = field(default_factory=dict)  # event name -> data, on this connection
    events: int = 0
    problem: str = ""  # why the last connection ended or failed

    async def run(self, client: httpx.AsyncClient, urls: list[str], stop: asyncio.Event) -> None:
        while not stop.is_set():
            url = random.choice(urls)
            try:
                async with client.stream("GET", url + self.path, timeout=httpx.Timeout(4.0, read=None)) as response:
                    if response.status_code != 200:
                        raise httpx.TransportError(f"stream answered {response.status_code}")
                    self.connections += 1
                    self.last, self.open = {}, True
                    await self._read(response, stop)
                    self.problem = f"{url} ended the stream"
            except (httpx.HTTPError, asyncio.TimeoutError, StopAsyncIteration) as exc:
                self.problem = f"{url}: {exc.__class__.__name__} {exc}"[:160]
            finally:
                self.open = False
            if not stop.is_set():
                await asyncio.sleep(random.uniform(0.5, 1.5))

    async def _read(self, response: httpx.Response, stop: asyncio.Event) -> None:
        event, data = "message", []
        lines = response.aiter_lines()
        while not stop.is_set():
            line = await lines.__anext__()
            if line == "":
                if data:
                    if event == "status":
                        self.last.pop("place", None)  # the status carries the place too
                    self.last[event] = "\n".join(data)
                    self.events += 1
                event, data = "message", []
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))

    # What the page shows now, read from the last events.
    def shown_state(self) -> str | None:
        found = STATE.search(self.last.get("status", ""))
        return found.group(1) if found else None

    def shown_position(self) -> int | None:
        newest = self.last.get("place") if "place" in self.last else self.last.get("status", "")
        found = POSITION.search(newest or "")
        return int(found.group(1)) if found else None

    def shown_version(self) -> int | None:
        found = RV.findall(self.last.get("summary", ""))
        return max(map(int, found)) if found else None
