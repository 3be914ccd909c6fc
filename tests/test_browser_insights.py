"""The manager's insights page in real browsers: a realistic month on a phone and a tablet,
an empty period and a mistake in the form."""

from datetime import timedelta

from django.conf import settings
from django.test import Client

from seating.insights import queries
from tests.support.browser import PHONE, SCREENSHOTS, TABLET, BrowserTestCase
from tests.support.factories import make_restaurant, make_user
from tests.support.insights_data import MON, SUN, realistic_weeks, url

# The x-axis labels of every chart, as boxes on screen, with their text.
LABEL_BOXES = """() => Array.from(document.querySelectorAll("svg.chart")).map(svg => {
    const box = svg.getBoundingClientRect();
    return Array.from(svg.querySelectorAll("text.x-label")).map(t => {
        const r = t.getBoundingClientRect();
        return {text: t.textContent, left: r.left, right: r.right, inside: r.left >= box.left && r.right <= box.right};
    });
})"""


class InsightsInBrowsers(BrowserTestCase):
    def setUp(self):
        self.restaurant = make_restaurant("bistro", name="Bistro Verde", time_zone="Europe/Paris",
                                          tables=((2, "table"),) * 4 + ((4, "table"),) * 3 + ((6, "table"),),
                                          counter=6)
        realistic_weeks(self.restaurant, SUN, days=28)
        self.user = make_user("manager", restaurant=self.restaurant)

    def open(self, device, language="en", **params):
        client = Client()
        client.force_login(self.user)  # the login form has its own tests: reuse its session
        page = self.new_page(device)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session,
                                   "url": self.live_server_url},
                                  {"name": settings.LANGUAGE_COOKIE_NAME, "value": language,
                                   "url": self.live_server_url}])
        page.goto(url("bistro", **params))
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "scrolls sideways"
        return page

    def test_a_realistic_week_on_a_phone_and_a_tablet(self):
        parties = queries.insights(self.restaurant, MON, SUN).overall.parties
        for device, name in ((PHONE, "phone"), (TABLET, "tablet")):
            page = self.open(device, start=MON, end=SUN)
            assert page.locator("svg.chart").count() == 3 and page.locator("table.data").count() == 4
            assert f"{parties} parties" in page.locator(".period-summary").inner_text()
            self.shot(page, f"20-insights-{name}")
            page.locator(".exports").screenshot(path=str(SCREENSHOTS / f"22-insights-exports-{name}.png"))
        # The tablet's page offers its tables as files, for the same week.
        with page.expect_download() as download:
            page.get_by_role("link", name="Visits").click()
        assert download.value.suggested_filename == f"bistro-visits-{MON}-{SUN}.csv"
        lines = open(download.value.path(), encoding="utf-8-sig").read().splitlines()
        assert lines[0].startswith("Party,Joined,Size,") and len(lines) == parties + 1

    def test_a_month_an_empty_period_and_a_mistake_on_a_phone(self):
        month = self.open(PHONE, start=SUN - timedelta(days=27), end=SUN)
        assert month.locator("#rates-table tbody tr").count() == 28
        self.shot(month, "20-insights-phone-month")
        empty = self.open(PHONE, start="2024-01-01", end="2024-01-07")
        assert "No visits in this period" in empty.inner_text("main")
        self.shot(empty, "20-insights-phone-empty")
        wrong = self.open(PHONE, start="2025-03-10", end="2025-03-09")
        assert wrong.locator("#end-error").inner_text() == "The end date must be on or after the start date."
        self.shot(wrong, "20-insights-phone-error")

    def test_axis_labels_stay_apart_at_any_range_on_a_phone_and_a_tablet(self):
        """From a week to a year, in English and Spanish: every chart's x-axis labels are
        measured on screen and none touches its neighbour; dates use the page's language."""
        months = {"en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
                  "es": "ene feb mar abr may jun jul ago sep oct nov dic".split()}
        for device, name in ((PHONE, "phone"), (TABLET, "tablet")):
            for days in (7, 14, 31, 60, 120, 366):
                for language in ("en", "es"):
                    page = self.open(device, language=language, start=SUN - timedelta(days=days - 1), end=SUN)
                    charts = page.evaluate(LABEL_BOXES)
                    assert len(charts) == 3
                    dates = charts[1]  # the no-show and walk-away chart
                    assert len(dates) >= 3, (days, dates)
                    assert all(label["inside"] for labels in charts for label in labels), (name, days, charts)
                    for labels in charts:
                        for before, after in zip(labels, labels[1:], strict=False):
                            assert after["left"] - before["right"] >= 2, (name, days, language, before, after)
                    # Every date says its month, in the page's language ("3 Mar", "3 mar").
                    assert all(label["text"].split()[1] in months[language] for label in dates), \
                        (days, language, dates)
                    if (days, language) in ((31, "en"), (366, "en"), (60, "es")):
                        suffix = "" if language == "en" else f"-{language}"
                        self.shot(page, f"21-insights-{name}-{days}-days{suffix}")
                        # The chart alone, large enough to read its labels.
                        page.locator("svg.chart").nth(1).screenshot(
                            path=str(SCREENSHOTS / f"21-insights-{name}-{days}-days{suffix}-chart.png"))
