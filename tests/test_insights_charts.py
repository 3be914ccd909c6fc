"""The charts' x axes: dates in the active language, and labels thinned by their own width so
that none runs into the next or off the chart, from one day to a year (the browser test
measures them on screen: test_browser_insights.py)."""

import re
from datetime import date, timedelta

import pytest
from django.utils import translation

from seating.insights import charts, queries

LABEL = re.compile(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="middle" fill="[^"]+" class="x-label">([^<]*)</text>')


def buckets(days: int, *, weekly: bool) -> list[queries.Rates]:
    first, step = date(2025, 1, 6), timedelta(days=7 if weekly else 1)
    return [queries.Rates(first=first + step * n, last=first + step * n, parties=1, offered=1, no_shows=0,
                          walked_away=0) for n in range(days)]


def labels(svg: str) -> list[tuple[float, str]]:
    return [(float(x), text) for x, text in LABEL.findall(svg)]


def test_dates_are_in_the_active_language():
    assert labels(charts.rates_chart(buckets(3, weekly=False), weekly=False))[0][1] == "6 Jan"
    with translation.override("es"):
        assert [text for _, text in labels(charts.rates_chart(buckets(3, weekly=False), weekly=False))] == [
            "6 ene", "7 ene", "8 ene"]


@pytest.mark.parametrize(("count", "weekly"), [(1, False), (7, False), (8, False), (14, False), (31, False),
                                               (5, True), (9, True), (26, True), (53, True)])
@pytest.mark.parametrize("language", ["en", "es"])
def test_labels_keep_apart_and_inside_the_chart(count, weekly, language):
    with translation.override(language):
        shown = labels(charts.rates_chart(buckets(count, weekly=weekly), weekly=weekly))
    assert shown and shown[0][1] == labels_of(count, weekly, language)[0]  # the first period is always named
    for (x1, t1), (x2, t2) in zip(shown, shown[1:], strict=False):
        assert x2 - x1 >= (len(t1) + len(t2)) / 2 * charts.GLYPH + charts.LABEL_GAP, (t1, t2)
    for x, text in shown:
        half = len(text) * charts.GLYPH / 2
        assert 0 <= x - half and x + half <= charts.WIDTH, text
    assert len(shown) >= min(count, 4)  # thinned, never emptied


def labels_of(count, weekly, language):
    with translation.override(language):
        return [charts._bucket_label(b) for b in buckets(count, weekly=weekly)]


def test_every_hour_is_labelled_when_it_fits():
    hours = [queries.Waits(hour=h, offered=1, actual_minutes=10, quoted=1, quoted_minutes=12) for h in range(11, 24)]
    assert [text for _, text in labels(charts.waits_chart(hours))] == [f"{h:02d}" for h in range(11, 24)]
