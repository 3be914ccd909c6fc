"""The manager's insights page (/host/<slug>/insights): numbers hand-computed from known visit
rows in Europe/Paris, period edges in local time, the form's errors, who may see it, the
charts and the empty state. In browsers: test_browser_insights.py."""

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from html import unescape

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from restaurants.models import Visit
from seating.insights import charts, queries
from tests.support.factories import make_restaurant, make_user
from tests.support.insights_data import MON, PARIS, SUN, TUE, seven_parties, url, visit


@pytest.fixture
def restaurant(db):
    # T1, T2: 2 seats; T3: 4; T4: 6; C1-C4: counter seats.
    return make_restaurant(time_zone="Europe/Paris")


@pytest.fixture
def manager(client, host):
    client.force_login(host)
    return client


@pytest.fixture
def week(restaurant):
    return seven_parties(restaurant)


def get(client, status=200, **params) -> str:
    response = client.get(url(**params))
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def text(markup: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", markup))).strip()


def rows(page: str, table_id: str) -> list[list[str]]:
    """The body rows of one data table, as cell texts."""
    body = page.split(f'id="{table_id}"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)]
            for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


# --- the numbers ---------------------------------------------------------------------------------

def test_waits_by_hour_quoted_against_actual(week):
    report = queries.insights(week, MON, SUN)
    by_hour = {h.hour: (h.offered, h.actual_minutes, h.quoted, h.quoted_minutes) for h in report.hours}
    assert by_hour == {
        12: (2, (15 + 5) / 2, 1, 5.0),               # E (no quote) and F
        13: (1, 7.0, 1, 7.5),                        # G
        18: (3, (20 + 10 + 30) / 3, 3, (15 + 10 + 25) / 3),
    }  # nobody who joined at 19:00 was offered a table: no row for 19
    assert (report.waits.offered, report.waits.actual_minutes) == (6, 87 / 6)
    assert (report.waits.quoted, report.waits.quoted_minutes) == (5, 62.5 / 5)


def test_no_show_and_walk_away_rates_overall_and_by_day(week):
    report = queries.insights(week, MON, SUN)
    overall = report.overall
    assert (overall.parties, overall.offered, overall.no_shows, overall.walked_away) == (7, 6, 1, 1)
    assert (overall.no_show_rate, overall.walk_away_rate) == (1 / 6, 1 / 7)
    days = {b.first: (b.parties, b.offered, b.no_shows, b.walked_away, b.no_show_rate, b.walk_away_rate)
            for b in report.buckets}
    assert list(days) == [MON + timedelta(days=n) for n in range(7)]
    assert days[MON] == (4, 3, 1, 1, 1 / 3, 1 / 4)
    assert days[TUE] == (3, 3, 0, 0, 0.0, 0.0)  # F left after an offer: neither a no-show nor a walk-away
    assert days[SUN] == (0, 0, 0, 0, None, None)


def test_utilisation_by_table_size_over_the_hours_with_activity(week):
    report = queries.insights(week, MON, SUN)
    # Monday: someone was there 18:00-19:35 -> hours 18 and 19. Tuesday 12:10-14:40 -> 12, 13, 14.
    assert report.open_hours == 5
    use = {(t.kind, t.seats): (t.tables, t.occupied_minutes, t.available_minutes, t.share) for t in report.tables}
    assert use == {
        ("table", 2): (2, 60 + 90 + 90, 2 * 300, 240 / 600),  # A on T1; G on T1 and T2
        ("table", 4): (1, 50, 300, 50 / 300),
        ("table", 6): (1, 0, 300, 0.0),
        ("counter", 1): (4, 40 + 40, 4 * 300, 80 / 1200),       # E on C1 and C2
    }
    assert [t.label for t in report.tables] == ["2-seat tables", "4-seat table", "6-seat table", "Counter seats"]


def test_turn_times_median_and_80th_percentile_by_size_and_kind(week):
    turns = {(t.kind, t.seats): (t.seatings, t.median_minutes, t.p80_minutes)
             for t in queries.insights(week, MON, SUN).turns}
    # 4 seats: B 50 and G 90 (two 2-tops together): median 70, p80 = 50 + 0.8 * 40.
    assert turns == {("table", 2): (1, 60.0, 60.0), ("table", 4): (2, 70.0, 82.0), ("counter", 2): (1, 40.0, 40.0)}


def test_turn_percentiles_interpolate_between_ranks(restaurant):
    for start, end in (("12:00", "13:15"), ("14:00", "14:30"), ("15:00", "17:00"), ("17:00", "17:45"),
                       ("18:00", "19:00")):  # 75, 30, 120, 45 and 60 minutes
        visit(restaurant, MON, start, end, "completed", offered=start, seated=start, tables="T2", seats=2,
              kind="table")
    (turns,) = queries.insights(restaurant, MON, MON).turns
    # Sorted 30 45 60 75 120: median 60; p80 at rank 0.8 * 4 = 3.2 -> 75 + 0.2 * 45 = 84.
    assert (turns.seatings, turns.median_minutes, turns.p80_minutes) == (5, 60.0, 84.0)
    assert queries.percentile([Fraction(7)], Fraction(4, 5)) == 7.0


def test_visits_whose_tables_left_the_layout_count_by_their_recorded_size(restaurant):
    visit(restaurant, MON, "12:00", "13:00", "completed", offered="12:00", seated="12:00", tables="Patio 9",
          seats=4, kind="table")
    visit(restaurant, MON, "12:00", "12:30", "completed", offered="12:00", seated="12:00", tables="Bar 7, Bar 8",
          seats=3, kind="counter")
    visit(restaurant, MON, "12:00", "12:30", "completed", offered="12:00", seated="12:00", tables="Old 1",
          seats=8, kind="table")
    report = queries.insights(restaurant, MON, MON)
    use = {(t.kind, t.seats): (t.tables, t.occupied_minutes, t.share) for t in report.tables}
    assert use[("table", 4)] == (1, 60, 60 / 60)
    assert use[("counter", 1)] == (4, 3 * 30, 90 / (4 * 60))
    assert use[("table", 8)] == (0, 30, None)  # that size is no longer in the layout: no share


def test_page_shows_the_same_numbers(manager, week):
    page = get(manager, start=MON, end=SUN)
    assert rows(page, "waits-table") == [["12:00", "2", "5.0", "10.0"], ["13:00", "1", "7.5", "7.0"],
                                         ["18:00", "3", "16.7", "20.0"]]
    by_day = rows(page, "rates-table")
    assert by_day[:2] == [["Mon 3 Mar", "33.3% 1/3", "25.0% 1/4"], ["Tue 4 Mar", "0.0% 0/3", "0.0% 0/3"]]
    assert by_day[2:] == [[day, "—", "—"] for day in ("Wed 5 Mar", "Thu 6 Mar", "Fri 7 Mar", "Sat 8 Mar", "Sun 9 Mar")]
    # Hours: 240, 50, 0 and 80 occupied minutes; 300 open minutes per table.
    assert rows(page, "tables-table") == [["2-seat tables ×2", "4.0", "10.0", "40.0%"],
                                          ["4-seat table ×1", "0.8", "5.0", "16.7%"],
                                          ["6-seat table ×1", "0.0", "5.0", "0.0%"],
                                          ["Counter seats ×4", "1.3", "20.0", "6.7%"]]
    assert rows(page, "turns-table") == [["Table for 2", "1", "60.0", "60.0"], ["Table for 4", "2", "70.0", "82.0"],
                                         ["Counter, 2 seats", "1", "40.0", "40.0"]]
    totals = text(page.split('class="kpis"', 1)[1].split("</ul>", 1)[0])
    assert "7 parties" in totals and "14.5 min average wait (quoted 12.5)" in totals
    assert "16.7% no-shows (1 of 6 offered)" in totals and "14.3% walked away (1 of 7)" in totals
    assert "seated: 5 h in this period." in page  # the utilisation definition, in plain words
    assert "Mon 3 Mar 2025 – Sun 9 Mar 2025" in page


def test_charts_are_accessible_inline_svg(manager, week):
    page = get(manager, start=MON, end=SUN)
    svgs = re.findall(r"<svg\b.*?</svg>", page, re.S)
    assert len(svgs) == 3 and "<script" not in page.split('class="insights-grid"', 1)[1]
    for svg in svgs:
        root = ET.fromstring(svg)  # well-formed XML: every label was escaped
        ns = "{http://www.w3.org/2000/svg}"
        title, desc = root.find(f"{ns}title"), root.find(f"{ns}desc")
        assert root.get("role") == "img" and title.text and desc.text
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "Average wait by hour joined: quoted against actual" in svgs[0]
    assert svgs[0].count("<rect") >= 3 + 1 and "<polyline" in svgs[0]  # three hourly bars, the quoted line
    assert "No-show and walk-away rates by day" in svgs[1]
    assert "Table utilisation by table size" in svgs[2] and "40.0%" in svgs[2]


def test_charts_escape_their_text():
    use = queries.TableUse(kind="table", seats=2, tables=1, occupied_minutes=1, available_minutes=2)
    svg = charts.utilisation_chart([use], uid='x"><script>')
    assert "<script>" not in svg and ET.fromstring(svg) is not None
    assert charts.one_decimal(0.25) == "0.3" and charts.one_decimal(16.65) == "16.7"


def test_long_periods_are_grouped_by_week(manager, week):
    report = queries.insights(week, date(2025, 2, 20), date(2025, 4, 20))  # Thursday to Sunday, 60 days
    assert report.period.weekly
    spans = [(b.first, b.last) for b in report.buckets]
    assert spans[0] == (date(2025, 2, 20), date(2025, 2, 23)) and spans[-1] == (date(2025, 4, 14), date(2025, 4, 20))
    assert all(first.weekday() == 0 for first, _ in spans[1:]) and len(spans) == 9
    assert [(b.parties, b.no_shows) for b in report.buckets if b.parties] == [(7, 1)]
    assert "No-shows and walk-aways by week" in get(manager, start="2025-02-20", end="2025-04-20")


# --- the period, in the restaurant's time zone ------------------------------------------------------

def test_period_runs_from_local_midnight_to_local_midnight(manager, restaurant):
    visit(restaurant, SUN, "23:30", "00:10", "left", end_day=SUN + timedelta(days=1))       # in: 22:30 UTC
    visit(restaurant, SUN + timedelta(days=1), "00:30", "00:50", "left")  # out, though 23:30 UTC on the 9th
    visit(restaurant, MON, "00:30", "00:40", "left")                      # in, though 23:30 UTC on the 2nd
    visit(restaurant, MON - timedelta(days=1), "23:30", "23:45", "left")  # out
    report = queries.insights(restaurant, MON, SUN)
    assert report.overall.parties == 2
    assert {b.first: b.parties for b in report.buckets if b.parties} == {MON: 1, SUN: 1}
    assert "2 parties" in get(manager, start=MON, end=SUN)
    assert queries.insights(restaurant, SUN, SUN).overall.parties == 1


def test_hours_are_local_and_the_repeated_autumn_hour_counts_twice(restaurant):
    night = date(2025, 10, 25)  # clocks go back at 03:00 on the 26th: 02:00-03:00 happens twice
    # Arithmetic in UTC: adding to a Paris time would add wall-clock time, not real time.
    joined = datetime(2025, 10, 26, 0, 10, tzinfo=PARIS).astimezone(UTC)
    Visit.objects.create(restaurant=restaurant, token="late", party_number=1, size=2, preference="table",
                         outcome="completed", tables="T1", table_seats=2, table_kind="table", joined_at=joined,
                         notified_at=joined + timedelta(minutes=20), seated_at=joined + timedelta(minutes=20),
                         ended_at=joined + timedelta(hours=4))  # 00:10 CEST to 03:10 CET: 4 real hours
    report = queries.insights(restaurant, night, night + timedelta(days=1))
    assert [h.hour for h in report.hours] == [0]
    assert report.open_hours == 5  # 00, 01, 02 (CEST), 02 (CET), 03
    (two,) = [t for t in report.tables if (t.kind, t.seats) == ("table", 2)]
    assert two.occupied_minutes == 220 and two.available_minutes == 2 * 5 * 60


def test_default_period_is_the_last_seven_days_in_local_time(manager, restaurant):
    today = timezone.now().astimezone(PARIS).date()
    page = get(manager)
    assert f'name="start" value="{today - timedelta(days=6)}"' in page and f'name="end" value="{today}"' in page
    only_end = get(manager, end="2025-03-09")
    assert 'name="start" value="2025-03-03"' in only_end


# --- the form ---------------------------------------------------------------------------------------

def field_error(page: str, name: str) -> str:
    """The message shown in the field box that holds input ``name``, tied to it for screen readers."""
    inside = "(?:(?!</div>).)*"
    box = re.search(rf'<div class="field has-error">{inside}?name="{name}"{inside}</div>', page, re.S)
    assert box, f"no error next to {name}"
    assert f'aria-describedby="{name}-error"' in box.group(0)
    return unescape(re.search(rf'<p class="field-error" id="{name}-error">(.*?)</p>', box.group(0)).group(1))


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"start": "2025-02-30", "end": "2025-03-09"}, "start", "Enter a date as YYYY-MM-DD."),
    ({"start": "2025-03-01", "end": "9/3/2025"}, "end", "Enter a date as YYYY-MM-DD."),
    ({"start": "<script>", "end": "2025-03-09"}, "start", "Enter a date as YYYY-MM-DD."),
    ({"start": "", "end": "2025-03-09"}, "start", "This field is required."),
    ({"start": "2025-03-10", "end": "2025-03-09"}, "end", "The end date must be on or after the start date."),
    ({"start": "2024-01-01", "end": "2025-01-01"}, "end", "Choose at most 366 days."),
    ({"start": "0001-01-01", "end": "0001-01-02"}, "start", "Choose a date between 2000-01-01 and 2999-12-31."),
    ({"start": "9999-12-30", "end": "9999-12-31"}, "end", "Choose a date between 2000-01-01 and 2999-12-31."),
    ({"end": "0001-01-01"}, "end", "Choose a date between 2000-01-01 and 2999-12-31."),
])
def test_invalid_period_is_a_400_with_the_message_next_to_the_field(manager, week, params, field, message):
    page = get(manager, status=400, **params)
    assert field_error(page, field) == message
    assert "<svg" not in page and "<script>" not in page.split("<main", 1)[1]


