"""The pure-Python model of the live queue and the steps that drive both it and Redis, for
the model-based test (tests/test_live_queue_model.py): each ``do_*`` makes the change in the
model and through waitlist.queue, and checks that both accept or refuse it alike."""

from dataclasses import dataclass

from hypothesis import strategies as st

from domain.durations import MINUTE_MS as MIN
from tests.support.factories import T0
from tests.support.live_queue import redis_dump
from waitlist import floor, queue
from waitlist.errors import (
    HoldExpired,
    NoMove,
    NothingToUndo,
    NotReady,
    Rejoined,
    StaleAction,
    TableBusy,
    UnknownParty,
)

TTL_S = 1800  # ENDED_PARTY_TTL for this test, so forgetting happens within a run
LIMIT_MIN, WARN_MIN, HOLD_MIN, REMIND_MIN = 10, 4, 10, 2
UNDO_S = 300  # UNDO_SECONDS
DINERS = [f"d{i}" for i in range(8)]
ADVANCES = st.sampled_from([0, 1, MIN, 5 * MIN, HOLD_MIN * MIN, 20 * MIN]) | st.integers(0, 40 * MIN)


@dataclass
class MParty:
    id: int
    pref: str
    diner: str
    req: str
    token: str
    state: str = "waiting"
    tables: tuple = ()
    deadline: int | None = None
    skips: int = 0
    warned: int | None = None
    over: int | None = None
    reason: str = ""
    place: int = 0  # its place in line: its id, unless the host moved it
    offered: int | None = None
    ended: int | None = None


@dataclass
class MUndo:
    """What the host may take back (lua/undo.lua): a no-show or removal, or an offer."""
    op: str  # no_show | removed | offer
    before: str
    ends: int
    tables: tuple
    place: int | None
    offered: int | None = None
    passed: tuple = ()


class Model:
    """What the live queue should be, computed the plain way (lists and dicts, no zsets)."""

    def __init__(self, table_ids):
        self.now = T0
        self.seq = 0
        self.version = 0
        self.ended = 0
        self.parties: dict[int, MParty] = {}
        self.forgotten: dict[int, str] = {}  # party id -> its token
        self.tables = {tid: None for tid in table_ids}  # None = free; else (state, party, since)
        self.timers: dict[tuple[str, int], int] = {}
        self.undo: dict[int, MUndo] = {}
        self.bound: dict[str, int] = {}  # diner -> the party its browser follows (the diners hash)

    def waiting(self):
        return sorted((pid for pid, p in self.parties.items() if p.state == "waiting"),
                      key=lambda pid: self.parties[pid].place)

    def ahead(self, pid):
        p = self.parties[pid]
        if p.state != "waiting":
            return None
        before = [self.parties[q] for q in self.waiting() if self.parties[q].place < p.place]
        if p.pref == "either":  # competes with everyone waiting
            return len(before)
        return sum(1 for q in before if q.pref in (p.pref, "either"))

    def diner_party(self, diner):
        for p in self.parties.values():
            if p.diner == diner and p.state in ("waiting", "ready", "dining"):
                return p
        return None

    def end(self, p, state, reason):
        for tid in p.tables:
            if self.tables[tid] and self.tables[tid][1] == p.id:
                self.tables[tid] = ("cleaning", None, self.now) if p.state == "dining" else None
        p.state, p.reason, p.ended = state, reason, self.now
        for kind in ("hold", "warn", "over", "remind"):
            self.timers.pop((kind, p.id), None)
        self.timers[("gc", p.id)] = self.now + TTL_S * 1000
        self.ended += 1


