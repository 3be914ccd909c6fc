"""The insights as CSV (/host/<slug>/insights/<name>.csv): the visits and each table under the
charts, for the period chosen, with the numbers worked out by hand in
tests/support/insights_data.py; cells a spreadsheet would run as formulas neutralised; the
page's own permission checks."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from seating.insights.export import EXPORTS, safe_cell
from tests.support.factories import make_restaurant, make_user
from tests.support.insights_data import MON, SUN, TUE, seven_parties, url, visit


@pytest.fixture
def restaurant(db):
    return make_restaurant(time_zone="Europe/Paris")  # T1, T2: 2 seats; T3: 4; T4: 6; C1-C4


@pytest.fixture
def week(restaurant):
    return seven_parties(restaurant)


@pytest.fixture
def manager(client, host):
    client.force_login(host)
    return client


def csv_url(name, slug="testbistro", **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("seating:insights_csv", args=[slug, name]) + (f"?{query}" if query else "")


def download(client, name, **params) -> list[list[str]]:
    response = client.get(csv_url(name, **params))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")  # spreadsheets then read it as UTF-8
    return list(csv.reader(io.StringIO(body[1:])))


# --- the files -------------------------------------------------------------------------------------

def test_visits_are_listed_in_joining_order_in_local_time(manager, week):
    header, *rows = download(manager, "visits", start=MON, end=SUN)
    assert header == ["Party", "Joined", "Size", "Seating", "Source", "Outcome", "Quoted from", "Quoted to",
                      "Offered a table", "Seated", "Ended", "Wait (min)", "Turn (min)", "Tables"]
    assert len(rows) == 7 and all(row[0].isdigit() for row in rows)
    by_joined = {row[1]: row[2:] for row in rows}
    assert list(by_joined) == sorted(by_joined)
    assert by_joined["2025-03-03 18:00"] == ["2", "Table", "online", "Seated and completed", "10", "20",
                                             "2025-03-03 18:20", "2025-03-03 18:25", "2025-03-03 19:25",
                                             "20.0", "60.0", "T1"]
    assert by_joined["2025-03-03 18:50"] == ["2", "Table", "online", "No-show (hold expired)", "20", "30",
                                             "2025-03-03 19:20", "", "2025-03-03 19:30", "30.0", "", ""]
    assert by_joined["2025-03-03 19:05"][3:] == ["Left the waitlist", "10", "20", "", "", "2025-03-03 19:25",
                                                 "", "", ""]  # walked away: never offered, no wait
    assert by_joined["2025-03-04 12:10"][4:6] == ["", ""]  # no quote
    assert by_joined["2025-03-04 12:10"][-1] == "C1, C2"


def test_a_period_holds_only_the_parties_that_joined_in_it(manager, week):
    assert [row[1][:10] for row in download(manager, "visits", start=TUE, end=TUE)[1:]] == ["2025-03-04"] * 3
    assert download(manager, "visits", start="2025-01-06", end="2025-01-12")[1:] == []  # the header alone


def test_the_charts_tables_have_the_pages_numbers(manager, week):
    assert download(manager, "waits", start=MON, end=SUN) == [
        ["Hour", "Offered", "Quoted", "Quoted (min)", "Actual (min)"],
        ["12:00", "2", "1", "5.0", "10.0"], ["13:00", "1", "1", "7.5", "7.0"], ["18:00", "3", "3", "16.7", "20.0"]]
    header, *days = download(manager, "rates", start=MON, end=SUN)
    assert header == ["From", "To", "Parties", "Offered", "No-shows", "No-show %", "Walk-aways", "Walk-away %"]
    assert days[0] == ["2025-03-03", "2025-03-03", "4", "3", "1", "33.3", "1", "25.0"]
    assert days[1] == ["2025-03-04", "2025-03-04", "3", "3", "0", "0.0", "0", "0.0"]
    assert days[6] == ["2025-03-09", "2025-03-09", "0", "0", "0", "", "0", ""] and len(days) == 7
    assert download(manager, "tables", start=MON, end=SUN) == [
        ["Tables", "Count", "Occupied (h)", "Open (h)", "Used %"],
        ["2-seat tables", "2", "4.0", "10.0", "40.0"], ["4-seat table", "1", "0.8", "5.0", "16.7"],
        ["6-seat table", "1", "0.0", "5.0", "0.0"], ["Counter seats", "4", "1.3", "20.0", "6.7"]]
    assert download(manager, "turns", start=MON, end=SUN) == [
        ["Seated at", "Seatings", "Median (min)", "80th pct (min)"],
        ["Table for 2", "1", "60.0", "60.0"], ["Table for 4", "2", "70.0", "82.0"],
        ["Counter, 2 seats", "1", "40.0", "40.0"]]


def test_long_periods_export_weeks_with_their_first_and_last_day(manager, week):
    weeks = download(manager, "rates", start="2025-02-20", end="2025-04-20")[1:]
    assert weeks[0][:3] == ["2025-02-20", "2025-02-23", "0"]
    assert weeks[2][:3] == ["2025-03-03", "2025-03-09", "7"] and len(weeks) == 9


def test_the_file_is_named_for_the_restaurant_the_table_and_the_period(manager, week):
    response = manager.get(csv_url("waits", start=MON, end=SUN))
    assert response["Content-Disposition"] == 'attachment; filename="testbistro-waits-2025-03-03-2025-03-09.csv"'


def test_headers_follow_the_managers_language(manager, week):
    manager.cookies.load({"django_language": "es"})
    assert download(manager, "waits", start=MON, end=SUN)[0] == [
        "Hora", "Con oferta", "Estimada", "Estimada (min)", "Real (min)"]
    first = download(manager, "visits", start=MON, end=SUN)[1]
    assert (first[3], first[5]) == ("Mesa", "Sentado y finalizado")


def test_the_insights_page_links_each_file_for_its_period(manager, week):
    page = manager.get(url(start=MON, end=SUN)).content.decode()
    nav = page.split('<nav class="card exports"', 1)[1].split("</nav>", 1)[0]
    for name in EXPORTS:
        assert f'href="{csv_url(name)}?start=2025-03-03&amp;end=2025-03-09" download' in nav
    assert ">Visits<" in nav and ">Turn times<" in nav


# --- formula injection ------------------------------------------------------------------------------

@pytest.mark.parametrize(("cell", "safe"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1+1", "'+1+1"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("-", "'-"),
    ("-5", "-5"), ("-2.5", "-2.5"), ("T1", "T1"), ("a=b", "a=b"), (None, ""), (40, "40"),
])
def test_cells_a_spreadsheet_would_run_are_neutralised(cell, safe):
    assert safe_cell(cell) == safe


def test_a_table_label_typed_as_a_formula_reaches_the_spreadsheet_as_text(manager, restaurant):
    visit(restaurant, MON, "18:00", "19:00", "completed", offered="18:05", seated="18:10",
          tables='=HYPERLINK("http://x")', seats=2, kind="table")
    visit(restaurant, MON, "18:30", "19:00", "completed", offered="18:35", seated="18:40", tables="@SUM(1)",
          seats=2, kind="table")
    cells = [row[-1] for row in download(manager, "visits", start=MON, end=MON)[1:]]
    assert cells == ["'=HYPERLINK(\"http://x\")", "'@SUM(1)"]


# --- who may download, and bad input -----------------------------------------------------------------

def test_anonymous_is_sent_to_log_in(client, week):
    response = client.get(csv_url("visits", start=MON, end=SUN))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_staff_of_another_restaurant_and_plain_users_are_refused(week):
    rival, nobody = Client(), Client()
    rival.force_login(make_user("rival", restaurant=make_restaurant("elsewhere")))
    nobody.force_login(make_user("nobody"))
    for client in (rival, nobody):
        for name in EXPORTS:
            response = client.get(csv_url(name, start=MON, end=SUN))
            assert response.status_code == 403 and response["Content-Type"].startswith("text/html")
            assert not any(word in response.content for word in (b"Seated and completed", b"Table for 2", b"16.7"))
    assert rival.get(csv_url("visits", "elsewhere")).status_code == 200


def test_superuser_gets_in_and_other_methods_and_names_are_refused(manager, week):
    boss = Client()
    boss.force_login(make_user("boss", superuser=True))
    assert len(download(boss, "visits", start=MON, end=SUN)) == 8
    assert manager.post(csv_url("visits")).status_code == 405
    assert manager.get(csv_url("passwords", start=MON, end=SUN)).status_code == 404
    assert manager.get(csv_url("visits", "no-such-place")).status_code == 404


@pytest.mark.parametrize(("params", "message"), [
    ({"start": "2025-03-09", "end": "2025-03-03"}, "The end date must be on or after the start date."),
    ({"start": "yesterday", "end": "2025-03-03"}, "Enter a date as YYYY-MM-DD."),
    ({"start": "2024-01-01", "end": "2025-03-03"}, "Choose at most 366 days."),
])
def test_a_bad_period_is_a_400_saying_why(manager, week, params, message):
    response = manager.get(csv_url("visits", **params))
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8" and response.content.decode() == message
