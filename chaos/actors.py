"""Diners and hosts, each driving the system over HTTP the way a phone or the host's tablet
does (a browser's cookies, CSRF, the host's double-click guard), and writing down what they
did and what they were told: the journal the invariants are checked against."""

import asyncio
import random
import time
import uuid
from dataclasses import dataclass, field

import httpx

from domain.values import DINING, READY, TABLE_CLEANING, TABLE_READY, WAITING

from .client import Balancer, Watch, csrf_headers
from .system import SLUG

JSON = {"Accept": "application/json"}
HTMX = {"HX-Request": "true"}


@dataclass
class DinerRecord:
    name: str
    request_id: str
    size: int
    browser: str = ""  # the browser key cookie: how the live queue knows this diner
    tried: bool = False  # a join request went out (it may have been done even if no answer came)
    acked: bool = False  # the join was answered as done
    refused: str = ""  # the join was answered with a 4xx (why)
    asked_leave: bool = False
    asked_checkin: bool = False
    watch: Watch | None = None
    client: httpx.AsyncClient | None = None  # its browser, kept open until the end


@dataclass
class Journal:
    diners: list[DinerRecord] = field(default_factory=list)
    host_actions: dict[int, set[str]] = field(default_factory=dict)  # party id -> actions tried
    counts: dict[str, int] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    lines: list[str] = field(default_factory=list)

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    def say(self, line: str) -> None:
        self.lines.append(f"{time.monotonic() - self.started:7.1f}s  {line}")
        print(self.lines[-1], flush=True)


def cookie(client: httpx.AsyncClient, name: str) -> str:
    return next((c.value for c in client.cookies.jar if c.name == name), "")


async def diner(record: DinerRecord, balancer: Balancer, journal: Journal, acting_done: asyncio.Event,
                done: asyncio.Event) -> None:
    """Join; then look at the page every few seconds; check in (mostly) when the table is
    ready, or not; now and then give up waiting and leave. The browser (and its stream)
    stays open until ``done``."""
    async with httpx.AsyncClient() as client:
        record.client = client
        page = await balancer.send(client, "GET", f"/waitlist/{SLUG}/")
        if page is None:
            journal.count("diner gave up before joining")
            return
        record.browser = cookie(client, "waitlist_browser")
        record.tried = True
        form = {"name": record.name, "size": str(record.size), "preference": "table",
                "request_id": record.request_id}
        answer = await balancer.send(client, "POST", f"/waitlist/{SLUG}/join", data=form,
                                     headers={**JSON, **csrf_headers(client)})
        if answer is None:
            journal.count("join unanswered")
            return
        if answer.status_code not in (200, 201):
            record.refused = f"{answer.status_code} {answer.text[:120]}"
            journal.count(f"join refused {answer.status_code}")
            return
        record.acked = True
        journal.count("join acknowledged")
        if record.watch is not None:
            asyncio.create_task(record.watch.run(client, balancer.urls, done))
        await _follow(record, client, balancer, journal, acting_done)
        await done.wait()


async def _follow(record, client, balancer, journal, stop) -> None:
    decided: set[str] = set()
    while not stop.is_set():
        await asyncio.sleep(random.uniform(1.5, 3.5))
        page = await balancer.send(client, "GET", f"/waitlist/{SLUG}/", headers=JSON)
        if page is None or page.status_code != 200:
            continue
        state = page.json().get("state")
        if state == WAITING and not record.asked_leave and random.random() < 0.012:
            record.asked_leave = True
            await _act(client, balancer, journal, "leave", {"confirm": "yes"})
        elif state == READY and (deadline := page.json().get("checkin_deadline")) not in decided:
            decided.add(deadline)  # each offer (or extension) is decided once
            if random.random() < 0.75:
                await asyncio.sleep(random.uniform(0.5, 12))
                record.asked_checkin = True
                await _act(client, balancer, journal, "checkin", {})
        elif state not in (WAITING, READY, DINING):
            return


async def _act(client, balancer, journal, action: str, data: dict) -> None:
    answer = await balancer.send(client, "POST", f"/waitlist/{SLUG}/{action}", data=data,
                                 headers={**JSON, **csrf_headers(client)})
    journal.count(f"diner {action} {answer.status_code if answer is not None else 'unanswered'}")