class Steps:
    """The model's steps, mixed into the state machine (which sets ``r``, ``m``, ``by_kind``)."""


    def attempt(self, error, call):
        """Run ``call``; if the model says it is refused, Redis must refuse it the same way
        and write nothing."""
        if error is None:
            return call()
        before = redis_dump()
        try:
            call()
        except Exception as exc:  # noqa: BLE001 - any other refusal is a disagreement too
            assert type(exc) is error, f"refused with {type(exc).__name__}, model says {error.__name__}"
        else:
            raise AssertionError(f"accepted, model says {error.__name__}")
        assert redis_dump() == before
        return None

    def in_state(self, *states):
        return sorted(pid for pid, p in self.m.parties.items() if p.state in states)

    def party_or_error(self, pid, states, error):
        p = self.m.parties.get(pid)
        if p is None:
            return None, UnknownParty
        return p, (None if p.state in states else error)

    def draw_tables(self, data, kind):
        ids = self.by_kind[kind]
        free = [t for t in ids if self.m.tables[t] is None]
        source = st.sampled_from(free) | st.sampled_from(ids) if free else st.sampled_from(ids)
        return tuple(data.draw(st.lists(source, min_size=1, max_size=2 if kind == "table" else 3, unique=True)))

    # --- each operation: the model decides the outcome, Redis must agree ---------------------

    def do_leave(self, pid, how=("left", "left")):
        """The diner leaves, or (undoably) the host removes the party or marks a no-show."""
        state, reason = how
        host = reason != "left"
        p, error = self.party_or_error(pid, ("waiting", "ready"), StaleAction)
        change = self.attempt(error, lambda: queue.leave(restaurant=self.r, party_id=pid, state=state, reason=reason,
                                                         undoable=host, now_ms=self.m.now))
        if error is None:
            assert change.table_ids == (p.tables if p.state == "ready" else ())
            if host:
                self.m.undo[pid] = MUndo(op=reason, before=p.state, ends=self.m.now + UNDO_S * 1000,
                                         tables=p.tables if p.state == "ready" else (),
                                         place=p.place if p.state == "waiting" else None)
            self.m.end(p, state, reason)
            self.m.version += 1

    def do_offer(self, pid, tids, kind, undoable=False):
        m = self.m
        p, error = self.party_or_error(pid, ("waiting",), StaleAction)
        if error is None and any(m.tables[t] is not None for t in tids):
            error = TableBusy
        change = self.attempt(error, lambda: queue.offer(restaurant=self.r, party_id=pid, table_ids=tids,
                                                         kind=kind, undoable=undoable, now_ms=m.now))
        if error:
            return
        passed = tuple(q for q in m.waiting() if m.parties[q].place < p.place and m.parties[q].pref in (kind, "either"))
        for q in passed:
            m.parties[q].skips += 1
        if undoable:
            m.undo[pid] = MUndo(op="offer", before="waiting", ends=m.now + UNDO_S * 1000, tables=tids,
                                place=p.place, offered=m.now, passed=passed)
        p.offered = m.now
        p.state, p.tables, p.deadline = "ready", tids, m.now + HOLD_MIN * MIN
        for t in tids:
            m.tables[t] = ("ready", pid, m.now)
        m.timers[("hold", pid)] = p.deadline
        m.timers[("remind", pid)] = p.deadline - REMIND_MIN * MIN  # the diner is reminded before it ends
        m.version += 1
        assert (change.table_ids, change.deadline_ms, change.version) == (tids, p.deadline, m.version)

    def do_check_in(self, pid):
        m = self.m
        p, error = self.party_or_error(pid, ("ready",), NotReady)
        # the hold ends at the deadline, the instant fire_due would expire it
        if error is None and m.now >= p.deadline:
            error = HoldExpired
        change = self.attempt(error, lambda: queue.check_in(restaurant=self.r, party_id=pid, now_ms=m.now))
        if error:
            return
        p.state = "dining"
        for t in p.tables:
            m.tables[t] = ("occupied", pid, m.now)
        del m.timers[("hold", pid)]
        m.timers.pop(("remind", pid), None)
        m.timers[("warn", pid)] = m.now + (LIMIT_MIN - WARN_MIN) * MIN
        m.timers[("over", pid)] = m.now + LIMIT_MIN * MIN
        m.version += 1
        assert (change.table_ids, change.version) == (p.tables, m.version)

    def do_complete(self, pid):
        p, error = self.party_or_error(pid, ("dining",), StaleAction)
        change = self.attempt(error, lambda: queue.complete(restaurant=self.r, party_id=pid, now_ms=self.m.now))
        if error is None:
            assert change.table_ids == p.tables
            self.m.end(p, "completed", "completed")
            self.m.version += 1

    def do_notify_again(self, pid, extend):
        m = self.m
        p, error = self.party_or_error(pid, ("ready",), NotReady)
        change = self.attempt(error, lambda: queue.notify_again(restaurant=self.r, party_id=pid,
                                                                extend_minutes=extend, now_ms=m.now))
        if error:
            return
        if extend:
            p.deadline = max(m.now, p.deadline) + extend * MIN
            m.timers[("hold", pid)] = p.deadline
        if p.deadline - REMIND_MIN * MIN > m.now:
            m.timers[("remind", pid)] = p.deadline - REMIND_MIN * MIN
        m.version += 1
        assert (change.deadline_ms, change.version) == (p.deadline, m.version)

    def do_undo(self, pid):
        m = self.m
        u = m.undo.get(pid)
        p = m.parties.get(pid)
        if u is None or u.ends < m.now:
            error = NothingToUndo
        elif p is None:
            error = UnknownParty
        elif u.op == "offer":
            error = None if p.state == "ready" and p.offered == u.offered else StaleAction
        elif p.state not in ("left", "expired") or p.reason != u.op:
            error = StaleAction
        elif m.bound.get(p.diner) != pid:
            error = Rejoined
        elif u.before == "ready" and any(m.tables[t] is not None for t in u.tables):
            error = TableBusy
        else:
            error = None
        change = self.attempt(error, lambda: floor.undo(restaurant=self.r, party_id=pid, now_ms=m.now))
        if error:
            return
        del m.undo[pid]
        if u.op == "offer":
            for t in p.tables:
                if m.tables[t] and m.tables[t][1] == pid:
                    m.tables[t] = None
            m.timers.pop(("hold", pid), None)
            m.timers.pop(("remind", pid), None)
            for q in u.passed:
                if q in m.parties and m.parties[q].skips > 0:
                    m.parties[q].skips -= 1
            p.state, p.tables, p.deadline, p.offered, p.place = "waiting", (), None, None, u.place
        else:
            if u.before == "ready":
                for t in u.tables:
                    m.tables[t] = ("ready", pid, p.offered)
                p.deadline += m.now - p.ended  # the hold's clock stood still while it was gone
                m.timers[("hold", pid)] = p.deadline
            else:
                p.place = u.place
            p.state, p.reason, p.ended = u.before, "", None
            del m.timers[("gc", pid)]
            m.ended -= 1
        m.version += 1
        assert change[1].version == m.version

    def do_move(self, pid, direction):
        m = self.m
        p, error = self.party_or_error(pid, ("waiting",), StaleAction)
        other = None
        if error is None:
            rivals = [m.parties[q] for q in m.waiting() if q != pid and (
                p.pref == "either" or m.parties[q].pref in (p.pref, "either"))]
            if direction == "up":
                ahead = [q for q in rivals if q.place < p.place]
                other = ahead[-1] if ahead else None
            else:
                behind = [q for q in rivals if q.place > p.place]
                other = behind[0] if behind else None
            error = None if other else NoMove
        self.attempt(error, lambda: floor.move_party(restaurant=self.r, party_id=pid, direction=direction,
                                                     reason="booked", now_ms=m.now))
        if error is None:
            p.place, other.place = other.place, p.place
            m.version += 1
