"""What other waitlists would have quoted, for the same party at the same moment.

Each baseline gives one number of minutes (a point estimate, not a range). They see only
what such a product sees: the line, the floor plan, and the history of earlier waits.

``tablesready``, TablesReady's documented method ("Configuring estimated wait times" in
    its help centre): the average time between serving parties of this size at this
    weekday and hour, times the parties of this size on the list now plus one. The average
    time between servings is 60 minutes x the nights behind it / the parties of this size
    called in that hour on those nights: the same weekday when that counts at least
    ``MIN_GROUP`` of them, else every night at that hour, else this size over every open
    hour. It learns overnight (tonight counts from tomorrow) and needs ``MIN_SERVED``
    parties served; before that it quotes the default wait, ``DEFAULT_WAIT_MINUTES``.
``nextme``, NextMe's "Average Actual" ("Smart wait times" in its help centre): the mean time
    from being added to being notified of the last 30 guests that joined in the past 4
    hours (of those already notified); 0 before any.
``rule_of_thumb``: (parties ahead + 1) x average turn / tables that could seat the party.
    "Parties ahead" is what the queue tells the party when it joins (waiting parties that
    compete for the same seats). The average turn is the mean meal length (seated to
    done) of every completed visit of the previous nights, tables and counter alike, or
    the restaurant's default table turn before there is any. "Tables that could seat the
    party" counts the tables with enough seats when it accepts a table, plus the counter
    divided into runs of its size (counter seats // size) when it accepts the counter; if
    that is zero but tables combine, 1.
``last_30_called``: the mean actual wait of the last 30 parties called, tonight or on
    earlier nights, however long ago (NextMe's average without its window); 0 before any.
``size_hour_waits``: the mean actual wait of parties of this size that joined in this hour
    on previous nights; with fewer than ``MIN_GROUP`` such parties, of any size in this
    hour, then of this size at any hour, then of everyone; 0 before any.
"""

from collections import deque
from dataclasses import dataclass

from domain.durations import HOUR_MS
from domain.values import COUNTER, TABLE

NAMES = ("tablesready", "nextme", "rule_of_thumb", "last_30_called", "size_hour_waits")
LABELS = {
    "tablesready": "TablesReady (size x hour pace)",
    "nextme": "NextMe (average actual, 4 h)",
    "rule_of_thumb": "rule of thumb",
    "last_30_called": "last 30 called, any age",
    "size_hour_waits": "past waits by size x hour",
}
RECENT = 30
NEXTME_WINDOW_MS = 4 * HOUR_MS
MIN_GROUP = 3
MIN_SERVED = 50
DEFAULT_WAIT_MINUTES = 15.0


@dataclass(frozen=True)
class SeatingPlan:
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


@dataclass
class _Night:
    weekday: int
    served: dict[tuple[int, int], int]  # (hour, size): parties called
    hours: set[int]  # hours in which anyone was called


class Baselines:
    def __init__(self, plan: SeatingPlan) -> None:
        self.plan = plan
        self.recent: deque[float] = deque(maxlen=RECENT)
        self.windowed: list[tuple[int, float]] = []  # (joined ms, minutes waited), called parties
        self.past_waits: list[tuple[int, int, float]] = []  # (size, hour, minutes), previous nights
        self.tonight_waits: list[tuple[int, int, float]] = []
        self.past_turns: list[float] = []
        self.tonight_turns: list[float] = []
        self.past_nights: list[_Night] = []
        self.tonight: _Night | None = None
        self._groups: dict[tuple, tuple[float, int]] = {}

    def start_night(self, weekday: int = 0) -> None:
        """Tonight becomes history: baselines built on previous nights see it from now on."""
        self.past_waits.extend(self.tonight_waits)
        self.past_turns.extend(self.tonight_turns)
        if self.tonight is not None:
            self.past_nights.append(self.tonight)
        self.tonight = _Night(weekday=weekday, served={}, hours=set())
        self.tonight_waits, self.tonight_turns = [], []
        sums: dict[tuple, list[float]] = {}
        for size, hour, minutes in self.past_waits:
            for key in (("size_hour", size, hour), ("hour", hour), ("size", size), ("all",)):
                total = sums.setdefault(key, [0.0, 0])
                total[0] += minutes
                total[1] += 1
        self._groups = {key: (total / count, count) for key, (total, count) in sums.items()}

    def called(self, size: int, hour: int, waited_minutes: float, *, joined_ms: int = 0, called_hour: int | None = None) -> None:
        """A party was told its table is ready: ``hour`` is when it joined, ``called_hour``
        when it was called (by default the same)."""
        self.recent.append(waited_minutes)
        self.windowed.append((joined_ms, waited_minutes))
        self.tonight_waits.append((size, hour, waited_minutes))
        if self.tonight is not None:
            served_hour = hour if called_hour is None else called_hour
            key = (served_hour, size)
            self.tonight.served[key] = self.tonight.served.get(key, 0) + 1
            self.tonight.hours.add(served_hour)

    def finished(self, turn_minutes: float) -> None:
        self.tonight_turns.append(turn_minutes)

    def estimate(self, *, size: int, preference: str, ahead: int, hour: int, weekday: int = 0, now_ms: int = 0,
                 same_size_waiting: int = 0) -> dict[str, float]:
        return {
            "tablesready": self.tablesready(size, weekday, hour, same_size_waiting),
            "nextme": self.nextme(now_ms),
            "rule_of_thumb": self.rule_of_thumb(size, preference, ahead),
            "last_30_called": sum(self.recent) / len(self.recent) if self.recent else 0.0,
            "size_hour_waits": self.size_hour_waits(size, hour),
        }

    def tablesready(self, size: int, weekday: int, hour: int, same_size_waiting: int) -> float:
        nights = self.past_nights
        if sum(sum(n.served.values()) for n in nights) < MIN_SERVED:
            return DEFAULT_WAIT_MINUTES
        pace = None
        for group in ([n for n in nights if n.weekday == weekday], nights):
            served = sum(n.served.get((hour, size), 0) for n in group)
            if served >= MIN_GROUP:
                pace = 60.0 * len(group) / served
                break
        if pace is None:
            served = sum(count for n in nights for (_, s), count in n.served.items() if s == size)
            open_hours = sum(len(n.hours) for n in nights)
            if not served:
                return DEFAULT_WAIT_MINUTES
            pace = 60.0 * open_hours / served
        return pace * (same_size_waiting + 1)

    def nextme(self, now_ms: int) -> float:
        recent = sorted((joined, waited) for joined, waited in self.windowed if joined >= now_ms - NEXTME_WINDOW_MS)
        recent = recent[-RECENT:]
        return sum(waited for _, waited in recent) / len(recent) if recent else 0.0

    def rule_of_thumb(self, size: int, preference: str, ahead: int) -> float:
        turn = (sum(self.past_turns) / len(self.past_turns) if self.past_turns
                else self.plan.default_turn_minutes)
        places = self.plan.places_for(size, preference)
        return (ahead + 1) * turn / places if places else float("inf")

    def size_hour_waits(self, size: int, hour: int) -> float:
        for key in (("size_hour", size, hour), ("hour", hour), ("size", size), ("all",)):
            mean, count = self._groups.get(key, (0.0, 0))
            if count >= MIN_GROUP or (key == ("all",) and count):
                return mean
        return 0.0
