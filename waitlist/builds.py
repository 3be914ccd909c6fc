"""One build per change, however many processes hold the restaurant's streams.

A change reaches every process following the restaurant (waitlist/channels.py). One of
them wins the restaurant's build lease (SET NX PX: LEASE_MS, renewed while it builds),
reads the snapshot, rebuilds the view and publishes it on the restaurant's channel in two
steps: the snapshot as read ("places": every stream can show its new place at once), then
the wait estimates and the join page's quotes ("estimates"), computed once for everyone.
The others take the view from those messages: no snapshot read, no simulation of their own.

Rounds start at most every MIN_REFRESH_SECONDS; changes in between coalesce. The estimates
never hold up a change's places: they are computed beside the next rounds, one at a time,
each for the newest places built (at 5,000 waiting they take a few hundred milliseconds).
A builder that dies leaves its lease to expire: a process that lost the lease looks again
when it would have, and builds what is still missing.
"""

import asyncio
import json
import logging
import secrets
import time

from asgiref.sync import sync_to_async

from restaurants.models import Restaurant

from . import estimating, live_view, queue, quotes
from .events import bus_channel
from .eventstream import decode, message
from .keys import keys_for
from .redis_client import execute, get_redis

log = logging.getLogger("waitlist.stream")

LEASE_MS = 2000
MIN_REFRESH_SECONDS = 0.25
BUILT = "built"
# Who published a built view: a process skips its own, by how the message ends (no JSON
# parsed on the event loop for a view of thousands of parties it built itself).
ME = secrets.token_hex(6)
MINE = f'"pub_id": "{ME}"}}'.encode()
# How a built view's bus message begins, after its channel name.
BUILT_MARK = b'"event_type": "built"'
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