def test_a_full_leap_year_is_allowed(manager, week):
    assert "7 parties" in get(manager, start="2024-03-10", end="2025-03-09")  # 366 days


# --- who may see it ---------------------------------------------------------------------------------

def test_anonymous_is_sent_to_log_in(client, week):
    response = client.get(url())
    assert response.status_code == 302
    assert response["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={url()}"


def test_staff_of_another_restaurant_and_plain_users_are_refused(week):
    other = make_restaurant("elsewhere")
    rival, nobody = Client(), Client()
    rival.force_login(make_user("rival", restaurant=other))
    nobody.force_login(make_user("nobody"))
    for client in (rival, nobody):
        response = client.get(url(start=MON, end=SUN))
        assert response.status_code == 403 and b"parties" not in response.content
    assert rival.get(url("elsewhere")).status_code == 200  # their own restaurant's page
    assert nobody.get(url("elsewhere")).status_code == 403


def test_superuser_and_staff_get_in(manager, week):
    client = Client()
    client.force_login(make_user("boss", superuser=True))
    assert "7 parties" in get(client, start=MON, end=SUN) and "7 parties" in get(manager, start=MON, end=SUN)
    assert Client().post(url()).status_code == 302 and manager.post(url()).status_code == 405
    assert manager.get(url("no-such-place")).status_code == 404


def test_dashboard_links_to_insights(manager, restaurant):
    page = manager.get(reverse("seating:dashboard", args=["testbistro"])).content.decode()
    nav = page.split('<nav class="host-links">', 1)[1].split("</nav>", 1)[0]
    assert "Door poster" in nav and f'href="{url()}"' in nav and ">Insights<" in nav


# --- nothing to show --------------------------------------------------------------------------------

def test_empty_period_is_friendly(manager, week, django_assert_max_num_queries):
    page = get(manager, start="2025-01-06", end="2025-01-12")
    assert "No visits in this period" in page and "0 parties" in page
    assert "<svg" not in page and 'class="data"' not in page
    with django_assert_max_num_queries(2):
        assert queries.insights(week, date(2025, 1, 6), date(2025, 1, 12)).empty


def test_aggregation_does_not_query_per_row(week, django_assert_num_queries):
    for n in range(30):
        visit(week, TUE, "20:00", "21:00", "completed", offered="20:05", seated="20:10", tables="T4", seats=6,
              kind="table")
    with django_assert_num_queries(2):  # the visits, the tables
        queries.insights(week, MON, SUN)
