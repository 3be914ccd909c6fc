"""One virtual restaurant over many nights, driving the real service layer.

Time is virtual (integer ms from a fixed date) and passed to every call. Diners arrive,
are quoted by the live view, join through ``waitlist.queue``, are called by the automatic
policy (``seating.services.auto_offer``, run by the timer worker's tick), check in late or
never (the worker's check-in timer expires them), eat, and leave their table to be
cleaned. The only randomness is ``random.Random`` seeded from the run's seed, and every
diner's behaviour is drawn when the night starts, so it does not depend on what the
estimator quotes (except whether the diner stays).
"""

import heapq
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

from restaurants.layout import layout_for
from restaurants.models import Restaurant, SeatingPolicy, Table
from seating import turns
from seating.timers import Worker
from seating.types import COUNTER
from waitlist import live, queue
from waitlist.errors import WaitlistError
from waitlist.keys import keys_for
from waitlist.redis_client import get_redis

from .baselines import Baselines, Floorplan
from .scenarios import Scenario

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
# Night 0 starts on a Monday, in the future so no real visit history can overlap it.
EPOCH_MS = int(datetime(2030, 1, 7, tzinfo=UTC).timestamp() * 1000)


@dataclass
class Diner:
    """A party as the scenario drew it, and what became of it."""

    night: int
    number: int
    arrive_ms: int
    size: int
    preference: str
    tolerance: float  # minutes
    leave_after: float | None  # minutes after joining, if it gives up while waiting
    no_show: bool
    checkin_delay: float  # minutes from the call to the host stand
    meal_z: float
    cleaning_z: float
    meal_scale: float = 1.0  # tonight's kitchen
    party_id: int | None = None
    quote: tuple[int, int] | None = None
    baselines: dict[str, float] = field(default_factory=dict)
    ahead: int | None = None
    called_ms: int | None = None
    kind: str = ""
    outcome: str = "arriving"  # walked | waiting | left | called | no_show | seated | done

    @property
    def hour(self) -> int:
        return (self.arrive_ms % DAY_MS) // HOUR_MS

    @property
    def waited_minutes(self) -> float | None:
        return None if self.called_ms is None else (self.called_ms - self.arrive_ms) / MINUTE_MS


@dataclass
class Night:
    index: int
    diners: list[Diner]


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(sigma * rng.gauss(0.0, 1.0))


