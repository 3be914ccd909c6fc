"""The host's floor and a diner's phone, side by side in real browsers."""

from django.contrib.auth.models import User

from restaurants.models import StaffMembership
from tests.support.browser import TABLET, BrowserTestCase
from tests.support.factories import make_restaurant


class HostAndDinerTests(BrowserTestCase):
    def setUp(self):
        self.restaurant = make_restaurant("bistro", name="Bistro Verde", service_limit_minutes=90)
        user = User.objects.create_user("hostess", password="floor-pass-123")
        StaffMembership.objects.create(user=user, restaurant=self.restaurant)

    def test_host_seats_next_diner_is_alerted_checks_in_and_the_table_shows_occupied(self):
        host = self.new_page(TABLET)
        host.goto("/host/bistro/")
        self.sign_in(host, "hostess", "floor-pass-123", then="#floor")

        diner = self.new_page()
        diner.goto("/waitlist/bistro/")
        diner.get_by_label("Name").fill("Maya")
        diner.get_by_label("Party size").fill("4")
        diner.get_by_label("Table", exact=True).check()
        diner.get_by_role("button", name="Join the waitlist").click()
        diner.wait_for_selector("[data-position]")

        # The dashboard learns of the join live, and suggests the 4-top.
        host.wait_for_selector("#queue .row-name:has-text('Maya')")
        assert "Maya (4) → T3" in host.locator(".suggestion").inner_text()
        self.shot(host, "10-host-dashboard-waiting")

        host.get_by_role("button", name="Seat next").click()
        host.wait_for_selector("#toast .alert-ok")
        diner.wait_for_selector(".state-ready")
        assert "T3" in diner.locator(".banner").inner_text()
        host.wait_for_selector(".tile-held:has-text('Maya')")
        self.shot(host, "11-host-dashboard-held")

        diner.get_by_role("button", name="I'm here, check in").click()
        diner.wait_for_selector(".state-dining")
        tile = host.locator(".tile-occupied:has-text('T3')")
        tile.wait_for()
        first = tile.locator("[data-since]").inner_text()
        host.wait_for_timeout(2200)
        assert tile.locator("[data-since]").inner_text() != first  # the service timer runs
        assert "Maya (4)" in tile.inner_text()
        self.shot(host, "12-host-dashboard-seated")

        # No horizontal scrolling on a tablet in landscape.
        assert host.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    def test_a_busy_floor_fits_a_landscape_tablet(self):
        from waitlist import queue

        restaurant = self.restaurant
        tables = {t.label: t.id for t in restaurant.tables.all()}
        names = ["Okafor", "Lindqvist", "Nakamura-Berg", "Dubois", "Alvarez", "Chen", "O'Neill", "Kowalski"]
        parties = [queue.join(restaurant=restaurant, name=name, size=(2, 4, 6, 2, 3, 1, 2, 4)[n],
                              preference=("table", "table", "table", "either", "table", "counter", "either", "table")[n],
                              diner=f"busy-{n}", request_id=f"busy-request-{n}").party_id
                   for n, name in enumerate(names)]
        queue.offer(restaurant=restaurant, party_id=parties[0], table_ids=[tables["T1"]], kind="table")
        queue.check_in(restaurant=restaurant, party_id=parties[0])
        queue.offer(restaurant=restaurant, party_id=parties[1], table_ids=[tables["T3"]], kind="table")
        queue.offer(restaurant=restaurant, party_id=parties[5], table_ids=[tables["C1"]], kind="counter")
        queue.check_in(restaurant=restaurant, party_id=parties[5])
        queue.clear_table(restaurant=restaurant, table_id=tables["T2"])

        host = self.new_page(TABLET)
        host.goto("/accounts/login/?next=/host/bistro/")
        self.sign_in(host, "hostess", "floor-pass-123", then=".tile-occupied")
        assert host.locator("#queue .row").count() == 6  # one ready, five waiting
        assert host.locator(".tile-held").count() == 1
        assert host.locator(".tile-cleaning").count() == 1
        assert host.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        # Measured in one evaluation: the live stream may swap the queue between two locator calls.
        heights = host.eval_on_selector_all(
            ".row-actions .btn", "buttons => buttons.slice(0, 6).map(b => b.getBoundingClientRect().height)")
        assert len(heights) == 6
        assert min(heights) >= 40  # a finger, not a mouse
        self.shot(host, "13-host-dashboard-busy")
