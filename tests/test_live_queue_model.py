"""Model-based test of the live queue: random sequences of operations with a driven clock run
against Redis (through waitlist.queue) and against the small pure-Python model below; after
every step the two must agree on waiting order, each party's state, parties ahead, tables,
skips, deadlines, timers fired, the change counter, and which operations are refused."""

from dataclasses import dataclass

import pytest
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from domain.durations import MINUTE_MS as MIN
from tests.support.factories import T0
from tests.support.live_queue import redis_dump
from waitlist import floor, queue
from waitlist.errors import (
    AlreadyWaiting,
    HoldExpired,
    NoMove,
    NothingToUndo,
    NotReady,
    Rejoined,
    StaleAction,
    TableBusy,
    UnknownParty,
)
from waitlist.keys import keys_for
from waitlist.redis_client import get_redis
from waitlist.state import FiredTimer, TableState

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


class LiveQueueMachine(RuleBasedStateMachine):
    def __init__(self, restaurant):
        super().__init__()
        get_redis().flushdb()
        self.r = restaurant
        by_kind = {"table": [], "counter": []}
        for t in restaurant.tables.all():
            by_kind[t.kind].append(t.id)
        self.by_kind = by_kind
        self.m = Model(by_kind["table"] + by_kind["counter"])

    # --- helpers -----------------------------------------------------------------------------

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

    # --- rules -------------------------------------------------------------------------------

    @initialize(prefs=st.lists(st.sampled_from(["table", "counter", "either"]), min_size=1, max_size=5))
    def some_parties_waiting(self, prefs):
        for diner, pref in zip(DINERS, prefs):
            self.join(diner, "a", pref, 2)

    @rule(diner=st.sampled_from(DINERS), req=st.sampled_from(["a", "b"]),
          pref=st.sampled_from(["table", "counter", "either"]), size=st.integers(1, 6))
    def join(self, diner, req, pref, size):
        m = self.m
        existing = m.diner_party(diner)
        error = AlreadyWaiting if existing and existing.req != req else None
        result = self.attempt(error, lambda: queue.join(restaurant=self.r, name=diner, size=size, preference=pref,
                                                       diner=diner, request_id=req, now_ms=m.now))
        if error:
            return
        if existing:  # the same form submitted again
            assert (result.created, result.party_id, result.token) == (False, existing.id, existing.token)
            assert result.version == m.version
            assert result.ahead == m.ahead(existing.id)
            return
        m.seq += 1
        m.version += 1
        assert (result.created, result.party_id, result.version) == (True, m.seq, m.version)
        m.parties[m.seq] = MParty(id=m.seq, pref=pref, diner=diner, req=req, token=result.token, place=m.seq)
        m.bound[diner] = m.seq
        assert result.ahead == m.ahead(m.seq)

    @precondition(lambda self: self.in_state("waiting", "ready"))
    @rule(data=st.data())
    def leave(self, data):
        self.do_leave(data.draw(st.sampled_from(self.in_state("waiting", "ready"))))

    @precondition(lambda self: self.in_state("waiting", "ready"))
    @rule(data=st.data(), how=st.sampled_from([("left", "removed"), ("expired", "no_show")]))
    def host_ends(self, data, how):
        self.do_leave(data.draw(st.sampled_from(self.in_state("waiting", "ready"))), how)

    @precondition(lambda self: self.in_state("waiting"))
    @rule(data=st.data(), kind=st.sampled_from(["table", "counter"]), undoable=st.booleans())
    def offer(self, data, kind, undoable):
        pid = data.draw(st.sampled_from(self.in_state("waiting")))
        self.do_offer(pid, self.draw_tables(data, kind), kind, undoable)

    @rule(data=st.data())
    def undo(self, data):
        """Mostly the parties the host may still take back; sometimes any id at all."""
        recent = sorted(self.m.undo)
        anyone = st.integers(1, self.m.seq + 2)
        self.do_undo(data.draw(st.sampled_from(recent) | anyone if recent else anyone))

    @precondition(lambda self: self.in_state("waiting"))
    @rule(data=st.data(), direction=st.sampled_from(["up", "down"]))
    def move(self, data, direction):
        self.do_move(data.draw(st.sampled_from(self.in_state("waiting"))), direction)

    @precondition(lambda self: self.in_state("ready"))
    @rule(data=st.data())
    def check_in(self, data):
        self.do_check_in(data.draw(st.sampled_from(self.in_state("ready"))))

    @precondition(lambda self: self.in_state("dining"))
    @rule(data=st.data())
    def complete(self, data):
        self.do_complete(data.draw(st.sampled_from(self.in_state("dining"))))

    @precondition(lambda self: self.in_state("ready"))
    @rule(data=st.data(), extend=st.sampled_from([0, 5]))
    def notify_again(self, data, extend):
        self.do_notify_again(data.draw(st.sampled_from(self.in_state("ready"))), extend)

    @rule(data=st.data(), op=st.sampled_from(["leave", "offer", "check_in", "complete", "notify_again", "move"]))
    def any_party(self, data, op):
        """An operation on any id: a party in another state, an ended or forgotten one, or
        one never made. Mostly refusals, each of which must match the model's."""
        pid = data.draw(st.integers(1, self.m.seq + 2))
        if op == "offer":
            kind = data.draw(st.sampled_from(["table", "counter"]))
            self.do_offer(pid, self.draw_tables(data, kind), kind)
        elif op == "notify_again":
            self.do_notify_again(pid, 5)
        elif op == "move":
            self.do_move(pid, data.draw(st.sampled_from(["up", "down"])))
        else:
            getattr(self, f"do_{op}")(pid)

    @rule(data=st.data(), clear=st.booleans())
    def table_ready_or_clear(self, data, clear):
        m = self.m
        taken = [t for t, s in sorted(m.tables.items()) if s is not None]  # cleaning, held or occupied
        every = st.sampled_from(sorted(m.tables))
        tid = data.draw(st.sampled_from(taken) | every if taken else every)
        state = m.tables[tid]
        if state is not None and (state[0] == "occupied" or state[1] is not None):
            error = TableBusy
        elif clear:
            error = StaleAction if state is not None else None  # only a free table can be cleared
        else:
            error = StaleAction if state is None else None  # already ready
        op = queue.clear_table if clear else queue.table_ready
        self.attempt(error, lambda: op(restaurant=self.r, table_id=tid, now_ms=m.now))
        if error is None:
            m.tables[tid] = ("cleaning", None, m.now) if clear else None
            m.version += 1

    @rule(ms=ADVANCES, fire=st.booleans())
    def tick(self, ms, fire):
        """Time passes; the timer worker may or may not have run since (a check-in after the
        deadline but before fire_due must still be refused)."""
        self.m.now += ms
        if fire:
            self.fire_due()

    def fire_due(self):
        m = self.m
        expected, visible = [], False
        for (kind, pid), at in sorted(m.timers.items(), key=lambda item: item[1]):
            if at > m.now:
                continue
            del m.timers[(kind, pid)]
            p = m.parties[pid]
            if kind == "gc":
                m.forgotten[pid] = p.token
                del m.parties[pid]
                if m.bound.get(p.diner) == pid:
                    del m.bound[p.diner]
                continue
            if kind == "remind":  # a message to the diner, no change of state
                continue
            expected.append(FiredTimer(kind, pid, p.tables))
            visible = True
            if kind == "hold":
                m.end(p, "expired", "no_show")
            else:
                setattr(p, "warned" if kind == "warn" else "over", m.now)
        run = queue.fire_due(restaurant=self.r, now_ms=m.now)
        m.version += visible
        key = lambda f: (f.kind, f.party_id)  # noqa: E731
        assert sorted(run.fired, key=key) == sorted(expected, key=key)
        assert run.version == m.version

    # --- agreement ---------------------------------------------------------------------------

    @invariant()
    def redis_agrees_with_model(self):
        m = self.m
        snap = queue.snapshot(restaurant=self.r)
        assert snap.version == m.version
        assert [p.id for p in snap.waiting] == m.waiting()
        active = sorted(pid for pid, p in m.parties.items() if p.state in ("ready", "dining"))
        assert [(p.id, p.state) for p in snap.active] == [(pid, m.parties[pid].state) for pid in active]
        assert snap.tables == {t: TableState(*s) for t, s in m.tables.items() if s is not None}
        for pid, p in m.parties.items():
            got = queue.status(restaurant=self.r, party_id=pid)
            assert (got.state, got.ahead, got.table_ids, got.skips, got.reason) == (
                p.state, m.ahead(pid), p.tables, p.skips, p.reason), f"party {pid}"
            assert (got.deadline_ms, got.warned_ms, got.over_ms, got.preference) == (
                p.deadline, p.warned, p.over, p.pref), f"party {pid}"
        for pid in [*m.forgotten, m.seq + 1]:
            with pytest.raises(UnknownParty):
                queue.status(restaurant=self.r, party_id=pid)
        for token in m.forgotten.values():
            with pytest.raises(UnknownParty):
                queue.find_by_token(restaurant=self.r, token=token)
        assert len(queue.ended_records(restaurant_id=self.r.id, limit=10_000)) == m.ended
        # pending timers, in the layout _lib.lua documents: "kind:party id" -> due ms
        due = get_redis().zrange(keys_for(self.r.id).due, 0, -1, withscores=True)
        assert {member.decode(): int(at) for member, at in due} == {
            f"{kind}:{pid}": at for (kind, pid), at in m.timers.items()}


def test_live_queue_agrees_with_model(restaurant, settings):
    settings.ENDED_PARTY_TTL = TTL_S
    restaurant.service_limit_minutes, restaurant.service_warning_minutes = LIMIT_MIN, WARN_MIN
    restaurant.checkin_timeout_minutes = HOLD_MIN
    settings.NOTIFY_HOLD_REMINDER_MINUTES = REMIND_MIN
    settings.UNDO_SECONDS = UNDO_S
    restaurant.save()
    run_state_machine_as_test(
        lambda: LiveQueueMachine(restaurant),
        settings=hsettings(max_examples=60, stateful_step_count=30, deadline=None, derandomize=False),
    )