def _pick(rng: random.Random, weights: dict) -> object:
    keys = sorted(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def draw_night(scenario: Scenario, seed: int, index: int) -> list[Diner]:
    """Everyone who comes on night ``index``: arrivals are a Poisson process whose rate is
    constant within each opening hour."""
    rng = random.Random(f"{seed}/{scenario.name}/{index}")
    factor = scenario.weekday_factor[index % 7] * _lognormal(rng, 1.0, scenario.night_demand_sigma)
    meal_scale = _lognormal(rng, 1.0, scenario.night_meal_sigma)
    start = EPOCH_MS + index * DAY_MS + scenario.open_hour * HOUR_MS
    diners = []
    for hour, rate in enumerate(scenario.arrivals_per_hour):
        t = 0.0
        while True:
            t += rng.expovariate(rate * factor)
            if t >= 1.0:
                break
            preference = _pick(rng, scenario.preferences)
            tolerance = _lognormal(rng, scenario.tolerance_median, scenario.tolerance_sigma)
            leaves = rng.random() < scenario.late_leave_rate
            diners.append(Diner(
                night=index, number=len(diners), arrive_ms=start + int((hour + t) * HOUR_MS),
                size=_pick(rng, scenario.sizes[preference]), preference=preference, tolerance=tolerance,
                leave_after=rng.uniform(5.0, tolerance * scenario.late_leave_stretch) if leaves else None,
                no_show=rng.random() < scenario.no_show_rate,
                checkin_delay=_lognormal(rng, scenario.checkin_median, scenario.checkin_sigma),
                meal_z=rng.gauss(0.0, 1.0), cleaning_z=rng.gauss(0.0, 1.0), meal_scale=meal_scale))
    return diners


class World:
    def __init__(self, scenario: Scenario, seed: int, slug: str) -> None:
        self.scenario, self.seed = scenario, seed
        Restaurant.objects.filter(slug=slug).delete()
        self.restaurant = Restaurant.objects.create(
            slug=slug, name=f"Simulated {scenario.name}", time_zone="UTC", is_open=True,
            max_party_size=scenario.max_party_size, tables_combine=scenario.tables_combine,
            queue_strategy=scenario.strategy, seating_policy=SeatingPolicy.AUTOMATIC,
            max_skips=scenario.max_skips, max_wait_minutes=scenario.max_wait_minutes,
            checkin_timeout_minutes=scenario.checkin_timeout_minutes, service_limit_minutes=None,
            default_turn_minutes=scenario.default_turn_minutes,
            default_counter_turn_minutes=scenario.default_counter_turn_minutes)
        for number, seats in enumerate(scenario.tables, start=1):
            Table.objects.create(restaurant=self.restaurant, label=f"T{number}", seats=seats, kind="table",
                                 position=number)
        for number in range(1, scenario.counter_seats + 1):
            Table.objects.create(restaurant=self.restaurant, label=f"C{number}", seats=1, kind=COUNTER,
                                 position=100 + number)
        self.restaurant = Restaurant.objects.get(pk=self.restaurant.pk)
        self.layout = layout_for(self.restaurant)
        self._clear_live_state()
        self.worker = Worker()
        self.baselines = Baselines(Floorplan(
            table_seats=scenario.tables, counter_seats=scenario.counter_seats,
            tables_combine=scenario.tables_combine, default_turn_minutes=float(scenario.default_turn_minutes)))
        self.nights: list[Night] = []

    def close(self) -> None:
        self._clear_live_state()

    def _clear_live_state(self) -> None:
        r = get_redis()
        prefix = keys_for(self.restaurant.id).meta.removesuffix(":meta")
        stale = list(r.scan_iter(match=f"{prefix}:*", count=1000))
        if stale:
            r.delete(*stale)
        turns.forget(self.restaurant.id)
        live.forget(self.restaurant.id)

    # --- one night ---------------------------------------------------------------------

    def run_night(self, index: int) -> Night:
        night = Night(index=index, diners=draw_night(self.scenario, self.seed, index))
        self.baselines.start_night()
        self.events: list[tuple[int, int, str, object]] = []
        self.seq = 0
        self.by_party: dict[int, Diner] = {}
        self.snapshot = queue.snapshot(restaurant=self.restaurant)
        at = datetime.fromtimestamp((EPOCH_MS + index * DAY_MS) / 1000, tz=UTC)
        turns.pin(self.restaurant.id, turns.load_turn_model(self.restaurant, now=at))
        for diner in night.diners:
            self._push(diner.arrive_ms, "arrive", diner)
        self.version = self.snapshot.version
        while self.events:
            now, _, kind, subject = heapq.heappop(self.events)
            self.version = getattr(self, f"_on_{kind}")(now, subject) or self.version
            self.worker.tick_restaurant(self.restaurant, now)
            # Only the worker's own changes (offers, expired holds) need a look right away;
            # ours are read when the next quote needs the floor.
            version = queue.version(restaurant_id=self.restaurant.id)
            if version != self.version:
                self.version = version
                self._notice_calls()
        self.nights.append(night)
        return night

    def _push(self, at_ms: int, kind: str, subject) -> None:
        self.seq += 1
        heapq.heappush(self.events, (int(at_ms), self.seq, kind, subject))

    def _on_arrive(self, now: int, diner: Diner) -> int | None:
        # The join form's quote, from a view of the current snapshot built at the virtual
        # now (the live cache ages on the wall clock). Estimates for the parties already in
        # line are skipped: no virtual diner reads them.
        view = live.build(self.restaurant, self._current(), at_ms=now, estimate=False)
        diner.quote = view.new_party_quote(diner.size, diner.preference)
        if diner.quote is None or diner.quote[1] > diner.tolerance:
            diner.outcome = "walked"
            return
        key = f"sim-{diner.night}-{diner.number}"
        joined = queue.join(restaurant=self.restaurant, name=f"Party {diner.night}.{diner.number}", size=diner.size,
                            preference=diner.preference, diner=key, request_id=key, quote=diner.quote, now_ms=now)
        diner.party_id, diner.ahead, diner.outcome = joined.party_id, joined.ahead or 0, "waiting"
        self.by_party[joined.party_id] = diner
        diner.baselines = self.baselines.estimate(size=diner.size, preference=diner.preference,
                                                  ahead=diner.ahead, hour=diner.hour)
        if diner.leave_after is not None:
            self._push(now + diner.leave_after * MINUTE_MS, "leave", diner)
        return joined.version

    def _on_leave(self, now: int, diner: Diner) -> int | None:
        if diner.outcome != "waiting":
            return
        diner.outcome = "left"
        return queue.leave(restaurant=self.restaurant, party_id=diner.party_id, now_ms=now).version

    def _on_checkin(self, now: int, diner: Diner) -> int | None:
        try:
            version = queue.check_in(restaurant=self.restaurant, party_id=diner.party_id, now_ms=now).version
        except WaitlistError:
            diner.outcome = "no_show"  # the hold expired first
            return
        diner.outcome = "seated"
        scenario = self.scenario
        median = scenario.meal_median[diner.kind] + scenario.meal_per_guest[diner.kind] * diner.size
        minutes = diner.meal_scale * median * math.exp(scenario.meal_sigma[diner.kind] * diner.meal_z)
        self._push(now + minutes * MINUTE_MS, "finish", (diner, now))
        return version

    def _on_finish(self, now: int, subject) -> int | None:
        diner, seated = subject
        change = queue.complete(restaurant=self.restaurant, party_id=diner.party_id, now_ms=now)
        diner.outcome = "done"
        self.baselines.finished((now - seated) / MINUTE_MS)
        minutes = self.scenario.cleaning_median[diner.kind] * math.exp(self.scenario.cleaning_sigma * diner.cleaning_z)
        self._push(now + minutes * MINUTE_MS, "clean", change.table_ids)
        return change.version

    def _on_clean(self, now: int, table_ids: tuple[int, ...]) -> int | None:
        version = None
        for table_id in table_ids:
            version = queue.table_ready(restaurant=self.restaurant, table_id=table_id, now_ms=now).version
        return version

    def _on_tick(self, now: int, subject) -> None:
        """Nothing to do: the worker's tick after every event fires due timers."""

    def _current(self):
        if self.snapshot.version != self.version:
            self.snapshot = queue.snapshot(restaurant=self.restaurant)
            self.version = self.snapshot.version
        return self.snapshot

    def _notice_calls(self) -> None:
        """Parties the automatic policy has just called: when they will show up, if ever."""
        for party in self._current().active:
            diner = self.by_party.get(party.id)
            if diner is None or diner.called_ms is not None or party.offered_ms is None:
                continue
            diner.called_ms, diner.outcome = party.offered_ms, "called"
            diner.kind = self.layout.unit(party.table_ids[0]).kind
            self.baselines.called(diner.size, diner.hour, diner.waited_minutes)
            arrives = party.offered_ms + diner.checkin_delay * MINUTE_MS
            if diner.no_show or arrives >= party.deadline_ms:
                diner.outcome = "no_show"
                self._push(party.deadline_ms, "tick", None)
            else:
                self._push(arrives, "checkin", diner)
