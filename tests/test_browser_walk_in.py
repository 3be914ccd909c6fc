"""A walk-in the host gets wrong, in real browsers: the errors appear inside the walk-in form,
the rest of the dashboard stays as it was, and the live stream keeps it current."""

from django.contrib.auth.models import User
from playwright.sync_api import expect

from restaurants.models import StaffMembership
from tests.support.browser import PHONE, TABLET, BrowserTestCase, wait_until
from tests.support.factories import make_restaurant


class WalkInErrorsInBrowsers(BrowserTestCase):
    def setUp(self):
        self.restaurant = make_restaurant("bistro", name="Bistro Verde")
        user = User.objects.create_user("hostess", password="floor-pass-123")
        StaffMembership.objects.create(user=user, restaurant=self.restaurant)

    def check(self, device, name):
        host = self.new_page(device)
        host.goto("/host/bistro/")
        self.sign_in(host, "hostess", "floor-pass-123", then="#floor")
        wait_until(host, "window.htmx !== undefined")
        host.locator(".walk-in summary").click()
        host.get_by_label("Name").fill("Walt")
        host.get_by_role("button", name="Add to waitlist").click()  # no seating choice
        error = host.locator("#walk-in-form fieldset .field-error")
        error.wait_for()
        assert error.inner_text() == "Choose where the party would like to sit."
        # The summary inside the form takes focus, so the host (or a screen reader) starts there.
        # (expect, not wait_for_function: a polled string predicate is an eval the page's CSP refuses)
        expect(host.locator("#walk-in-form .error-summary")).to_be_focused()
        assert host.locator("#walk-in-form .error-summary").inner_text().startswith("Please correct the field below.")
        # Everything else is still there and styled; the typed name is kept.
        assert host.locator("#floor .tile").count() == self.restaurant.tables.count()
        assert host.locator("h1").inner_text() == "Bistro Verde"
        assert host.get_by_label("Name").input_value() == "Walt"
        assert host.evaluate("getComputedStyle(document.querySelector('.btn-primary')).borderRadius") != "0px"
        self.shot(host, f"14-walk-in-error-{name}")

        # Live updates continue: a diner joining on their own phone appears without a reload.
        diner = self.new_page(PHONE)
        diner.goto("/waitlist/bistro/")
        diner.get_by_label("Name").fill(f"Maya {name}")
        diner.get_by_label("Party size").fill("2")
        diner.get_by_label("Table", exact=True).check()
        diner.get_by_role("button", name="Join the waitlist").click()
        diner.wait_for_selector("[data-position]")
        host.wait_for_selector(f"#queue .row-name:has-text('Maya {name}')")
        assert host.get_by_label("Name").input_value() == "Walt"  # the form in error was left alone

        # Corrected, the walk-in is added and a fresh form replaces the one in error.
        host.get_by_label("Table", exact=True).check()
        host.get_by_role("button", name="Add to waitlist").click()
        host.wait_for_selector("#toast .alert-ok")
        host.wait_for_selector("#queue .row-name:has-text('Walt')")
        assert host.locator("#walk-in-form .field-error").count() == 0
        self.shot(host, f"15-walk-in-fixed-{name}")

    def test_a_walk_in_error_stays_in_its_form_on_a_phone(self):
        self.check(PHONE, "phone")

    def test_a_walk_in_error_stays_in_its_form_on_a_tablet(self):
        self.check(TABLET, "tablet")
