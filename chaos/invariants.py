"""What must hold after the chaos, checked against the journal of what diners and hosts did
and were told. Each check takes plain values (the journal, parties, a snapshot) and returns
the violations it found, so that each can be shown to catch what it is there to catch."""

from dataclasses import dataclass, field

from domain.values import COMPLETED, DINING, END_STATES, EXPIRED, LEFT, READY, TABLE_OCCUPIED, TABLE_READY, WAITING


@dataclass
class Report:
    checked: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def check(self, what: str, found: list[str]) -> None:
        self.checked.append(f"{'ok  ' if not found else 'FAIL'} {what}")
        self.violations += [f"{what}: {problem}" for problem in found]


def joins(diners, parties: dict, host_actions: dict[int, set[str]]) -> list[str]:
    """Every acknowledged join is in the live queue, or ended in a way someone asked for;
    a refused join left nothing behind."""
    found = []
    for diner in diners:
        party = parties.get(diner.browser)
        if diner.refused and party is not None:
            found.append(f"{diner.name}'s join was refused ({diner.refused[:40]}) but party {party.id} exists")
        if not diner.acked:
            continue
        if party is None:
            found.append(f"{diner.name}'s acknowledged join is gone")
            continue
        if (party.name, party.size) != (diner.name, diner.size):
            found.append(f"{diner.name} ({diner.size}) finds party {party.id}: {party.name} ({party.size})")
        asked = host_actions.get(party.id, set())
        if party.state == LEFT and party.reason == "removed" and "remove" not in asked:
            found.append(f"party {party.id} removed, but no host removed it")
        elif party.state == LEFT and party.reason != "removed" and not diner.asked_leave:
            found.append(f"party {party.id} left ({party.reason}), but its diner never asked to leave")
        elif party.state == COMPLETED and "complete" not in asked:
            found.append(f"party {party.id} completed, but no host finished its meal")
        elif party.state == EXPIRED and "no-show" not in asked:
            if party.deadline_ms is None:
                found.append(f"party {party.id} expired without ever being offered a table")
            elif (party.ended_ms or 0) < party.deadline_ms:
                found.append(f"party {party.id} expired {party.deadline_ms - party.ended_ms} ms before its deadline")
    return found


def one_party_each(diners, parties: dict, created: int) -> list[str]:
    """No duplicates and no strays: every party the queue made belongs to one diner who asked."""
    ids = [party.id for party in parties.values() if party is not None]
    found = []
    if len(ids) != len(set(ids)):
        found.append("two browsers follow the same party")
    if created != len(set(ids)):
        found.append(f"the queue made {created} parties, the diners who asked find {len(set(ids))}")
    if created > sum(1 for diner in diners if diner.tried):
        found.append(f"{created} parties from {sum(1 for d in diners if d.tried)} diners who tried to join")
    return found


def lines(snapshot) -> list[str]:
    """The queue's indexes agree with the parties' own states."""
    found = [f"party {p.id} is in line but {p.state}" for p in snapshot.waiting if p.state != WAITING]
    found += [f"party {p.id} is active but {p.state}" for p in snapshot.active if p.state not in (READY, DINING)]
    ids = [p.id for p in (*snapshot.waiting, *snapshot.active)]
    if len(ids) != len(set(ids)):
        found.append("a party is in two places at once")
    return found


def places(snapshot, shown: dict[int, int | None]) -> list[str]:
    """Places are contiguous: the waiting parties, in join order, are told 1, 2, 3..."""
    found = []
    for place, party in enumerate(snapshot.waiting, start=1):
        if party.id in shown and shown[party.id] != place:
            found.append(f"party {party.id} is {place} in line but its page says {shown[party.id]}")
    told = sorted(p for p in shown.values() if p is not None)
    if told != list(range(1, len(told) + 1)) and not found:
        found.append(f"places shown are not contiguous: {told}")
    return found


def tables(snapshot, table_ids: list[int]) -> list[str]:
    """No table held or occupied by two parties, none held for a party that is not there,
    each offered party holding its tables and each seated one occupying them."""
    found, claimed = [], {}
    for party in snapshot.active:
        for tid in party.table_ids:
            if tid in claimed:
                found.append(f"table {tid} belongs to parties {claimed[tid]} and {party.id}")
            claimed[tid] = party.id
            table = snapshot.table(tid)
            want = TABLE_READY if party.state == READY else TABLE_OCCUPIED
            if table.party_id != party.id or table.state != want:
                found.append(f"party {party.id} ({party.state}) has table {tid}, which is {table.state} "
                             f"for {table.party_id}")
    for tid in table_ids:
        table = snapshot.table(tid)
        if table.party_id is not None and claimed.get(tid) != table.party_id:
            found.append(f"table {tid} is {table.state} for party {table.party_id}, which is not there")
    return found


def offers(parties: dict, host_actions: dict[int, set[str]], now_ms: int, grace_ms: int) -> list[str]:
    """Every offer ended in a check-in, a no-show or a hold extension (or in leaving, when the
    diner or the host asked): no hold outlives its deadline."""
    found = []
    for party in parties.values():
        if party is None or party.deadline_ms is None:
            continue
        extended = "extend" in host_actions.get(party.id, set())
        if party.state == READY and party.deadline_ms < now_ms - grace_ms:
            found.append(f"party {party.id}'s hold ended {(now_ms - party.deadline_ms) / 1000:.1f}s ago "
                         "and it is still ready")
        elif party.state == READY and not extended:
            found.append(f"party {party.id} is still ready on a hold that was never extended")
        elif party.state not in (READY, DINING, *END_STATES):
            found.append(f"party {party.id} was offered a table and is {party.state}")
    return found


def visits(parties: dict, recorded: dict[str, str]) -> list[str]:
    """Every ended party is in the visit history once, with its outcome."""
    found = []
    ended = {p.token: p for p in parties.values() if p is not None and p.state in END_STATES}
    for token, party in ended.items():
        if token not in recorded:
            found.append(f"party {party.id} ({party.state}) has no visit recorded")
        elif recorded[token] != party.state:
            found.append(f"party {party.id} is {party.state}, its visit says {recorded[token]}")
    strays = set(recorded) - set(ended)
    if strays:
        found.append(f"{len(strays)} visits of parties that have not ended")
    return found


DINER_SHOWS = {WAITING: ("waiting", "close"), READY: ("ready",), DINING: ("dining",)}


def streams(watches, expected: dict[str, tuple], final_version: int) -> list[str]:
    """Every stream open at the end shows the final state: a diner's page its state and
    place, the host's dashboard the latest version of the floor. ``expected`` maps a watch's
    name to the (state, place) its page should show."""
    found = []
    for watch in watches:
        if not watch.open:
            found.append(f"{watch.name}'s stream is not open at the end ({watch.problem})")
            continue
        if watch.name.startswith("host "):
            if watch.shown_version() != final_version:
                found.append(f"{watch.name}'s dashboard shows version {watch.shown_version()}, not {final_version}")
            continue
        state, place = expected[watch.name]
        shown = watch.shown_state()
        if state in DINER_SHOWS:
            wrong = shown not in DINER_SHOWS[state]
        else:
            wrong = shown is None or shown in ("waiting", "close", "ready", "dining")
        if wrong:
            found.append(f"{watch.name}'s page shows {shown}, the party is {state}")
        elif state == WAITING and watch.shown_position() != place:
            found.append(f"{watch.name}'s page shows place {watch.shown_position()}, the party is {place}")
    return found
