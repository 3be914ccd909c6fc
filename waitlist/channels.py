"""This process's subscriptions to restaurants' bus channels (sharded pub/sub).

A restaurant's changes are published on its own channel (waitlist/events.py: bus_channel),
with SPUBLISH: in a Cluster, a message travels only within the shard that owns the
restaurant's slot, and this process subscribes on the node that owns it. A process
subscribes to a restaurant when its first local stream of it opens (``acquire`` returns
once Redis confirmed the subscription, so a stream that reads its first view after that
misses no change) and unsubscribes after its last closes (``release``). A message costs
one dictionary look-up to route (``on_message``), whatever the number of restaurants.

Any connection lost (a restart, a failover, a slot moved): every connection is closed,
every channel subscribed again, and every followed restaurant resynced (``on_resync``),
so pages catch up on their own.
"""

import asyncio
import logging

from django.conf import settings

from .events import bus_channel, restaurant_id_from_bus

log = logging.getLogger("waitlist.stream")

PING_SECONDS = 5
# How long a stream waits for its subscription to be confirmed before it serves its first
# view anyway (Redis away: the resync after reconnecting catches it up).
CONFIRM_SECONDS = 3.0


class _Shard:
    """One pub/sub connection to one server (the only one, or a Cluster node)."""

    def __init__(self, owner: "Channels", connection) -> None:
        self.owner, self.connection = owner, connection
        self.task = asyncio.get_running_loop().create_task(self.read())

    async def send(self, *args) -> None:
        await self.connection.send_command(*args, check_health=False)

    async def read(self) -> None:
        loop = asyncio.get_running_loop()
        heard = loop.time()
        try:
            while True:
                reply = await self.connection.read_response(timeout=PING_SECONDS)
                if reply is None:
                    if loop.time() - heard > 2 * PING_SECONDS:
                        raise ConnectionError("no answer to PING")  # half-open: start over
                    await self.send("PING")
                    continue
                heard = loop.time()
                kind = reply[0]
                if kind == b"smessage":
                    self.owner.dispatch(reply[1], reply[2])
                elif kind == b"ssubscribe":
                    self.owner.confirmed(reply[1])
                elif kind == b"sunsubscribe":
                    self.owner.unsubscribed(reply[1])
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure: the owner starts over
            self.owner.lost(exc)

    async def close(self) -> None:
        self.task.cancel()
        try:
            await self.connection.disconnect()
        except Exception:  # noqa: BLE001 - closing a dead connection may fail too
            pass