class Builds:
    """Used on the event loop's thread; the reading and building run in threads."""

    def __init__(self, wake) -> None:
        self.wake = wake  # (restaurant id, estimates=): tell the restaurant's local streams
        self.heard: dict[int, int] = {}  # restaurant id -> newest version a change announced
        self.have: dict[int, int] = {}  # restaurant id -> version of the view this process has
        self.running: set[int] = set()
        self.again: set[int] = set()
        self.retries: dict[int, asyncio.TimerHandle] = {}
        self.latest: dict[int, tuple[Restaurant, dict]] = {}  # restaurant id -> newest places to estimate
        self.nudges: dict[int, asyncio.Event] = {}  # restaurant id -> set when a change comes mid-round
        self.builds = 0  # snapshots this process read to build a view (tests, benchmarks)

    def changed(self, restaurant_id: int, version: int | None) -> None:
        if version is None:  # a change that names no version (a notice): newer than what is here
            version = self.have.get(restaurant_id, 0) + 1
        self.heard[restaurant_id] = max(version, self.heard.get(restaurant_id, 0))
        self.schedule(restaurant_id)

    def resync(self, restaurant_ids) -> None:
        """After a reconnect: whatever was missed, build it again."""
        for restaurant_id in restaurant_ids:
            self.have.pop(restaurant_id, None)
            self.heard[restaurant_id] = self.heard.get(restaurant_id, 0) + 1
            self.schedule(restaurant_id)

    def schedule(self, restaurant_id: int) -> None:
        if restaurant_id in self.running:
            self.again.add(restaurant_id)
            if (nudge := self.nudges.get(restaurant_id)) is not None:
                nudge.set()
            return
        self.running.add(restaurant_id)
        asyncio.get_running_loop().create_task(self._round(restaurant_id))

    def _missing(self, restaurant_id: int) -> bool:
        return self.have.get(restaurant_id, -1) < self.heard.get(restaurant_id, 0)

    async def _round(self, restaurant_id: int) -> None:
        token, estimates = None, None
        try:
            last_round = 0.0
            while True:
                await asyncio.sleep(max(0.0, MIN_REFRESH_SECONDS - (time.monotonic() - last_round)))
                last_round = time.monotonic()
                self.again.discard(restaurant_id)
                if not self._missing(restaurant_id):
                    if estimates is None or estimates.done():
                        return
                    # The lease is kept until the estimates are out (no other process
                    # computes them meanwhile); a change in between is built at once.
                    await sync_to_async(_renew, thread_sensitive=False)(restaurant_id)
                    await self._until_change(restaurant_id, estimates)
                    continue
                if token is None:
                    token = await sync_to_async(_lease, thread_sensitive=False)(restaurant_id)
                    if token is None:  # another process builds: look again once its lease would end
                        self._retry_later(restaurant_id)
                        return
                else:
                    await sync_to_async(_renew, thread_sensitive=False)(restaurant_id)
                restaurant, answer = await self._build(restaurant_id)
                # The estimates follow the places, never in front of the next change's places:
                # while they are computed, newer places go out, and the newest are estimated next.
                self.latest[restaurant_id] = (restaurant, answer)
                if estimates is None or estimates.done():
                    estimates = asyncio.get_running_loop().create_task(self._estimates(restaurant_id))
        except Exception as exc:  # noqa: BLE001 - Redis or the database away: the resync catches up
            log.warning("build of restaurant %s failed: %s", restaurant_id, exc.__class__.__name__)
        finally:
            self.running.discard(restaurant_id)
            self.nudges.pop(restaurant_id, None)
            if token is not None:
                try:
                    await sync_to_async(_release, thread_sensitive=False)(restaurant_id, token)
                except Exception:  # noqa: BLE001 - it expires by itself
                    pass
            if restaurant_id in self.again:
                self.again.discard(restaurant_id)
                self.schedule(restaurant_id)

    async def _until_change(self, restaurant_id: int, estimates: asyncio.Task) -> None:
        """Until the estimates are out, a change comes, or the lease needs renewing."""
        nudge = self.nudges[restaurant_id] = asyncio.Event()
        if restaurant_id in self.again:
            return
        waiter = asyncio.ensure_future(nudge.wait())
        try:
            await asyncio.wait({estimates, waiter}, timeout=LEASE_MS / 2000, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()

    async def _build(self, restaurant_id: int) -> tuple[Restaurant, dict]:
        self.builds += 1
        restaurant, version, answer = await sync_to_async(_places, thread_sensitive=False)(restaurant_id)
        self.have[restaurant_id] = max(version, self.have.get(restaurant_id, 0))
        self.heard[restaurant_id] = max(version, self.heard.get(restaurant_id, 0))
        self.wake(restaurant_id)
        # Published after this process's own streams are woken (they need not wait for it),
        # and only for other processes following the restaurant.
        await sync_to_async(_publish_places, thread_sensitive=False)(restaurant_id, version, answer)
        return restaurant, answer

    async def _estimates(self, restaurant_id: int) -> None:
        """Estimate the newest places built, again while newer ones came meanwhile."""
        done = None
        while (latest := self.latest.get(restaurant_id)) is not done:
            done = latest
            try:
                await sync_to_async(_estimates, thread_sensitive=False)(*latest)
            except Exception as exc:  # noqa: BLE001 - the next change estimates again
                log.warning("estimates of restaurant %s failed: %s", restaurant_id, exc.__class__.__name__)
                break
            self.wake(restaurant_id, estimates=True)
        self.latest.pop(restaurant_id, None)

    def _retry_later(self, restaurant_id: int) -> None:
        if restaurant_id in self.retries:
            return

        def fire() -> None:
            self.retries.pop(restaurant_id, None)
            if self._missing(restaurant_id):
                self.schedule(restaurant_id)

        loop = asyncio.get_running_loop()
        self.retries[restaurant_id] = loop.call_later(LEASE_MS / 1000 + 0.2, fire)

    # --- views built elsewhere ------------------------------------------------------

    def received(self, restaurant_id: int, raw: bytes) -> None:
        """A built view's bus message (unparsed: read in a thread, off the event loop)."""
        if raw.endswith(MINE):
            return
        asyncio.get_running_loop().create_task(self._adopt(restaurant_id, raw))

    async def _adopt(self, restaurant_id: int, raw: bytes) -> None:
        try:
            stage, version = await sync_to_async(_adopt, thread_sensitive=False)(restaurant_id, raw)
        except Exception as exc:  # noqa: BLE001 - the next change, or the resync, catches up
            log.warning("adopting restaurant %s's view failed: %s", restaurant_id, exc.__class__.__name__)
            return
        if stage == "places":
            self.heard[restaurant_id] = max(version, self.heard.get(restaurant_id, 0))
            self.have[restaurant_id] = max(version, self.have.get(restaurant_id, 0))
        if stage:
            self.wake(restaurant_id, estimates=stage == "estimates")


# --- in threads -------------------------------------------------------------------------

def _lease(restaurant_id: int) -> str | None:
    token = f"{ME}:{secrets.token_hex(4)}"
    won = execute(get_redis(), "SET", keys_for(restaurant_id).build, token, "NX", "PX", LEASE_MS)
    return token if won else None


def _renew(restaurant_id: int) -> None:
    execute(get_redis(), "PEXPIRE", keys_for(restaurant_id).build, LEASE_MS)


def _release(restaurant_id: int, token: str) -> None:
    execute(get_redis(), "EVAL", _RELEASE, 1, keys_for(restaurant_id).build, token)


def _publish(restaurant_id: int, built: dict) -> None:
    from .events import restaurant_channel

    body = message(restaurant_channel(restaurant_id), BUILT, json.dumps(built, separators=(",", ":")), pub_id=ME)
    execute(get_redis(), "SPUBLISH", bus_channel(restaurant_id), body)


def _publish_places(restaurant_id: int, version: int, answer: dict) -> None:
    """The places for the other processes following the restaurant, if any. Alone, the
    process spares encoding and sending the whole line (~35 ms at 5,000 waiting) only to
    read it back. A process that starts following just after the count reads its own first
    view and takes the next change's places (and a build it misses is retried: _retry_later)."""
    if _others_follow(restaurant_id):
        _publish(restaurant_id, {"s": "places", "v": version, "snapshot": answer})


def _others_follow(restaurant_id: int) -> bool:
    try:
        return sum(count for _, count in get_redis().pubsub_shardnumsub(bus_channel(restaurant_id))) > 1
    except Exception:  # noqa: BLE001 - cannot tell: publish
        return True


def _places(restaurant_id: int) -> tuple[Restaurant, int, dict]:
    restaurant = Restaurant.objects.get(pk=restaurant_id)
    answer = queue.snapshot_answer(restaurant=restaurant_id)
    live = live_view.adopt(restaurant, live_view.snapshot_of(restaurant_id, answer))
    return restaurant, live.version, answer


def _estimates(restaurant: Restaurant, answer: dict) -> None:
    version, waits, quote_rows = estimating.estimate(restaurant.id, answer)
    built = {"s": "estimates", "v": version, "waits": waits, "quotes": quote_rows}
    _take_estimates(restaurant.id, version, built)
    if _others_follow(restaurant.id):
        _publish(restaurant.id, built)


def _adopt(restaurant_id: int, raw: bytes) -> tuple[str, int]:
    """Take a view another process built: (its stage, its version); stage "" if unusable."""
    decoded = decode(raw)
    try:
        built = json.loads(decoded.data)
        version, stage = int(built["v"]), built.get("s")
    except (AttributeError, ValueError, KeyError, TypeError):
        return "", 0
    if stage == "places":
        restaurant = Restaurant.objects.get(pk=restaurant_id)
        live_view.adopt(restaurant, live_view.snapshot_of(restaurant_id, built["snapshot"]))
    elif stage != "estimates" or not _take_estimates(restaurant_id, version, built):
        return "", version
    return stage, version


def _take_estimates(restaurant_id: int, version: int, built: dict) -> bool:
    waits = {int(row[0]): tuple(row[1:]) if len(row) > 1 else None for row in built["waits"]}
    quotes.refine(restaurant_id, version, waits)
    live = live_view.adopt_estimates(restaurant_id, version, waits)
    if live is None or live.version != version:
        return False
    by_party = {(int(row[0]), str(row[1])): tuple(row[2:]) if len(row) > 2 else None for row in built["quotes"]}
    quotes.adopt(live, by_party)
    return True
