"""Model-based test of the live queue: random sequences of operations with a driven clock run
against Redis (through waitlist.queue) and against a small pure-Python model
(tests/support/queue_model.py); after
every step the two must agree on waiting order, each party's state, parties ahead, tables,
skips, deadlines, timers fired, the change counter, and which operations are refused."""

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

from tests.support.queue_model import (
    ADVANCES,
    DINERS,
    HOLD_MIN,
    LIMIT_MIN,
    REMIND_MIN,
    TTL_S,
    UNDO_S,
    WARN_MIN,
    Model,
    MParty,
    Steps,
)
from waitlist import queue
from waitlist.errors import (
    AlreadyWaiting,
    StaleAction,
    TableBusy,
    UnknownParty,
)
from waitlist.keys import keys_for
from waitlist.redis_client import get_redis
from waitlist.state import FiredTimer, TableState


class LiveQueueMachine(Steps, RuleBasedStateMachine):
    def __init__(self, restaurant):
        super().__init__()
        get_redis().flushdb()
        self.r = restaurant
        by_kind = {"table": [], "counter": []}
        for t in restaurant.tables.all():
            by_kind[t.kind].append(t.id)
        self.by_kind = by_kind
        self.m = Model(by_kind["table"] + by_kind["counter"])

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
