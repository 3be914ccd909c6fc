"""The manager's insights page in real browsers: a realistic month on a phone and a tablet,
an empty period and a mistake in the form."""

from datetime import timedelta

from django.conf import settings
from django.test import Client

from seating.insights import queries
from tests.browser import PHONE, TABLET, BrowserTestCase
from tests.conftest import make_restaurant
from tests.host_support import make_user
from tests.insights_support import MON, SUN, realistic_weeks, url


class InsightsInBrowsers(BrowserTestCase):
    def setUp(self):
        self.restaurant = make_restaurant("bistro", name="Bistro Verde", time_zone="Europe/Paris",
                                          tables=((2, "table"),) * 4 + ((4, "table"),) * 3 + ((6, "table"),),
                                          counter=6)
        realistic_weeks(self.restaurant, SUN, days=28)
        self.user = make_user("manager", restaurant=self.restaurant)

    def open(self, device, **params):
        client = Client()
        client.force_login(self.user)  # the login form has its own tests: reuse its session
        page = self.new_page(device)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session,
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
