"""One chaos run, in phases: a crowd arrives while the monkey makes faults; the faults stop
and every process is running again; the holds still open run out (no new offers); then
everyone stops acting, and the truth is read and checked against the journal."""

import asyncio
import random
import time

from domain.values import READY, WAITING

from . import invariants
from .actors import Host, Journal, diner, new_diner
from .client import RETRY_SECONDS, Balancer, Counters
from .faults import monkey
from .system import HOST_USER, System

SETTLE_SECONDS = 100  # holds are one minute; offers stop when the faults do
GRACE_MS = 3000  # a hold fires within the worker's poll of its deadline; allow for load
CONVERGE_SECONDS = 20


class Run:
    def __init__(self, system: System, rng: random.Random) -> None:
        self.system, self.rng = system, rng
        self.journal, self.counters = Journal(), Counters()
        self.balancer = Balancer(system.web_urls, self.counters)
        self.restaurant = system.restaurant()
        self.table_ids = list(self.restaurant.tables.values_list("id", flat=True))
        self.joining, self.seating = asyncio.Event(), asyncio.Event()
        self.acting_done, self.done = asyncio.Event(), asyncio.Event()
        self.tasks: list[asyncio.Task] = []

    def snapshot(self):
        from waitlist import queue

        return queue.snapshot(restaurant=self.restaurant)

    async def go(self, seconds: float) -> invariants.Report:
        say = self.journal.say
        self.joining.set()
        self.seating.set()
        faults_over = asyncio.Event()
        hosts = [Host(name, self.system.host_password, self.balancer, self.journal, self.table_ids, self.snapshot)
                 for name in ("A", "B")]
        self.tasks += [asyncio.create_task(h.run(self.done, self.seating, HOST_USER, self.acting_done))
                       for h in hosts]
        self.tasks.append(asyncio.create_task(self._arrivals()))
        faults = asyncio.create_task(monkey(self.system, self.journal, faults_over, self.rng))
        say(f"crowd and faults for {seconds:.0f}s")
        await asyncio.sleep(seconds)
        faults_over.set()
        await faults
        await asyncio.to_thread(self.system.restore)
        self.joining.clear()
        self.seating.clear()
        say("faults over, every process running; no new diners, no new offers")
        await self._settle()
        self.acting_done.set()
        await asyncio.sleep(2)
        say("everyone stopped acting; checking")
        report = await self._check([h.watch for h in hosts])
        self.done.set()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self._summary()
        return report

    async def _arrivals(self) -> None:
        number = 0
        while self.joining.is_set():
            number += 1
            record = new_diner(number, watched=number <= 6 or number % 5 == 0)
            self.journal.diners.append(record)
            self.tasks.append(asyncio.create_task(diner(record, self.balancer, self.journal, self.acting_done,
                                                        self.done)))
            await asyncio.sleep(self.rng.uniform(1.0, 3.5))

    async def _settle(self) -> None:
        """Until every hold has ended or was extended (bounded: it then shows as a violation)."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while time.monotonic() < deadline:
            await asyncio.sleep(1)
            try:
                snapshot = await asyncio.to_thread(self.snapshot)
            except Exception:  # noqa: BLE001 - it is settling; look again
                continue
            open_holds = [p for p in snapshot.active if p.state == READY
                          and "extend" not in self.journal.host_actions.get(p.id, set())]
            if not open_holds:
                self.journal.say("every hold ended or was extended")
                return
        self.journal.say(f"holds still open after {SETTLE_SECONDS}s")

    async def _check(self, host_watches) -> invariants.Report:
        from django.db import close_old_connections

        from restaurants.models import Visit
        from waitlist import queue
        from waitlist.errors import UnknownParty
        from waitlist.keys import keys_for
        from waitlist.redis_client import get_redis

        report = invariants.Report()
        health = await asyncio.to_thread(self.system.wait_healthy)
        report.check("every web process answers /healthz 200 again by itself",
                     [f"{url} /healthz: {code}" for url, code in health.items() if code != 200])

        def truth():
            close_old_connections()
            parties = {}
            for record in self.journal.diners:
                if record.browser:
                    try:
                        parties[record.browser] = queue.find_by_diner(restaurant=self.restaurant, diner=record.browser)
                    except UnknownParty:
                        parties[record.browser] = None
            created = int(get_redis().hget(keys_for(self.restaurant.id).meta, "seq") or 0)
            return self.snapshot(), parties, created

        snapshot, parties, created = await asyncio.to_thread(truth)
        for party in parties.values():
            if party is not None:
                self.journal.count(f"party now {party.state}" + (f" ({party.reason})" if party.reason else ""))
        now_ms = int(time.time() * 1000)
        diners, actions = self.journal.diners, self.journal.host_actions
        report.check("every acknowledged join is present or properly ended",
                     invariants.joins(diners, parties, actions))
        report.check("one party per diner who asked, none stray", invariants.one_party_each(diners, parties, created))
        report.check("lines and active parties agree with the parties' states", invariants.lines(snapshot))
        shown = await self._places_shown(parties, snapshot)
        report.check("places are contiguous, as every waiting diner is told", invariants.places(snapshot, shown))
        report.check("no table held or occupied by two parties", invariants.tables(snapshot, self.table_ids))
        report.check("every offer ended in check-in, no-show or hold extension",
                     invariants.offers(parties, actions, now_ms, GRACE_MS))
        recorded = await self._visits(Visit, parties)
        report.check("every ended party is in the visit history, once", invariants.visits(parties, recorded))
        report.check("every stream open at the end shows the final state",
                     await self._streams(parties, snapshot, host_watches))
        report.check("no server error (5xx other than a friendly 503)",
                     [f"{self.counters.server_errors} answers were 5xx"] if self.counters.server_errors else [])
        return report

    async def _places_shown(self, parties, snapshot) -> dict[int, int | None]:
        """What each waiting diner's page says now, asked through the web processes."""
        waiting = {p.id for p in snapshot.waiting}
        shown = {}
        for record in self.journal.diners:
            party = parties.get(record.browser)
            if party is None or party.id not in waiting or record.client is None:
                continue
            page = await self.balancer.send(record.client, "GET", "/waitlist/chaos/", headers={"Accept": "application/json"})
            shown[party.id] = page.json().get("position") if page is not None and page.status_code == 200 else None
        return shown

    async def _visits(self, visit_model, parties) -> dict[str, str]:
        """The visit history once the recorder has caught up (it runs in the timer worker)."""
        ended = sum(1 for p in parties.values() if p is not None and p.state not in (WAITING, READY, "dining"))
        deadline = time.monotonic() + CONVERGE_SECONDS

        def read():
            from django.db import close_old_connections

            close_old_connections()
            return dict(visit_model.objects.filter(restaurant=self.restaurant).values_list("token", "outcome"))

        recorded = await asyncio.to_thread(read)
        while len(recorded) < ended and time.monotonic() < deadline:
            await asyncio.sleep(1)
            recorded = await asyncio.to_thread(read)
        return recorded

    async def _streams(self, parties, snapshot, host_watches) -> list[str]:
        """Gives the open streams time to show the last change, then compares."""
        places = {p.id: n for n, p in enumerate(snapshot.waiting, start=1)}
        expected, watches = {}, list(host_watches)
        for record in self.journal.diners:
            party = parties.get(record.browser)
            if record.watch is not None and record.acked and party is not None:
                expected[record.watch.name] = (party.state, places.get(party.id))
                watches.append(record.watch)
        deadline = time.monotonic() + CONVERGE_SECONDS
        while True:
            found = invariants.streams(watches, expected, snapshot.version)
            if not found or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        kept = sum(1 for w in watches if w.connections == 1)
        self.journal.say(f"{len(watches)} streams watched: {kept} stayed on their first connection, "
                         f"{len(watches) - kept} reconnected after a fault")
        return found

    def _summary(self) -> None:
        print("\nwhat happened:")
        for what, n in sorted(self.journal.counts.items()):
            print(f"  {n:6d}  {what}")
        c = self.counters
        print(f"  {c.requests:6d}  HTTP requests ({c.retries} retried, {c.unavailable} answered 503, "
              f"{c.gave_up} given up after {RETRY_SECONDS:.0f}s)")
        for line in c.given_up[:10]:
            print(f"          given up: {line}")
