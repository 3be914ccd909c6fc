"""Shared by the insights tests: the week the numbers are computed for (Europe/Paris), local
times, the page's URL, and a realistic month of visits for the browser tests."""

import itertools
import random
from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.urls import reverse

from restaurants.models import Visit

PARIS = ZoneInfo("Europe/Paris")
MON, TUE = date(2025, 3, 3), date(2025, 3, 4)  # Paris is UTC+1 all that week
SUN = date(2025, 3, 9)


def at(day: date, hhmm: str) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


_tokens = itertools.count(1)


def visit(restaurant, day, joined, ended, outcome, *, offered=None, seated=None, quote=None, tables="",
          seats=None, kind="", size=2, end_day=None) -> Visit:
    return Visit.objects.create(
        restaurant=restaurant, token=f"tok-{next(_tokens)}", party_number=next(_tokens), size=size,
        preference="table", outcome=outcome, tables=tables, table_seats=seats, table_kind=kind,
        quoted_low=quote[0] if quote else None, quoted_high=quote[1] if quote else None,
        joined_at=at(day, joined), notified_at=at(day, offered) if offered else None,
        seated_at=at(day, seated) if seated else None, ended_at=at(end_day or day, ended))


def seven_parties(restaurant):
    """Seven parties over Monday and Tuesday; the numbers the insights tests expect are
    worked out from these rows in the comments."""
    # Monday dinner. Waits 20, 10, 30 (quoted 15, 10, 25); D walks away unoffered.
    visit(restaurant, MON, "18:00", "19:25", "completed", offered="18:20", seated="18:25", quote=(10, 20),
          tables="T1", seats=2, kind="table")                       # turn 60 on a 2-top
    visit(restaurant, MON, "18:30", "19:35", "completed", offered="18:40", seated="18:45", quote=(5, 15),
          tables="T3", seats=4, kind="table")                       # turn 50 on the 4-top
    visit(restaurant, MON, "18:50", "19:30", "expired", offered="19:20", quote=(20, 30))  # no-show
    visit(restaurant, MON, "19:05", "19:25", "left", quote=(10, 20))                   # walk-away
    # Tuesday lunch. Waits 15 (no quote), 5 (quoted 5), 7 (quoted 7.5).
    visit(restaurant, TUE, "12:10", "13:10", "completed", offered="12:25", seated="12:30",
          tables="C1, C2", seats=2, kind="counter")                 # 40 at two counter seats
    visit(restaurant, TUE, "12:40", "12:50", "left", offered="12:45", quote=(0, 10))  # declined an offer
    visit(restaurant, TUE, "13:00", "14:40", "completed", offered="13:07", seated="13:10", quote=(5, 10),
          tables="T1, T2", seats=4, kind="table")                   # 90 at two 2-tops pushed together
    return restaurant


def url(slug="testbistro", **params):
    return reverse("seating:insights", args=[slug]) + (f"?{urlencode(params)}" if params else "")


def realistic_weeks(restaurant, last_day: date, *, days=7, seed=20) -> None:
    """Plausible lunches and dinners: Poisson arrivals busiest around 13:00 and 20:00, each
    party seated at the first fitting table to free up, quotes close to the real wait, some
    walk-aways (patience runs out) and a few no-shows."""
    rng = random.Random(seed)
    tables = list(restaurant.tables.all())
    free = {t.label: None for t in tables}
    visits, number = [], 0
    for offset in range(days - 1, -1, -1):
        day = last_day - timedelta(days=offset)
        for opens, closes, peak, per_hour in ((11.5, 14.5, 13, 7), (18, 22.5, 20, 9)):
            clock = at(day, f"{int(opens)}:{int(opens % 1 * 60):02d}")
            while (clock - at(day, "00:00")).total_seconds() / 3600 < closes:
                hour = (clock - at(day, "00:00")).total_seconds() / 3600
                rate = per_hour * (1.4 - min(abs(hour - peak), 2) / 2.5) * (1.3 if day.weekday() >= 4 else 1)
                clock += timedelta(minutes=rng.expovariate(rate / 60))
                size = rng.choices((1, 2, 3, 4, 5, 6), weights=(8, 45, 14, 22, 6, 5))[0]
                counter = size <= 2 and rng.random() < 0.3
                fits = [t for t in tables
                        if (t.kind == "counter") == counter and (counter or size <= t.seats <= size + 2)]
                fits.sort(key=lambda t: free[t.label] or clock)
                chosen = fits[:size] if counter else fits[:1]
                ready = max([clock] + [free[t.label] or clock for t in chosen])
                wait = (ready - clock).total_seconds() / 60
                mid = max(0, wait + rng.gauss(0, 6) - 2)
                quote = (max(0, int(mid - 5)), int(mid - 5) + 10 if mid > 5 else 10) if rng.random() < 0.9 else None
                number += 1
                fields = dict(restaurant=restaurant, token=f"real-{number}", party_number=number, size=size,
                              preference="counter" if counter else "table", joined_at=clock,
                              quoted_low=quote[0] if quote else None, quoted_high=quote[1] if quote else None)
                if wait > rng.uniform(30, 120):
                    gave_up = clock + timedelta(minutes=rng.uniform(15, 40))
                    visits.append(Visit(**fields, outcome="left", ended_at=gave_up))
                    continue
                if rng.random() < 0.06:
                    ended = ready + timedelta(minutes=10)
                    visits.append(Visit(**fields, outcome="expired", notified_at=ready, ended_at=ended))
                    for t in chosen:
                        free[t.label] = ended
                    continue
                seated = ready + timedelta(minutes=rng.uniform(1, 6))
                meal = rng.gauss(35 if counter else 50 + 6 * size + (15 if hour > 17 else 0), 10)
                ended = seated + timedelta(minutes=max(20, meal))
                for t in chosen:
                    free[t.label] = ended + timedelta(minutes=5)  # cleaning
                visits.append(Visit(**fields, outcome="completed", notified_at=ready, seated_at=seated, ended_at=ended,
                                    tables=", ".join(t.label for t in chosen), table_kind=chosen[0].kind,
                                    table_seats=sum(t.seats for t in chosen)))
    Visit.objects.bulk_create(visits)
