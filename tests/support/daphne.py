"""Real daphne servers for tests that need HTTP and SSE over a socket.

Uses the same machinery as channels' ChannelsLiveServerTestCase (DaphneProcess serving the
project's ASGI application against the test database), as a context manager so several
servers can run at once (the scale-out tests start two).
"""

import contextlib
import multiprocessing
import os
from functools import partial
from multiprocessing.context import SpawnProcess

from channels.testing.live import make_application, set_database_connection
from daphne.testing import DaphneProcess


class SpawnedDaphneProcess(DaphneProcess):
    """Started fresh rather than forked: the test process has threads of its own (the
    quote worker, client pools), and a fork copies whatever locks they hold."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        spawn = multiprocessing.get_context("spawn")
        self.port = spawn.Value("i", self.port.value)
        self.ready = spawn.Event()
        self.errors = spawn.Queue()

    @staticmethod
    def _Popen(process_obj):
        return SpawnProcess._Popen(process_obj)


@contextlib.contextmanager
def daphne_server(host: str = "127.0.0.1", env: dict[str, str] | None = None):
    """The project's ASGI application as production serves it (static files through
    WhiteNoise, not channels' static wrapper), with ``env`` added to the environment the
    server's settings are read from (DEBUG=0, say)."""
    process = SpawnedDaphneProcess(host, partial(make_application, static_wrapper=None),
                                   setup=set_database_connection)
    with _environment(env or {}):
        process.start()  # a spawned process reads os.environ as it is now
    try:
        while not process.ready.wait(timeout=1):
            if not process.is_alive():
                raise RuntimeError("daphne did not start") from None
        yield f"http://{host}:{process.port.value}"
    finally:
        process.terminate()
        process.join(timeout=10)


@contextlib.contextmanager
def _environment(values: dict[str, str]):
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
