"""One virtual restaurant over many nights, driving the real service layer.

Time is virtual (integer ms from a fixed date) and passed to every call. Diners arrive,
are quoted by the live view, join through ``waitlist.queue``, are called by the automatic
policy (``seating.services.auto_offer``, run by the timer worker's tick), check in late or
never (the worker's check-in timer expires them), eat, and leave their table to be
cleaned. The only randomness is ``random.Random`` seeded from the run's seed, and every
diner's behaviour is drawn when the night starts, so it does not depend on what the
estimator quotes (except whether the diner stays).
"""

import copy
import heapq
import math
from dataclasses import dataclass, field

from django.db import transaction

from domain.durations import DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS, to_datetime
from domain.simulation.baselines import Baselines, SeatingPlan
from domain.simulation.conditions import DELETED, Conditions
from domain.simulation.conditions import apply as apply_conditions
from domain.simulation.crowd import EPOCH_MS, Diner, draw_night
from domain.simulation.scenarios import Scenario
from domain.values import COUNTER, TABLE
from restaurants import caches, visit_history
from restaurants.models import Restaurant, SeatingPolicy, Table
from seating.timers import Worker
from waitlist import live_view, queue
from waitlist.errors import WaitlistError
from waitlist.keys import keys_for
from waitlist.quotes import JOIN_QUOTE_MAX_AGE_MS, QUOTE_MAX_AGE_MS
from waitlist.redis_client import get_redis

# How long a diner spends on the join form, from reading its wait to joining.
FORM_MS = 30 * SECOND_MS


@dataclass
class Night:
    index: int
    diners: list[Diner]


@dataclass
class _Quotes:
    """One computation of the join form's quotes (waitlist.quotes.Quotes), every size
    quoted from the same view; sizes are computed when first asked for."""

    built_ms: int
    version: int
    restaurant_updated: object
    view: live_view.LiveView
    by_party: dict = field(default_factory=dict)

    def quote(self, size: int, preference: str) -> tuple[int, int] | None:
        key = (size, preference)
        if key not in self.by_party:
            self.by_party[key] = self.view.new_party_quote(size, preference)
        return self.by_party[key]


@dataclass
class _Saved:
    savepoint: str
    redis: dict
    baselines: Baselines
    nights: int
    seen_versions: dict


