"""Real daphne servers for tests that need HTTP and SSE over a socket.

Uses the same machinery as channels' ChannelsLiveServerTestCase (DaphneProcess serving the
project's ASGI application against the test database), as a context manager so several
servers can run at once (the scale-out tests start two).
"""

import contextlib
import multiprocessing
from functools import partial
from multiprocessing.context import SpawnProcess

from channels.testing.live import make_application, set_database_connection
from daphne.testing import DaphneProcess
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler


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
def daphne_server(host: str = "127.0.0.1"):
    process = SpawnedDaphneProcess(host, partial(make_application, static_wrapper=ASGIStaticFilesHandler),
                                   setup=set_database_connection)
    process.start()
    try:
        while not process.ready.wait(timeout=1):
            if not process.is_alive():
                raise RuntimeError("daphne did not start") from None
        yield f"http://{host}:{process.port.value}"
    finally:
        process.terminate()
        process.join(timeout=10)
