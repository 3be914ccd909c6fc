"""Inline SVG charts for the insights page: pure functions from the query dataclasses to markup.

No JavaScript and no chart library: the server draws each chart once, it prints, and it
works without scripts. Every chart is an ``<svg role="img">`` named by its ``<title>`` and
``<desc>``; the page puts a table with the same numbers under it, so nothing depends on
reading bars. The viewBox is phone-sized (360 units wide) and the SVG scales to its box, so
text stays readable on a phone and nothing overflows sideways. Every piece of text passes
through ``_esc``.
"""

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from html import escape

from django.utils import dateformat
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .queries import Rates, TableUse, Waits

WIDTH = 360
FONT = 12
ACTUAL = "#0b5d4b"  # brand green
QUOTED = "#a34700"  # dark orange, 5:1 on white; drawn as a dashed line with dots, not a bar
NO_SHOW = "#b3261e"
WALK_AWAY = "#5b4a9b"
GRID = "#d9d4c7"
MUTED = "#4a5663"
TRACK = "#eceae4"


def _esc(text) -> str:
    return escape(str(text), quote=True)


def one_decimal(value: float) -> str:
    """Rounded like the template's ``floatformat:1`` (half up on the decimal form), so the
    chart and its table never disagree on the last digit."""
    return str(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _n(value: float) -> str:
    """A coordinate, short and stable."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(uid: str, height: int, title: str, desc: str, body: list[str]) -> str:
    return (f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
            f'role="img" aria-labelledby="{_esc(uid)}-title {_esc(uid)}-desc" font-size="{FONT}" '
            f'font-family="system-ui, sans-serif">'
            f'<title id="{_esc(uid)}-title">{_esc(title)}</title><desc id="{_esc(uid)}-desc">{_esc(desc)}</desc>'
            + "".join(body) + "</svg>")


def _text(x, y, text, *, anchor="start", fill=MUTED, size=None, weight=None, cls=None) -> str:
    extra = (f' font-size="{size}"' if size else "") + (f' font-weight="{weight}"' if weight else "")
    extra += f' class="{cls}"' if cls else ""
    return f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" fill="{fill}"{extra}>{_esc(text)}</text>'


def _rect(x, y, w, h, fill, tip=None) -> str:
    inner = f"<title>{_esc(tip)}</title>" if tip else ""
    return (f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(max(w, 0))}" height="{_n(max(h, 0))}" '
            f'fill="{fill}">{inner}</rect>')


def nice_ceiling(value: float, *, floor: float) -> tuple[float, float]:
    """A round axis maximum at or above ``value`` and its tick step (four or five ticks)."""
    top = max(value, floor)
    raw = top / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return step * math.ceil(top / step - 1e-9), step


def _y_axis(left, right, top, bottom, maximum, step, fmt) -> list[str]:
    parts = []
    ticks = int(round(maximum / step))
    for i in range(ticks + 1):
        value = step * i
        y = bottom - (bottom - top) * value / maximum
        parts.append(f'<line x1="{_n(left)}" x2="{_n(right)}" y1="{_n(y)}" y2="{_n(y)}" stroke="{GRID}" '
                     f'stroke-width="1"/>')
        parts.append(_text(left - 4, y + 4, fmt(value), anchor="end"))
    return parts


# No text metrics on the server: the width of an average digit or letter at FONT, in viewBox
# units, and the least gap between two axis labels. The browser test measures the result.
GLYPH = 6.8
LABEL_GAP = 4
EDGE = 3  # room kept between a label and the edge of the chart


def _every(count: int, room: float, label_width: float) -> int:
    """Label every n-th category so labels never overlap."""
    return max(1, math.ceil(count * label_width / room))


def _label_width(labels: Sequence[str]) -> float:
    return max((len(label) for label in labels), default=0) * GLYPH + LABEL_GAP


def _x_labels(labels: Sequence[str], *, left: float, band: float, y: float) -> list[str]:
    """Category labels under the bars: every n-th, centred on its band but kept inside the
    chart (a long label under the last band would be cut by the edge); one that the
    shift would bring too near the one before is left out."""
    width = _label_width(labels)
    every = _every(len(labels), band * len(labels), width)
    parts, previous_right = [], -math.inf
    for index in range(0, len(labels), every):
        half = len(labels[index]) * GLYPH / 2
        centre = min(max(left + band * (index + 0.5), half + EDGE), WIDTH - half - EDGE)
        if centre - half - LABEL_GAP < previous_right:
            continue
        parts.append(_text(centre, y, labels[index], anchor="middle", cls="x-label"))
        previous_right = centre + half
    return parts


def waits_chart(hours: Sequence[Waits], *, uid: str = "waits-chart") -> str:
    """Bars: average actual wait per hour joined. Dashed line with dots: average quoted wait."""
    shown = [h for h in hours if h.hour is not None and h.offered]
    title = _("Average wait by hour joined: quoted against actual")
    if not shown:
        return _svg(uid, 60, title, _("No party was offered a table in this period."),
                    [_text(WIDTH / 2, 34, _("No offers in this period"), anchor="middle")])
    first, last = shown[0].hour, shown[-1].hour
    by_hour = {h.hour: h for h in shown}
    height, left, right, top, bottom = 230, 36, WIDTH - 8, 34, 196
    peak = max(max(h.actual_minutes or 0, h.quoted_minutes or 0) for h in shown)
    maximum, step = nice_ceiling(peak, floor=10)
    band = (right - left) / (last - first + 1)
    body = [_text(left - 30, 14, _("min"), anchor="start")]
    body += _legend(left + 16, 14, [(ACTUAL, _("Actual wait"), "bar"), (QUOTED, _("Quoted wait"), "line")])
    body += _y_axis(left, right, top, bottom, maximum, step, lambda v: f"{v:g}")

    def y_of(minutes: float) -> float:
        return bottom - (bottom - top) * max(minutes, 0) / maximum

    body += _x_labels([f"{hour:02d}" for hour in range(first, last + 1)], left=left, band=band, y=bottom + 16)
    points = []
    for index, hour in enumerate(range(first, last + 1)):
        x = left + band * index
        row = by_hour.get(hour)
        if row is None:
            points.append(None)  # no offers this hour: the quoted line breaks here
            continue
        tip = _("%(hour)02d:00 · actual %(actual)s min (%(n)s offered) · quoted %(quoted)s min (%(q)s quoted)") % {
            "hour": hour, "actual": one_decimal(row.actual_minutes), "n": row.offered, "q": row.quoted,
            "quoted": "—" if row.quoted_minutes is None else one_decimal(row.quoted_minutes)}
        y = min(y_of(row.actual_minutes), bottom - 1)  # a zero wait still shows, as a hairline
        body.append(_rect(x + band * 0.18, y, band * 0.64, bottom - y, ACTUAL, tip))
        points.append(None if row.quoted_minutes is None else (x + band / 2, y_of(row.quoted_minutes)))
    body += _line(points, QUOTED)
    body.append(_text((left + right) / 2, height - 6, _("hour the party joined"), anchor="middle"))
    worst = max(shown, key=lambda h: h.actual_minutes or 0)
    desc = _("Hours %(first)02d:00 to %(last)02d:00. Longest average actual wait: %(worst)s minutes "
             "for parties joining at %(hour)02d:00. The table below lists every hour.") % {
        "first": first, "last": last, "worst": one_decimal(worst.actual_minutes or 0), "hour": worst.hour}
    return _svg(uid, height, title, desc, body)


def _line(points: list[tuple[float, float] | None], colour: str) -> list[str]:
    """A dashed polyline through consecutive points (broken at gaps) with a dot on each."""
    parts, run = [], []
    for point in [*points, None]:
        if point is not None:
            run.append(point)
            continue
        if len(run) > 1:
            coords = " ".join(f"{_n(x)},{_n(y)}" for x, y in run)
            parts.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2.5" '
                         f'stroke-dasharray="6 3"/>')
        parts += [f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3.5" fill="#fff" stroke="{colour}" stroke-width="2.5"/>'
                  for x, y in run]
        run = []
    return parts


def _legend(x: float, y: float, items: list[tuple[str, str, str]]) -> list[str]:
    parts = []
    for colour, label, shape in items:
        if shape == "bar":
            parts.append(_rect(x, y - 9, 12, 10, colour))
        else:
            parts.append(f'<line x1="{_n(x - 2)}" x2="{_n(x + 14)}" y1="{_n(y - 4)}" y2="{_n(y - 4)}" '
                         f'stroke="{colour}" stroke-width="2.5" stroke-dasharray="6 3"/>'
                         f'<circle cx="{_n(x + 6)}" cy="{_n(y - 4)}" r="3" fill="#fff" stroke="{colour}" '
                         f'stroke-width="2"/>')
        parts.append(_text(x + 18, y, label, fill="#15202b"))
        # No text metrics on the server: a generous average glyph width keeps items apart.
        x += 30 + len(label) * 7.4
    return parts


def _bucket_label(bucket: Rates) -> str:
    """"3 Mar", "3 mar": the day and the month abbreviated in the active language (Django's
    own month names, not the C library's, which speak only the server's locale), in an order
    and case the translation chooses (a Django date format)."""
    return dateformat.format(bucket.first, pgettext("date format of a chart's axis", "j M"))


def rates_chart(buckets: Sequence[Rates], *, weekly: bool, uid: str = "rates-chart") -> str:
    """Two bars per day (or week): no-show rate and walk-away rate, in percent."""
    title = _("No-show and walk-away rates by week") if weekly else _("No-show and walk-away rates by day")
    if not buckets:
        return _svg(uid, 60, title, _("No days in this period."), [])
    height, left, right, top, bottom = 230, 36, WIDTH - 8, 34, 196
    peak = max(max(b.no_show_pct or 0, b.walk_away_pct or 0) for b in buckets)
    maximum, step = nice_ceiling(min(peak, 100), floor=10)
    body = [_text(left - 30, 14, "%", anchor="start")]
    body += _legend(left + 6, 14, [(NO_SHOW, _("No-show"), "bar"), (WALK_AWAY, _("Walk-away"), "bar")])
    body += _y_axis(left, right, top, bottom, maximum, step, lambda v: f"{v:g}")
    band = (right - left) / len(buckets)
    labels = [_bucket_label(bucket) for bucket in buckets]
    body += _x_labels(labels, left=left, band=band, y=bottom + 16)
    for index, bucket in enumerate(buckets):
        x = left + band * index
        name = labels[index]
        bar = band * 0.36
        for offset, pct, colour, what, part, whole in (
                (0.12, bucket.no_show_pct, NO_SHOW, _("no-shows"), bucket.no_shows, bucket.offered),
                (0.5, bucket.walk_away_pct, WALK_AWAY, _("walked away"), bucket.walked_away, bucket.parties)):
            if pct is None:
                continue
            y = bottom - (bottom - top) * min(pct, maximum) / maximum
            tip = f"{name}: {part}/{whole} {what} ({one_decimal(pct)}%)"
            # A zero still gets a hairline, so "0%" reads differently from "no data".
            body.append(_rect(x + band * offset, min(y, bottom - 1), bar, max(bottom - y, 1), colour, tip))
    if weekly:  # "3 Mar" is a day unless said otherwise
        body.append(_text((left + right) / 2, height - 6, _("week starting"), anchor="middle"))
    overall_parties = sum(b.parties for b in buckets)
    desc = _("%(n)s periods, %(parties)s parties in all. No-show rate is no-shows out of parties offered a "
             "table; walk-away rate is parties who left before any offer out of all parties. The table below "
             "lists each one.") % {"n": len(buckets), "parties": overall_parties}
    return _svg(uid, height, title, desc, body)


def utilisation_chart(tables: Sequence[TableUse], *, uid: str = "utilisation-chart") -> str:
    """One horizontal bar per table size class, on a 0-100 % track."""
    title = _("Table utilisation by table size")
    shown = [t for t in tables if t.share is not None]
    if not shown:
        # Any visit makes an open hour, so what is missing here is tables in the layout.
        return _svg(uid, 60, title, _("The restaurant has no tables in its current layout."),
                    [_text(WIDTH / 2, 34, _("No tables in the current layout"), anchor="middle")])
    row, top, label_width, value_width = 34, 8, 128, 52
    height = top + row * len(shown) + 22
    left, right = label_width, WIDTH - value_width
    body = []
    for index, use in enumerate(shown):
        y = top + row * index
        pct = use.pct or 0
        body.append(_text(label_width - 8, y + 17, f"{use.label} ×{use.tables}", anchor="end", fill="#15202b"))
        body.append(_rect(left, y + 4, right - left, 18, TRACK))
        body.append(_rect(left, y + 4, (right - left) * min(pct, 100) / 100, 18, ACTUAL,
                          f"{use.label}: {one_decimal(pct)}%"))
        body.append(_text(right + 6, y + 17, f"{one_decimal(pct)}%", fill="#15202b", weight="700"))
    for pct in (0, 50, 100):
        x = left + (right - left) * pct / 100
        body.append(_text(x, height - 6, f"{pct}%", anchor="middle"))
    busiest = max(shown, key=lambda t: t.share or 0)
    desc = _("Share of the open hours each kind of table was occupied. Busiest: %(label)s at %(pct)s%%.") % {
        "label": busiest.label, "pct": one_decimal(busiest.pct or 0)}
    return _svg(uid, height, title, desc, body)
