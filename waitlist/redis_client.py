"""Connections to Redis for the live queue and the event listener.

One place decides between a plain server, Sentinel and Cluster, so the rest of the code
never knows which it talks to; and which replica, if any, a read may go to
(``replica``; lua_scripts.read decides whether its answer is recent enough).
"""

import socket
import struct
import threading
import time

import redis
from django.conf import settings
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

try:
    from hiredis import pack_command as _pack  # what redis-py calls too, minus its checks
except ImportError:  # pragma: no cover - hiredis is a dependency; redis-py packs without it
    _pack = None

_lock = threading.Lock()
_client = None


def _retry() -> Retry:
    # Retry only when the connection failed: a timeout may mean the script already ran,
    # and running a non-idempotent operation twice would be worse than a clear error.
    return Retry(ExponentialBackoff(cap=0.5, base=0.05), 2, supported_errors=(redis.ConnectionError,))


def _options() -> dict:
    return {
        "socket_timeout": settings.REDIS_SOCKET_TIMEOUT,
        "socket_connect_timeout": settings.REDIS_SOCKET_TIMEOUT,
        "retry": _retry(),
        "health_check_interval": 30,
    }


class KernelTimeoutConnection(redis.Connection):
    """A connection whose read and write timeouts are kept by the kernel (SO_RCVTIMEO,
    SO_SNDTIMEO) instead of by Python. A Python socket timeout makes every send and every
    receive a poll() first, and each extra call hands the GIL to another thread and back.
    A server that stops answering still fails the call after the same time: the kernel's
    EAGAIN becomes the TimeoutError Python's timeout would have raised, which the outage
    middleware turns into the friendly 503 page.

    This steps past redis-py's public API (it overrides ``_connect`` to set the options on
    the new socket); with ``execute`` below it is worth it: ``make bench`` (redis_calls)
    measured about 40 µs of CPU per script call against 90 µs through redis-py's public
    client, from four page threads. tests/test_redis_lane.py and the SIGSTOP test in
    tests/test_faults_redis.py fail if an upgrade changes what this relies on."""

    def __init__(self, *args, kernel_timeout: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.kernel_timeout = kernel_timeout

    def _connect(self):
        sock = super()._connect()
        seconds = int(self.kernel_timeout)
        value = struct.pack("ll", seconds, int((self.kernel_timeout - seconds) * 1_000_000))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, value)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, value)
        sock.settimeout(None)
        return sock

    def read_response(self, *args, **kwargs):
        try:
            return super().read_response(*args, **kwargs)
        except redis.ConnectionError as exc:
            # The kernel's timeout: a TimeoutError, as with Python's, so it is not retried
            # (the command may have run; see _retry).
            if isinstance(exc.__context__, BlockingIOError):
                raise redis.TimeoutError(f"Timeout reading from {self.host}:{self.port}") from exc
            raise


def build_client():
    if settings.REDIS_SENTINELS:
        from redis.sentinel import Sentinel

        sentinel = Sentinel(settings.REDIS_SENTINELS, socket_timeout=settings.REDIS_SOCKET_TIMEOUT)
        return sentinel.master_for(settings.REDIS_SENTINEL_MASTER, **_options())
    if settings.REDIS_CLUSTER:
        from redis.cluster import RedisCluster

        return RedisCluster.from_url(settings.REDIS_URL, socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
                                     socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT)
    options = _options()
    if settings.REDIS_URL.startswith("redis://"):
        # Python's own timeout only while connecting; the kernel keeps it after that.
        options.update(socket_timeout=None, connection_class=KernelTimeoutConnection,
                       kernel_timeout=settings.REDIS_SOCKET_TIMEOUT)
    return redis.Redis.from_url(settings.REDIS_URL, **options)


def get_redis():
    """The process-wide client (it pools its own connections and is thread safe)."""
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                _client = build_client()
    return _client


# How long a replica that failed a read is left alone before it is tried again.
REPLICA_RETRY_SECONDS = 5.0


class _Replicas:
    """The replicas reads may go to, taken in turn; one that failed is skipped for a while
    (its reads go to the primary meanwhile)."""

    def __init__(self, clients: list) -> None:
        self.clients = clients
        self.turn = 0
        self.away_until = [0.0] * len(clients)

    def pick(self):
        now = time.monotonic()
        for _ in range(len(self.clients)):
            index = self.turn % len(self.clients)
            self.turn += 1
            if self.away_until[index] <= now:
                return self.clients[index]
        return None

    def failed(self, client) -> None:
        if client in self.clients:  # not a client of before a reset_redis()
            self.away_until[self.clients.index(client)] = time.monotonic() + REPLICA_RETRY_SECONDS


_replicas: _Replicas | None = None


