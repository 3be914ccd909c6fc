"""How long a LiveView rebuild with estimates takes: the estimator runs on every queue
change, for the whole line at once, so it must stay cheap at 50 waiting and at 1,000.

A 20-table, 8-seat restaurant, every table busy, the line waiting, and four weeks of visits
behind it so the estimator uses everything it learns. CPU time (time.process_time), since
other processes share these machines.
"""

import statistics
import time
from datetime import UTC, datetime, timedelta

from .harness import Result

# Line length: the most CPU milliseconds one rebuild may take (median of REPEAT).
TARGETS = {50: 50.0, 1000: 150.0}
REPEAT = 11


def run() -> list[Result]:
    return [_rebuild(line, target) for line, target in TARGETS.items()]


def _rebuild(line: int, target: float) -> Result:
    from restaurants import visit_history
    from restaurants.models import Restaurant, Visit
    from waitlist import live_view, queue

    from . import fixtures

    now = int(datetime(2031, 3, 7, 19, tzinfo=UTC).timestamp() * 1000)
    place = fixtures.restaurant(slug=f"estimates-rebuild-{line}", seating_policy="host")
    _history(place, datetime.fromtimestamp(now / 1000, tz=UTC))
    visit_history.pin(place.id, visit_history.load_turn_model(place, now=datetime.fromtimestamp(now / 1000, tz=UTC)))
    units = [t for t in place.tables.order_by("kind", "position")]
    diners = fixtures.fill(place, len(units), start=100_000, preference="either")
    for n, (party_id, unit) in enumerate(zip(diners, units, strict=True)):
        seated = now - (5 + (n * 13) % 60) * 60_000
        queue.offer(restaurant=place, party_id=party_id, table_ids=[unit.id], kind=unit.kind, now_ms=seated - 60_000)
        queue.check_in(restaurant=place, party_id=party_id, now_ms=seated)
    fixtures.fill(place, line)
    snapshot = queue.snapshot(restaurant=place)
    assert len(snapshot.waiting) == line
    cpu, wall = [], []
    for _ in range(REPEAT):
        started, started_cpu = time.perf_counter(), time.process_time()
        view = live_view.build(place, snapshot, at_ms=now)
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started)
    # Every party is quoted: a range, or "more than" the horizon; none left without.
    assert all(view.waits[p.id] is not None for p in snapshot.waiting)
    open_ended = sum(1 for p in snapshot.waiting if view.waits[p.id][1] is None)
    visit_history.forget(place.id)
    Visit.objects.filter(restaurant=place).delete()
    Restaurant.objects.filter(pk=place.pk).delete()
    median = statistics.median(cpu) * 1000
    return Result(f"LiveView rebuild, {line} waiting (ms CPU)", median, target=target, unit="ms",
                  raw={"cpu_median_ms": median, "cpu_max_ms": max(cpu) * 1000,
                       "wall_median_ms": statistics.median(wall) * 1000, "open_ended": open_ended},
                  note="CPU time, since other processes share this machine; the estimator's Monte Carlo dominates")


def _history(place, now: datetime) -> None:
    from restaurants.models import Visit

    visits = []
    tables = {t.label: t for t in place.tables.all()}
    labels = sorted(tables)
    for day in range(1, 29):
        for n in range(60):
            joined = now - timedelta(days=day, minutes=180 - 3 * n)
            table = tables[labels[n % len(labels)]]
            size = 1 if table.kind == "counter" else min(table.seats, 2 + n % 3)
            called = joined + timedelta(minutes=5 + n % 25)
            outcome = "left" if n % 17 == 0 else "expired" if n % 19 == 0 else "completed"
            seated = called + timedelta(minutes=1 + n % 5) if outcome == "completed" else None
            visits.append(Visit(
                restaurant=place, token=f"bench-{place.id}-{day}-{n}", party_number=n, size=size, preference="either",
                outcome=outcome, tables=table.label if seated else "", table_seats=table.seats if seated else None,
                table_kind=table.kind if seated else "", joined_at=joined,
                notified_at=None if outcome == "left" else called, seated_at=seated,
                ended_at=(seated + timedelta(minutes=35 + (n * 7) % 40) if seated
                          else called + timedelta(minutes=10) if outcome == "expired" else joined + timedelta(minutes=20))))
    Visit.objects.bulk_create(visits)