class Channels:
    """Reference counts of local streams per restaurant, and the connections carrying them.
    Used only on the event loop's thread."""

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}  # restaurant id -> open local streams
        self.waiting: dict[bytes, asyncio.Future] = {}  # channel -> its confirmation
        self.shards: dict[str, _Shard] = {}  # server address -> its connection
        self.on_message = None  # (restaurant id, raw message): set by waitlist/bus.py
        self.on_resync = None  # (restaurant ids): after a reconnect
        self.task: asyncio.Task | None = None
        self.broken = None  # asyncio.Event: a connection failed
        self.up = False
        self.cluster = None
        self.received = 0  # messages routed to a followed restaurant (tests, benchmarks)

    def ensure_started(self) -> None:
        if self.task is None or self.task.done():
            self.broken = asyncio.Event()
            self.task = asyncio.get_running_loop().create_task(self.run())

    def following(self, restaurant_id: int) -> bool:
        return restaurant_id in self.counts

    # --- streams opening and closing ------------------------------------------------

    async def acquire(self, restaurant_id: int) -> bool:
        """One more local stream of the restaurant; returns once the process is subscribed
        (or after CONFIRM_SECONDS with Redis away): True when it was not subscribed before,
        so changes made until now may not have reached it."""
        self.ensure_started()
        count = self.counts.get(restaurant_id, 0)
        self.counts[restaurant_id] = count + 1
        channel = bus_channel(restaurant_id).encode()
        try:
            if count == 0:
                self.waiting.setdefault(channel, asyncio.get_running_loop().create_future())
                if self.up:
                    await self._send(channel, "SSUBSCRIBE")
            future = self.waiting.get(channel)
            if future is not None:
                try:
                    await asyncio.wait_for(asyncio.shield(future), CONFIRM_SECONDS)
                except TimeoutError:
                    log.warning("subscription to %s not confirmed; serving anyway", channel.decode())
            return count == 0
        except asyncio.CancelledError:  # the client left meanwhile: this stream is not counted
            self.release(restaurant_id)
            raise

    def release(self, restaurant_id: int) -> None:
        """One local stream of the restaurant fewer; the last one unsubscribes."""
        left = self.counts.get(restaurant_id, 0) - 1
        if left > 0:
            self.counts[restaurant_id] = left
            return
        self.counts.pop(restaurant_id, None)
        if self.up:
            channel = bus_channel(restaurant_id).encode()
            asyncio.get_running_loop().create_task(self._send(channel, "SUNSUBSCRIBE"))

    async def _send(self, channel: bytes, command: str) -> None:
        try:
            shard = await self._shard_for(channel)
            await shard.send(command, channel)
        except Exception as exc:  # noqa: BLE001 - the connection is gone: start over
            self.lost(exc)

    # --- what the connections hear --------------------------------------------------

    def dispatch(self, channel: bytes, raw: bytes) -> None:
        restaurant_id = restaurant_id_from_bus(channel)
        if restaurant_id in self.counts:
            self.received += 1
            self.on_message(restaurant_id, raw)

    def confirmed(self, channel: bytes) -> None:
        future = self.waiting.pop(channel, None)
        if future is not None and not future.done():
            future.set_result(None)

    def unsubscribed(self, channel: bytes) -> None:
        if restaurant_id_from_bus(channel) in self.counts:
            # Not asked for (the slot moved to another node) or asked for and then wanted
            # again: subscribe again where the slot lives now.
            self.waiting.setdefault(channel, asyncio.get_running_loop().create_future())
            asyncio.get_running_loop().create_task(self._resubscribe(channel))

    async def _resubscribe(self, channel: bytes) -> None:
        if self.cluster is not None:
            await self.cluster.initialize()
        await self._send(channel, "SSUBSCRIBE")

    def lost(self, exc: Exception) -> None:
        if self.up:
            log.warning("pub/sub lost Redis (%s: %s); resubscribing", exc.__class__.__name__, exc)
        self.up = False
        if self.broken is not None:
            self.broken.set()

    # --- connections ----------------------------------------------------------------

    async def _shard_for(self, channel: bytes) -> _Shard:
        if self.cluster is not None:
            node = self.cluster.get_node_from_key(channel)
            address = (node.host, node.port)
        else:
            address = ("", 0)
        opening = self.shards.get(address)
        if opening is None:  # one connection per server, however many ask at once
            opening = self.shards[address] = asyncio.ensure_future(_open(self, address))
        return await asyncio.shield(opening)

    async def run(self) -> None:
        backoff, resync = 0.2, False
        while True:
            try:
                if settings.REDIS_CLUSTER and self.cluster is None:
                    from redis.asyncio.cluster import RedisCluster

                    self.cluster = RedisCluster.from_url(settings.REDIS_URL,
                                                         socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT)
                if self.cluster is not None:
                    await self.cluster.initialize()
                await self._shard_for(bus_channel(0).encode())  # connected before anything is sent
                self.up = True  # streams opening from now on subscribe themselves
                for restaurant_id in list(self.counts):
                    channel = bus_channel(restaurant_id).encode()
                    self.waiting.setdefault(channel, asyncio.get_running_loop().create_future())
                    await (await self._shard_for(channel)).send("SSUBSCRIBE", channel)
                backoff = 0.2
                if resync and self.on_resync is not None:
                    log.info("pub/sub reconnected; refreshing open restaurants")
                    self.on_resync(list(self.counts))
                resync = True
                await self.broken.wait()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - Redis away: retry, never die silently
                log.warning("pub/sub cannot reach Redis (%s: %s); retrying in %.1fs",
                            exc.__class__.__name__, exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 3.0)
            self.up = False
            self.broken.clear()
            opened, self.shards = list(self.shards.values()), {}
            for opening in opened:
                if opening.done() and not opening.cancelled() and opening.exception() is None:
                    await opening.result().close()
                else:
                    opening.cancel()


async def _open(owner: Channels, address: tuple[str, int]) -> _Shard:
    return _Shard(owner, await _connect(address))


async def _connect(address: tuple[str, int]):
    """A new connection for subscribing: to ``address`` (a Cluster node), else to the
    configured server (Sentinel's current primary, or REDIS_URL)."""
    import redis.asyncio as aioredis

    # RESP2: a subscribed connection's messages are plain replies, read in order (RESP3
    # would hand them to push handlers).
    options = {"socket_connect_timeout": settings.REDIS_SOCKET_TIMEOUT, "health_check_interval": 0, "protocol": 2}
    if address[0]:
        connection = aioredis.Connection(host=address[0], port=address[1], **options)
    elif settings.REDIS_SENTINELS:
        from redis.asyncio.sentinel import Sentinel

        sentinel = Sentinel(settings.REDIS_SENTINELS, socket_timeout=settings.REDIS_SOCKET_TIMEOUT)
        connection = sentinel.master_for(settings.REDIS_SENTINEL_MASTER, **options).connection_pool.make_connection()
    else:
        connection = aioredis.ConnectionPool.from_url(settings.REDIS_URL, **options).make_connection()
    await connection.connect()
    return connection


channels = Channels()
