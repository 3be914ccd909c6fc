"""The insights as CSV files: the period's visits, and each table the page shows under its
charts, with the same numbers (the same queries, rounded the same way).

Every cell that is not a plain number is neutralised against formula injection: a cell a
spreadsheet would read as a formula (starting with = + - @, or a tab or carriage return that
some strip before looking) gets a leading apostrophe, as OWASP advises. Table labels are
typed in the admin, so ``=HYPERLINK(...)`` as a label must reach the spreadsheet as text.
"""

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from restaurants.models import Outcome, Preference, Restaurant, Visit

from .charts import one_decimal
from .queries import Insights, Period, offered_at

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# How the party joined (Visit.source): from its phone, or added by the host at the door.
SOURCES = {"remote": gettext_lazy("online"), "walkin": gettext_lazy("walk-in")}
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not NUMBER.fullmatch(text):
        return "'" + text
    return text


def to_csv(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


def _number(value: float | None) -> str:
    return "" if value is None else one_decimal(value)


def _local(moment: datetime | None, period: Period) -> str:
    return "" if moment is None else moment.astimezone(period.zone).strftime("%Y-%m-%d %H:%M")


def _minutes(start: datetime | None, end: datetime | None) -> str:
    return "" if start is None or end is None else one_decimal((end - start).total_seconds() / 60)


def visits(restaurant: Restaurant, report: Insights) -> tuple[list[str], list[list]]:
    """One row per visit of the period, in the order the parties joined; times local."""
    period = report.period
    header = [_("Party"), _("Joined"), _("Size"), _("Seating"), _("Source"), _("Outcome"), _("Quoted from"),
              _("Quoted to"), _("Offered a table"), _("Seated"), _("Ended"), _("Wait (min)"), _("Turn (min)"),
              _("Tables")]
    outcomes, preferences = dict(Outcome.choices), dict(Preference.choices)
    rows = []
    for v in Visit.objects.filter(restaurant=restaurant, joined_at__gte=period.starts_at,
                                  joined_at__lt=period.ends_at).order_by("joined_at", "party_number"):
        offered = offered_at(v)
        rows.append([v.party_number, _local(v.joined_at, period), v.size, preferences.get(v.preference, v.preference),
                     SOURCES.get(v.source, v.source), outcomes.get(v.outcome, v.outcome), v.quoted_low, v.quoted_high,
                     _local(v.notified_at, period), _local(v.seated_at, period), _local(v.ended_at, period),
                     _minutes(v.joined_at, offered),
                     _minutes(v.seated_at, v.ended_at) if v.outcome == Outcome.COMPLETED else "", v.tables])
    return header, rows


def waits(restaurant: Restaurant, report: Insights) -> tuple[list[str], list[list]]:
    header = [_("Hour"), _("Offered"), _("Quoted"), _("Quoted (min)"), _("Actual (min)")]
    return header, [[f"{h.hour:02d}:00", h.offered, h.quoted, _number(h.quoted_minutes), _number(h.actual_minutes)]
                    for h in report.hours]


def rates(restaurant: Restaurant, report: Insights) -> tuple[list[str], list[list]]:
    header = [_("From"), _("To"), _("Parties"), _("Offered"), _("No-shows"), _("No-show %"), _("Walk-aways"),
              _("Walk-away %")]
    return header, [[b.first.isoformat(), b.last.isoformat(), b.parties, b.offered, b.no_shows,
                     _number(b.no_show_pct), b.walked_away, _number(b.walk_away_pct)] for b in report.buckets]


def tables(restaurant: Restaurant, report: Insights) -> tuple[list[str], list[list]]:
    header = [_("Tables"), _("Count"), _("Occupied (h)"), _("Open (h)"), _("Used %")]
    return header, [[t.label, t.tables, _number(t.occupied_hours), _number(t.available_hours), _number(t.pct)]
                    for t in report.tables]


def turns(restaurant: Restaurant, report: Insights) -> tuple[list[str], list[list]]:
    header = [_("Seated at"), _("Seatings"), _("Median (min)"), _("80th pct (min)")]
    return header, [[t.label, t.seatings, _number(t.median_minutes), _number(t.p80_minutes)] for t in report.turns]


@dataclass(frozen=True)
class Export:
    label: object  # lazily translated: the link's text on the page
    rows: Callable[[Restaurant, Insights], tuple[list[str], list[list]]]


# The files the insights page offers, by the name in their URL (…/insights/<name>.csv).
EXPORTS = {
    "visits": Export(gettext_lazy("Visits"), visits),
    "waits": Export(gettext_lazy("Waits by hour"), waits),
    "rates": Export(gettext_lazy("No-shows and walk-aways"), rates),
    "tables": Export(gettext_lazy("Table utilisation"), tables),
    "turns": Export(gettext_lazy("Turn times"), turns),
}
