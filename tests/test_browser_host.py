"""The host's floor and a diner's phone, side by side in real browsers."""

from django.contrib.auth.models import User

from restaurants.models import StaffMembership
from tests.browser import TABLET, BrowserTestCase
from tests.conftest import make_restaurant


class HostAndDinerTests(BrowserTestCase):
    def setUp(self):
        self.restaurant = make_restaurant("bistro", name="Bistro Verde", service_limit_minutes=90)
        user = User.objects.create_user("hostess", password="floor-pass-123")
        StaffMembership.objects.create(user=user, restaurant=self.restaurant)

    def test_host_seats_next_diner_is_alerted_checks_in_and_the_table_shows_occupied(self):
        host = self.new_page(TABLET)
        host.goto("/host/bistro/")
        host.get_by_label("Username").fill("hostess")
        host.get_by_label("Password").fill("floor-pass-123")
        host.get_by_role("button", name="Sign in").click()
        host.wait_for_selector("#floor")

        diner = self.new_page()
        diner.goto("/waitlist/bistro/")
        diner.get_by_label("Name").fill("Maya")
        diner.get_by_label("Party size").fill("4")
        diner.get_by_label("Table", exact=True).check()
        diner.get_by_role("button", name="Join the waitlist").click()
        diner.wait_for_selector("[data-position]")

        # The dashboard learns of the join live, and suggests the 4-top.
        host.wait_for_selector("#queue .row-name:has-text('Maya')", timeout=2000)
        assert "Maya (4) → T3" in host.locator(".suggestion").inner_text()
        self.shot(host, "10-host-dashboard-waiting")

        host.get_by_role("button", name="Seat next").click()
        host.wait_for_selector("#toast .alert-ok")
        diner.wait_for_selector(".state-ready", timeout=2000)
        assert "T3" in diner.locator(".banner").inner_text()
        host.wait_for_selector(".tile-held:has-text('Maya')", timeout=2000)
        self.shot(host, "11-host-dashboard-held")

        diner.get_by_role("button", name="I'm here, check in").click()
        diner.wait_for_selector(".state-dining")
        tile = host.locator(".tile-occupied:has-text('T3')")
        tile.wait_for(timeout=2000)
        first = tile.locator("[data-since]").inner_text()
        host.wait_for_timeout(1200)
        assert tile.locator("[data-since]").inner_text() != first  # the service timer runs
        assert "Maya (4)" in tile.inner_text()
        self.shot(host, "12-host-dashboard-seated")

        # No horizontal scrolling on a tablet in landscape.
        assert host.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
