"""Redis key names of the live queue, built in one place.

Every key of a restaurant carries the same hash tag, ``{<restaurant id>}``, so that each
Lua script touches a single Redis Cluster slot. The order of ``script_keys`` is the KEYS
layout that ``lua/_lib.lua`` documents.
"""

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class RestaurantKeys:
    meta: str
    tq: str
    cq: str
    eq: str
    active: str
    tokens: str
    diners: str
    tables: str
    due: str
    ended: str
    outbox: str
    sent: str
    undo: str
    actions: str
    party_prefix: str
    bus: str  # the restaurant's sharded pub/sub channel (waitlist/channels.py)
    build: str  # the lease of the process building the restaurant's view (waitlist/builds.py)

    @property
    def script_keys(self) -> list[str]:
        return [self.meta, self.tq, self.cq, self.eq, self.active, self.tokens,
                self.diners, self.tables, self.due, self.ended, self.outbox, self.sent]

    def party(self, party_id: int | str) -> str:
        return f"{self.party_prefix}{party_id}"

    def contact(self, party_id: int | str) -> str:
        """The party's contact details (lua/_lib.lua: ckey)."""
        return f"{self.party_prefix}{party_id}:contact"

    def rate(self, client: str) -> str:
        """Join counter of one client (an IP address) for the rate limit."""
        return f"{self.meta.removesuffix(':meta')}:rate:{client}"


@lru_cache(maxsize=4096)  # built on every operation; the names never change
def keys_for(restaurant_id: int) -> RestaurantKeys:
    tag = f"wl:{{{int(restaurant_id)}}}"
    return RestaurantKeys(
        meta=f"{tag}:meta",
        tq=f"{tag}:tq",
        cq=f"{tag}:cq",
        eq=f"{tag}:eq",
        active=f"{tag}:active",
        tokens=f"{tag}:tokens",
        diners=f"{tag}:diners",
        tables=f"{tag}:tables",
        due=f"{tag}:due",
        ended=f"{tag}:ended",
        outbox=f"{tag}:outbox",
        sent=f"{tag}:sent",
        undo=f"{tag}:undo",
        actions=f"{tag}:actions",
        party_prefix=f"{tag}:party:",
        bus=f"{tag}:bus",
        build=f"{tag}:build",
    )