def _build_replicas() -> _Replicas:
    if settings.REDIS_SENTINELS and settings.REDIS_SENTINEL_REPLICA_READS:
        from redis.sentinel import Sentinel

        # One client over Sentinel's healthy replicas: redis-py rotates through them and
        # asks Sentinel again when they change.
        sentinel = Sentinel(settings.REDIS_SENTINELS, socket_timeout=settings.REDIS_SOCKET_TIMEOUT)
        return _Replicas([sentinel.slave_for(settings.REDIS_SENTINEL_MASTER, **_options())])
    if settings.REDIS_CLUSTER:
        return _Replicas([])  # a cluster's replicas are not read from (docs/scaling.md)
    options = {**_options(), "socket_timeout": None, "connection_class": KernelTimeoutConnection,
               "kernel_timeout": settings.REDIS_SOCKET_TIMEOUT}
    return _Replicas([redis.Redis.from_url(url, **options) for url in settings.REDIS_REPLICA_URLS])


def replica():
    """A replica to read from now, or None (none configured, or every one away)."""
    global _replicas
    if _replicas is None:
        with _lock:
            if _replicas is None:
                _replicas = _build_replicas()
    return _replicas.pick() if _replicas.clients else None


def replica_failed(client) -> None:
    """A read from ``client`` failed: leave it alone for REPLICA_RETRY_SECONDS."""
    if _replicas is not None:
        _replicas.failed(client)


class _Lane(threading.local):
    """This thread's own connection, and the client it was made for."""
    client = None
    connection = None


_lane = _Lane()


def execute(client, *args):
    """Run one command and return its reply: on a plain server, over a connection this
    thread keeps for itself.

    Why not ``client.execute_command``: around the same round trip, redis-py takes a
    connection from its pool under a lock, asks the kernel whether the connection holds
    stale data (a poll() that hands the GIL to another thread and back), checks deprecated
    arguments and counts pool states, on the busiest path of the night, the join. ``make
    bench`` (redis_calls) keeps the difference measured (see KernelTimeoutConnection). A
    connection no other thread touches cannot hold another command's reply: every failure
    between sending and reading disconnects it, as redis-py does. Failed connections are
    retried as the client's own retry policy says (reconnect on a connection error; never
    after a timeout, when the command may have run).

    Sentinel and Cluster clients route commands themselves: they keep their own path.
    """
    pool = getattr(client, "connection_pool", None)
    if type(pool) is not redis.ConnectionPool:
        return client.execute_command(*args)
    lane = _lane
    if lane.client is not client:
        if lane.connection is not None:
            lane.connection.disconnect()
        lane.connection = pool.connection_class(**pool.connection_kwargs)
        lane.client = client
    connection = lane.connection
    return connection.retry.call_with_retry(lambda: _round_trip(connection, args),
                                            lambda error: connection.disconnect())


def _round_trip(connection, args):
    # Our arguments are only str, int and bytes: hiredis packs them as they are (a wrong
    # type is a bug, and raises here, before anything is sent).
    packed = [_pack(args)] if _pack is not None else connection.pack_command(*args)
    try:
        connection.send_packed_command(packed, check_health=False)
        return connection.read_response()
    except redis.ResponseError:
        raise  # the server's answer (NOSCRIPT, a script's error code): the connection is fine
    except BaseException:
        connection.disconnect()  # a reply may still be on its way: never read it as the next one's
        raise


def reset_redis() -> None:
    """Forget the clients, for tests that point the process at other servers."""
    global _client, _replicas
    with _lock:
        if _lane.connection is not None:
            _lane.connection.disconnect()
            _lane.client = _lane.connection = None
        if _client is not None:
            try:
                _client.close()
            except Exception:  # a client to a dead server may fail to close; it is dropped anyway
                pass
        _client = None
        for client in _replicas.clients if _replicas is not None else ():
            try:
                client.close()
            except Exception:  # as above
                pass
        _replicas = None


def build_async_client():
    """A new asyncio client for the pub/sub listener (one per server process)."""
    import redis.asyncio as aioredis

    if settings.REDIS_SENTINELS:
        from redis.asyncio.sentinel import Sentinel

        sentinel = Sentinel(settings.REDIS_SENTINELS, socket_timeout=settings.REDIS_SOCKET_TIMEOUT)
        return sentinel.master_for(settings.REDIS_SENTINEL_MASTER, socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT)
    if settings.REDIS_CLUSTER:
        from redis.asyncio.cluster import RedisCluster

        return RedisCluster.from_url(settings.REDIS_URL, socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT)
    # No socket_timeout: a pub/sub connection is idle between events by design.
    return aioredis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT,
                                   health_check_interval=15)
