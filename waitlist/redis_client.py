"""Connections to Redis for the live queue and the event listener.

One place decides between a plain server, Sentinel and Cluster, so the rest of the code
never knows which it talks to.
"""

import socket
import struct
import threading

import redis
from django.conf import settings
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

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
    receive a poll() first, and each extra call hands the GIL to another thread and back:
    on a busy server that costs more than the command itself (benchmarks/http_join.py).
    A server that stops answering still fails the call after the same time: the kernel's
    EAGAIN becomes the TimeoutError Python's timeout would have raised, which the outage
    middleware turns into the friendly 503 page."""

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


def reset_redis() -> None:
    """Forget the client, for tests that point the process at another server."""
    global _client
    with _lock:
        if _client is not None:
            try:
                _client.close()
            except Exception:  # a client to a dead server may fail to close; it is dropped anyway
                pass
        _client = None


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