def plan_for(restaurant: Restaurant) -> SeatingPlan:
    tables = list(restaurant.tables.values_list("kind", "seats"))
    return SeatingPlan(
        table_seats=tuple(seats for kind, seats in tables if kind != COUNTER),
        counter_seats=sum(seats for kind, seats in tables if kind == COUNTER),
        tables_combine=restaurant.tables_combine, default_turn_minutes=float(restaurant.default_turn_minutes))


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
        for number, (label, seats) in enumerate(scenario.labels(), start=1):
            counter = number > len(scenario.tables)
            Table.objects.create(restaurant=self.restaurant, label=label, seats=seats, kind=COUNTER if counter else TABLE,
                                 position=100 + number - len(scenario.tables) if counter else number)
        self.restaurant = Restaurant.objects.get(pk=self.restaurant.pk)
        self.layout = caches.layout(self.restaurant)
        self._clear_live_state()
        self.worker = Worker()
        self.baselines = Baselines(plan_for(self.restaurant))
        self.nights: list[Night] = []
        self.model_loaded_ms: int | None = None
        self.quotes: _Quotes | None = None
        self.taken_out: str | None = None  # the label of a table out of service

    def close(self) -> None:
        self._clear_live_state()

    def save(self) -> "_Saved":
        """Everything the next nights start from (the database as a savepoint, this
        restaurant's Redis keys, the baselines' memory), to play them again under other
        conditions without replaying the history."""
        r = get_redis()
        keys = list(r.scan_iter(match=f"{self._prefix()}:*", count=1000))
        return _Saved(savepoint=transaction.savepoint_create(), redis={key: r.dump(key) for key in keys},
                      baselines=copy.deepcopy(self.baselines), nights=len(self.nights),
                      seen_versions=dict(self.worker.seen_versions))

    def restore(self, saved: "_Saved") -> None:
        transaction.savepoint_rollback(saved.savepoint)
        self._clear_live_state()
        r = get_redis()
        for key, value in saved.redis.items():
            r.restore(key, 0, value, replace=True)
        self.restaurant = Restaurant.objects.get(pk=self.restaurant.pk)
        self.layout = caches.layout(self.restaurant)
        self.baselines = copy.deepcopy(saved.baselines)
        del self.nights[saved.nights:]
        self.worker = Worker()
        self.worker.seen_versions.update(saved.seen_versions)
        self.model_loaded_ms, self.quotes, self.taken_out = None, None, None

    def _prefix(self) -> str:
        return keys_for(self.restaurant.id).meta.removesuffix(":meta")

    def _clear_live_state(self) -> None:
        r = get_redis()
        stale = list(r.scan_iter(match=f"{self._prefix()}:*", count=1000))
        if stale:
            r.delete(*stale)
        visit_history.forget(self.restaurant.id)
        live_view.forget(self.restaurant.id)

    # --- one night ---------------------------------------------------------------------

    def run_night(self, index: int, conditions: Conditions | None = None) -> Night:
        """Night ``index``, changed by ``conditions`` when given (a measured night)."""
        diners = draw_night(self.scenario, self.seed, index)
        if conditions is not None:
            diners = apply_conditions(diners, self.scenario, conditions, self.seed)
        night = Night(index=index, diners=diners)
        self.baselines.start_night(weekday=index % 7)
        self.events: list[tuple[int, int, str, object]] = []
        self.seq = 0
        self.by_party: dict[int, Diner] = {}
        self.snapshot = queue.snapshot(restaurant=self.restaurant)
        self.version = self.snapshot.version
        opening = EPOCH_MS + index * DAY_MS + self.scenario.open_hour * HOUR_MS
        if conditions is not None and conditions.table_out:
            self._take_out(conditions, opening)
        for diner in night.diners:
            self._push(diner.arrive_ms - FORM_MS, "form", diner)
        self.model_loaded_ms = None
        while self.events:
            now, _, kind, subject = heapq.heappop(self.events)
            self._load_model(now, reload=conditions is not None)
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

    def _load_model(self, now: int, *, reload: bool) -> None:
        """The turn model as production has it on a measured night: loaded when first
        needed, then history again once it is ``RELOAD_SECONDS`` old and tonight's meals once
        they are ``TONIGHT_RELOAD_SECONDS`` old (visit_history.turn_model), on the virtual
        clock. A history night loads it once, at its first diner: its quotes only decide who
        walks away, and each load reads every visit."""
        at = to_datetime(now)
        if self.model_loaded_ms is None or (
                reload and now - self.model_loaded_ms >= visit_history.RELOAD_SECONDS * SECOND_MS):
            self.model = visit_history.load_turn_model(self.restaurant, now=at)
            self.model_loaded_ms = self.tonight_loaded_ms = now
        elif reload and now - self.tonight_loaded_ms >= visit_history.TONIGHT_RELOAD_SECONDS * SECOND_MS:
            self.model = visit_history.load_tonight(self.restaurant, self.model, now=at)
            self.tonight_loaded_ms = now
        else:
            return
        visit_history.pin(self.restaurant.id, self.model)

    def _take_out(self, conditions: Conditions, now: int) -> None:
        """A table out of service from the first measured night on: deleted from the floor
        plan (as a manager does in admin), or occupied by a party nobody ever clears."""
        table = self.restaurant.tables.filter(label=conditions.table_out).first()
        if table is None:
            if self.taken_out:
                return  # taken out on an earlier measured night
            raise ValueError(f"no table {conditions.table_out!r}; the scenario has "
                             f"{', '.join(self.restaurant.tables.values_list('label', flat=True))}")
        if conditions.table_out_mode == DELETED:
            table.delete()
            self.restaurant.save(update_fields=["updated_at"])
            self.restaurant = Restaurant.objects.get(pk=self.restaurant.pk)
            self.layout = caches.layout(self.restaurant)
            self.baselines.plan = plan_for(self.restaurant)
            self.taken_out = table.label
        elif not self.taken_out:
            key = f"sim-out-{table.label}"
            joined = queue.join(restaurant=self.restaurant, name="Out of service", size=1, preference=table.kind,
                                diner=key, request_id=key, quote=None, now_ms=now)
            queue.offer(restaurant=self.restaurant, party_id=joined.party_id, table_ids=[table.id], kind=table.kind,
                        now_ms=now)
            self.version = queue.check_in(restaurant=self.restaurant, party_id=joined.party_id, now_ms=now).version
            self.taken_out = table.label

    def _push(self, at_ms: int, kind: str, subject) -> None:
        self.seq += 1
        heapq.heappush(self.events, (int(at_ms), self.seq, kind, subject))

    def _quotes(self, now: int, max_age_ms: int) -> "_Quotes":
        """The restaurant's cached quotes, as waitlist.quotes keeps them: recomputed only
        when older than ``max_age_ms`` and the queue has changed since."""
        cached = self.quotes
        if cached is None or cached.restaurant_updated != self.restaurant.updated_at or (
                now - cached.built_ms > max_age_ms and cached.version != self.version):
            # Estimates for the parties already in line are skipped: no virtual diner reads them.
            view = live_view.build(self.restaurant, self._current(), at_ms=now, estimate=False)
            cached = self.quotes = _Quotes(built_ms=now, version=self.snapshot.version,
                                           restaurant_updated=self.restaurant.updated_at, view=view)
        elif now - cached.built_ms > max_age_ms:
            cached.built_ms = now  # nothing changed: still right
        return cached

    def _on_form(self, now: int, diner: Diner) -> None:
        """The diner opens the join form and reads its wait; it walks away if too long."""
        self._current()
        quote = self._quotes(now, QUOTE_MAX_AGE_MS).quote(diner.size, diner.preference)
        if quote is None or quote[1] is None or quote[1] > diner.tolerance:  # open-ended: too long
            diner.quote, diner.outcome = quote, "walked"
            return
        self._push(diner.arrive_ms, "arrive", diner)

    def _on_arrive(self, now: int, diner: Diner) -> int | None:
        # The join records the quote cached now (waitlist.views.join): the one the form
        # showed or one computed since for another diner. Only a missing one (or one from
        # before an admin change) is computed first. A quote cached for an older queue is
        # then replaced by the party's first estimate in line (waitlist.quotes.refine):
        # the newcomer's quote on the queue as it is now, which is that estimate (the
        # party appended to the same queue at the same moment), computed before the join.
        self._current()
        cached = self.quotes
        if cached is None or cached.restaurant_updated != self.restaurant.updated_at:
            cached = self._quotes(now, JOIN_QUOTE_MAX_AGE_MS)
        elif cached.version != self.version:
            cached = self._quotes(now, 0)
        diner.quote = cached.quote(diner.size, diner.preference)
        same_size = sum(1 for p in self.snapshot.waiting if p.size == diner.size)
        key = f"sim-{diner.night}-{diner.number}"
        joined = queue.join(restaurant=self.restaurant, name=f"Party {diner.night}.{diner.number}", size=diner.size,
                            preference=diner.preference, diner=key, request_id=key, quote=diner.quote, now_ms=now)
        diner.party_id, diner.ahead, diner.outcome = joined.party_id, joined.ahead or 0, "waiting"
        self.by_party[joined.party_id] = diner
        diner.baselines = self.baselines.estimate(
            size=diner.size, preference=diner.preference, ahead=diner.ahead, hour=diner.hour,
            weekday=diner.night % 7, now_ms=now, same_size_waiting=same_size)
        if diner.leave_after is not None:
            self._push(now + diner.leave_after * MINUTE_MS, "leave", diner)
        # A cached set older than JOIN_QUOTE_MAX_AGE_MS is computed again after the join
        # (in production in the background, for the next diner).
        self.version = joined.version
        self._quotes(now, JOIN_QUOTE_MAX_AGE_MS)
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
        diner.meal_minutes = minutes
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
            diner.tables = self.layout.labels(party.table_ids)
            self.baselines.called(diner.size, diner.hour, diner.waited_minutes, joined_ms=diner.arrive_ms,
                                  called_hour=(party.offered_ms % DAY_MS) // HOUR_MS)
            arrives = party.offered_ms + diner.checkin_delay * MINUTE_MS
            if diner.no_show or arrives >= party.deadline_ms:
                diner.outcome = "no_show"
                self._push(party.deadline_ms, "tick", None)
            else:
                self._push(arrives, "checkin", diner)