class Host:
    """The host's tablet: reads the floor (the live queue, as the dashboard shows it) and
    clicks one thing at a time, with the floor version the page was drawn at."""

    def __init__(self, name: str, password: str, balancer: Balancer, journal: Journal, table_ids: list[int],
                 read_snapshot) -> None:
        self.name, self.password, self.balancer, self.journal = name, password, balancer, journal
        self.table_ids, self.read_snapshot = table_ids, read_snapshot
        self.watch = Watch(name=f"host {name}", path=f"/host/{SLUG}/events")

    async def run(self, done: asyncio.Event, seating: asyncio.Event, user: str, acting_done: asyncio.Event) -> None:
        """Acts until ``acting_done`` (offers only while ``seating``); its dashboard stream
        stays open until ``done``."""
        async with httpx.AsyncClient() as client:
            while not await self._login(client, user):
                await asyncio.sleep(1)
            asyncio.create_task(self.watch.run(client, self.balancer.urls, done))
            while not acting_done.is_set():
                await asyncio.sleep(random.uniform(0.4, 1.2))
                try:
                    snapshot = await asyncio.to_thread(self.read_snapshot)
                except Exception:  # noqa: BLE001 - Redis away or frozen: look again in a moment
                    continue
                choice = self.choose(snapshot, time.time() * 1000, seating=seating.is_set())
                if choice is not None:
                    await self._click(client, snapshot.version, *choice)
            await done.wait()

    async def _login(self, client, user: str) -> bool:
        page = await self.balancer.send(client, "GET", "/accounts/login/")
        if page is None:
            return False
        answer = await self.balancer.send(client, "POST", "/accounts/login/", data={
            "username": user, "password": self.password, "csrfmiddlewaretoken": cookie(client, "csrftoken")})
        return answer is not None and answer.status_code == 302

    def choose(self, snapshot, now_ms: float, *, seating: bool):
        """One action for this look at the floor, or None: what a host does next."""
        tables = {tid: snapshot.table(tid) for tid in self.table_ids}
        cleaning = [t for t, s in tables.items() if s.state == TABLE_CLEANING and now_ms - (s.since_ms or 0) > 2000]
        if cleaning and random.random() < 0.7:
            return "tables/ready", {"table": random.choice(cleaning)}, None
        done = [p for p in snapshot.active if p.state == DINING and now_ms - (p.seated_ms or 0) > _meal_ms(p.id)]
        if done:
            return "parties/complete", {"party": done[0].id}, (done[0].id, "complete")
        ready = [p for p in snapshot.active if p.state == READY]
        for party in ready:
            roll, done_before = random.random(), self.journal.host_actions.get(party.id, set())
            if party.deadline_ms and party.deadline_ms < now_ms and roll < 0.25:
                return "parties/no-show", {"party": party.id, "confirm": "yes"}, (party.id, "no-show")
            if roll < 0.006 and "extend" not in done_before:
                return "parties/extend", {"party": party.id}, (party.id, "extend")
            if roll < 0.002 and "checkin" not in done_before:  # the diner came to the stand
                return "parties/checkin", {"party": party.id}, (party.id, "checkin")
        if snapshot.waiting and random.random() < 0.015:
            party = random.choice(snapshot.waiting)
            return "parties/remove", {"party": party.id, "confirm": "yes"}, (party.id, "remove")
        free = [t for t, s in tables.items() if s.state == TABLE_READY and s.party_id is None]
        if seating and free and snapshot.waiting:
            return "seat-next", {}, None
        return None

    async def _click(self, client, version: int, path: str, data: dict, target) -> None:
        if target is not None:
            self.journal.host_actions.setdefault(target[0], set()).add(target[1])
        data = {**data, "rv": str(version), "csrfmiddlewaretoken": cookie(client, "csrftoken")}
        answer = await self.balancer.send(client, "POST", f"/host/{SLUG}/{path}", data=data, headers=HTMX)
        self.journal.count(f"host {path} {answer.status_code if answer is not None else 'unanswered'}")


def _meal_ms(party_id: int) -> int:
    return (5 + party_id * 7919 % 16) * 1000  # 5 to 20 seconds at the table


def new_diner(number: int, *, watched: bool) -> DinerRecord:
    record = DinerRecord(name=f"Diner {number:04d}", request_id=uuid.uuid4().hex, size=random.choice((1, 2, 2, 3, 4)))
    if watched:
        record.watch = Watch(name=record.name, path=f"/waitlist/{SLUG}/events")
    return record
