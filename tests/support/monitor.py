"""Counting what a Redis server runs, with MONITOR: how many times a given script ran."""

import contextlib
import threading

import redis


class ScriptCalls:
    """Counts the calls of one Lua script (by its SHA1) on ``url`` while the block runs."""

    def __init__(self, url: str, sha: str) -> None:
        self.url, self.sha = url, sha.encode()
        self.calls = 0
        self._stop = threading.Event()
        self._ready = threading.Event()

    def _run(self) -> None:
        client = redis.Redis.from_url(self.url, protocol=2)
        connection = client.connection_pool.get_connection()
        connection.send_command("MONITOR")
        connection.read_response()  # OK
        self._ready.set()
        try:
            while not self._stop.is_set():
                if not connection.can_read(timeout=0.1):
                    continue
                line = connection.read_response()
                if isinstance(line, bytes) and b'"EVALSHA' in line and self.sha in line:
                    self.calls += 1
        finally:
            connection.disconnect()

    @contextlib.contextmanager
    def counting(self):
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        self._ready.wait(5)
        try:
            yield self
        finally:
            self._stop.set()
            thread.join(5)
