"""The live queue's state as Python sees it: plain frozen dataclasses, decoded from the
scripts' JSON. ``Party.from_script`` is the one decoder of a party hash's field codes, whose
table is in ``lua/_lib.lua``'s header (``FIELDS`` below mirrors it; tests/test_lua_contract.py
checks both against each other).
"""

from dataclasses import dataclass, field

from domain.values import ACTIVE_STATES, TABLE_READY

# Field code in the party hash -> Party attribute. Codes without an attribute identify the
# browser and the form behind the party; they never leave the live queue.
FIELDS = {
    "n": "name", "s": "size", "p": "preference", "st": "state", "j": "joined_ms", "src": "source",
    "tk": "token", "o": "offered_ms", "dl": "deadline_ms", "se": "seated_ms", "e": "ended_ms",
    "tb": "table_ids", "sk": "skips", "nc": "notified", "hu": "heads_up_ms", "wr": "warned_ms",
    "ov": "over_ms", "why": "reason", "ql": "quote_low", "qh": "quote_high",
    "ch": "channels", "lg": "language", "p4": "phone_last4", "gk": "guest_key", "mk": "message_kind",
    "mc": "message_channel", "ms": "message_state", "om": "on_my_way_ms", "eta": "eta_minutes",
    "ea": "eta_ms", "rn": "reply_note", "cl": "close_ms", "th": "told_high",
    "nt": "notes", "tg": "tags",
    "d": None, "r": None,
}


def _int(value) -> int | None:
    # JSON false and "" both mean "not set" (0 == False, so no `in` test here).
    if value is None or value is False or value == "":
        return None
    return int(value)


def _ids(value) -> tuple[int, ...]:
    return tuple(int(part) for part in (value or "").split(",") if part)


@dataclass(frozen=True, slots=True)
class Party:
    id: int
    name: str
    size: int
    preference: str
    state: str
    joined_ms: int
    source: str = "remote"
    token: str = ""
    ahead: int | None = None
    offered_ms: int | None = None
    deadline_ms: int | None = None
    seated_ms: int | None = None
    ended_ms: int | None = None
    table_ids: tuple[int, ...] = ()
    skips: int = 0
    notified: int = 0
    heads_up_ms: int | None = None
    warned_ms: int | None = None
    over_ms: int | None = None
    reason: str = ""
    quote_low: int | None = None
    quote_high: int | None = None
    channels: str = ""  # p push, s text, e email
    language: str = ""
    phone_last4: str = ""
    guest_key: str = ""
    message_kind: str = ""
    message_channel: str = ""
    message_state: str = ""  # queued | sent | delivered | failed
    on_my_way_ms: int | None = None
    eta_minutes: int | None = None
    eta_ms: int | None = None
    reply_note: str = ""
    close_ms: int | None = None
    told_high: int | None = None
    notes: str = ""
    tags: tuple[str, ...] = ()
    version: int = 0

    @property
    def position(self) -> int | None:
        return None if self.ahead is None else self.ahead + 1

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @classmethod
    def from_script(cls, data: dict) -> "Party":
        # Only the fields the party has are converted (a waiting party has about ten of its
        # forty): a snapshot of 5,000 parties decodes in a third of the time of reading every
        # field with its default, and the builder decodes one at every change.
        fields = {"id": int(data["id"]), "name": "", "size": 0, "preference": "", "state": "", "joined_ms": 0}
        for code, value in data.items():
            decoder = _DECODERS.get(code)
            if decoder is not None:
                fields[decoder[0]] = decoder[1](value)
        return cls(**fields)


def _same(value):
    return value


def _tags(value) -> tuple[str, ...]:
    return tuple(t for t in (value or "").split(",") if t)


# Field code -> (Party attribute, decoder): how ``Party.from_script`` reads each.
_DECODERS = {code: (attr, _same) for code, attr in FIELDS.items() if attr}
_DECODERS.update({code: (FIELDS[code], int) for code in ("s", "j", "sk", "nc")})
_DECODERS.update({code: (FIELDS[code], _int) for code in (
    "o", "dl", "se", "e", "hu", "wr", "ov", "ql", "qh", "om", "eta", "ea", "cl", "th")})
_DECODERS.update({"tb": ("table_ids", _ids), "tg": ("tags", _tags), "ahead": ("ahead", _int), "v": ("version", int)})


@dataclass(frozen=True, slots=True)
class TableState:
    state: str  # TABLE_READY | TABLE_OCCUPIED | TABLE_CLEANING (domain.values)
    party_id: int | None = None  # the party holding (ready) or using (occupied) it
    since_ms: int | None = None

    @classmethod
    def parse(cls, raw: str) -> "TableState":
        state, party, since = (raw.split(":") + ["", ""])[:3]
        return cls(state=state, party_id=_int(party), since_ms=_int(since))


FREE_TABLE = TableState(state=TABLE_READY)


@dataclass(frozen=True, slots=True)
class Undoable:
    """A host's no-show, removal or offer that may still be taken back (lua/undo.lua)."""
    party_id: int
    action: str  # no_show | removed | offer
    name: str
    ends_ms: int


@dataclass(frozen=True, slots=True)
class Summary:
    """The join page's part of a snapshot, read without reading every party."""
    version: int
    waiting_count: int
    notice: str = ""
    paused: str | None = None  # the host's message while joins are paused


@dataclass(frozen=True, slots=True)
class Snapshot:
    version: int
    waiting: tuple[Party, ...]  # join order
    active: tuple[Party, ...]  # ready and dining
    tables: dict[int, TableState] = field(default_factory=dict)
    notice: str = ""  # the host's current message to everyone waiting
    paused: str | None = None  # the host's message while joins are paused, else None
    quote_add: int = 0  # minutes the host adds to every quote
    undoable: tuple[Undoable, ...] = ()

    def table(self, table_id: int) -> TableState:
        return self.tables.get(table_id, FREE_TABLE)

    def party(self, party_id: int) -> Party | None:
        for party in (*self.waiting, *self.active):
            if party.id == party_id:
                return party
        return None


@dataclass(frozen=True, slots=True)
class JoinResult:
    party_id: int
    token: str
    created: bool
    ahead: int | None
    version: int


@dataclass(frozen=True, slots=True)
class Change:
    """What a state-changing operation did: the party, the tables it touched, the version."""

    party_id: int | None
    table_ids: tuple[int, ...]
    version: int | None
    deadline_ms: int | None = None
    seated_ms: int | None = None


@dataclass(frozen=True, slots=True)
class FiredTimer:
    kind: str  # hold | warn | over
    party_id: int
    table_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class TimerRun:
    fired: list[FiredTimer]
    version: int  # the restaurant's change counter after firing
