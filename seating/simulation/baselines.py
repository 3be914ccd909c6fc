"""What other waitlists would have quoted, for the same party at the same moment.

Each baseline gives one number of minutes (a point estimate, not a range). They see only
what such a product sees: the line, the floor plan, and the history of earlier waits.

``rule_of_thumb``: (parties ahead + 1) x average turn / tables that could seat the party.
    "Parties ahead" is what the queue tells the party when it joins (waiting parties that
    compete for the same seats). The average turn is the mean meal length (seated to
    done) of every completed visit of the previous nights, tables and counter alike, or
    the restaurant's default table turn before there is any. "Tables that could seat the
    party" counts the tables with enough seats when it accepts a table, plus the counter
    divided into runs of its size (counter seats // size) when it accepts the counter; if
    that is zero but tables combine, 1.
``last_30`` (as NextMe does): the mean actual wait, join to "table ready", of the last 30
    parties called before this moment, tonight or on earlier nights; 0 before any.
``history`` (as TablesReady does): the mean actual wait of parties of this size that joined
    in this hour of the day on previous nights; with fewer than 3 such parties, of any size
    in this hour, then of this size at any hour, then of everyone; 0 before any.
"""

from collections import deque
from dataclasses import dataclass

from seating.types import COUNTER, TABLE

NAMES = ("rule_of_thumb", "last_30", "history")
LABELS = {
    "rule_of_thumb": "rule of thumb",
    "last_30": "last 30 (NextMe)",
    "history": "size x hour (TablesReady)",
}
RECENT = 30
MIN_GROUP = 3


@dataclass(frozen=True)
class Floorplan:
    table_seats: tuple[int, ...]
    counter_seats: int
    tables_combine: bool
    default_turn_minutes: float

    def places_for(self, size: int, preference: str) -> int:
        places = 0
        if preference != COUNTER:
            places += sum(1 for seats in self.table_seats if seats >= size)
        if preference != TABLE:
            places += self.counter_seats // size
        if places == 0 and self.tables_combine and preference != COUNTER:
            places = 1
        return places


class Baselines:
    def __init__(self, floorplan: Floorplan) -> None:
        self.floorplan = floorplan
        self.recent: deque[float] = deque(maxlen=RECENT)
        self.past_waits: list[tuple[int, int, float]] = []  # (size, hour, minutes), previous nights
        self.tonight_waits: list[tuple[int, int, float]] = []
        self.past_turns: list[float] = []
        self.tonight_turns: list[float] = []
        self._groups: dict[tuple, tuple[float, int]] = {}

    def start_night(self) -> None:
        """Tonight becomes history: baselines built on previous nights see it from now on."""
        self.past_waits.extend(self.tonight_waits)
        self.past_turns.extend(self.tonight_turns)
        self.tonight_waits, self.tonight_turns = [], []
        sums: dict[tuple, list[float]] = {}
        for size, hour, minutes in self.past_waits:
            for key in (("size_hour", size, hour), ("hour", hour), ("size", size), ("all",)):
                total = sums.setdefault(key, [0.0, 0])
                total[0] += minutes
                total[1] += 1
        self._groups = {key: (total / count, count) for key, (total, count) in sums.items()}

    def called(self, size: int, hour: int, waited_minutes: float) -> None:
        self.recent.append(waited_minutes)
        self.tonight_waits.append((size, hour, waited_minutes))

    def finished(self, turn_minutes: float) -> None:
        self.tonight_turns.append(turn_minutes)

    def estimate(self, *, size: int, preference: str, ahead: int, hour: int) -> dict[str, float]:
        return {
            "rule_of_thumb": self.rule_of_thumb(size, preference, ahead),
            "last_30": sum(self.recent) / len(self.recent) if self.recent else 0.0,
            "history": self.history(size, hour),
        }

    def rule_of_thumb(self, size: int, preference: str, ahead: int) -> float:
        turn = (sum(self.past_turns) / len(self.past_turns) if self.past_turns
                else self.floorplan.default_turn_minutes)
        places = self.floorplan.places_for(size, preference)
        return (ahead + 1) * turn / places if places else float("inf")

    def history(self, size: int, hour: int) -> float:
        for key in (("size_hour", size, hour), ("hour", hour), ("size", size), ("all",)):
            mean, count = self._groups.get(key, (0.0, 0))
            if count >= MIN_GROUP or (key == ("all",) and count):
                return mean
        return 0.0
