"""The words and frozen values of the domain: kinds of seat, what a diner may ask for, the
states a party goes through, and the inputs and outputs of the strategies and the estimator.

The one source of these names: the models' choices, the live queue and the templates use
them from here (the Lua scripts spell the same strings; tests/test_lua_contract.py checks).
"""

from dataclasses import dataclass

# Kinds of seat (``Unit.kind``) and seating preferences (a preference is a kind or EITHER).
TABLE = "table"
COUNTER = "counter"
EITHER = "either"
KINDS = (TABLE, COUNTER)
PREFERENCES = (TABLE, COUNTER, EITHER)

# A party's states: in line, offered a table (held for it), at the table; then one end state.
WAITING, READY, DINING = "waiting", "ready", "dining"
COMPLETED, LEFT, EXPIRED = "completed", "left", "expired"
ACTIVE_STATES = (WAITING, READY, DINING)
END_STATES = (COMPLETED, LEFT, EXPIRED)

# A table's states in the live queue. A "ready" table with a party is held for that party
# (offered, not yet checked in); the host's floor and the estimator call that HELD.
TABLE_READY, TABLE_OCCUPIED, TABLE_CLEANING = "ready", "occupied", "cleaning"
HELD = "held"

# A party's name as the diner types it, after spaces are folded.
NAME_MAX = 60


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
