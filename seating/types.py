"""Frozen inputs and outputs of the seating strategies and the wait estimator.

Nothing here knows about the ORM or Redis: the service layer builds these from a snapshot,
so strategies are pure functions that tests call directly.
"""

from dataclasses import dataclass

TABLE = "table"
COUNTER = "counter"
EITHER = "either"


@dataclass(frozen=True, slots=True)
class Unit:
    """A table, or one counter seat. Counter seats with consecutive positions adjoin."""

    id: int
    seats: int
    kind: str
    position: int = 0
    label: str = ""


@dataclass(frozen=True, slots=True)
class WaitingParty:
    id: int
    size: int
    preference: str
    joined_ms: int
    skips: int = 0

    def accepts(self, kind: str) -> bool:
        return self.preference == EITHER or self.preference == kind


@dataclass(frozen=True, slots=True)
class Policy:
    max_skips: int = 3
    max_wait_ms: int | None = None
    tables_combine: bool = False


@dataclass(frozen=True, slots=True)
class Offer:
    party_id: int
    table_ids: tuple[int, ...]
    kind: str
    empty_seats: int = 0
