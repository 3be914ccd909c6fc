"""What a diner sees on a phone, in a real browser, against a real server."""

from restaurants.models import Restaurant
from tests.support.browser import BrowserTestCase, wait_until
from tests.support.factories import make_restaurant
from waitlist import queue


class DinerInBrowserTests(BrowserTestCase):
    def setUp(self):
        self.restaurant = make_restaurant("bistro", name="Bistro Verde", getting_close_threshold=1)

    def join(self, page, name, size="2", preference="Table"):
        page.goto("/waitlist/bistro/")
        page.get_by_label("Name").fill(name)
        page.get_by_label("Party size").fill(size)
        page.get_by_label(preference, exact=True).check()
        page.get_by_role("button", name="Join the waitlist").click()
        page.wait_for_selector(".status")

    def test_join_see_live_position_get_alerted_check_in(self):
        ahead, diner = self.new_page(), self.new_page()
        form = self.new_page()
        form.goto("/waitlist/bistro/")
        self.shot(form, "01-join-form")

        self.join(ahead, "Ahead")
        self.join(diner, "Dana & co")
        assert diner.locator("[data-position]").inner_text() == "2"
        self.shot(diner, "02-waiting")

        # Another phone leaves: this page moves up with no reload (the marker survives).
        diner.evaluate("window.__noReload = true")
        ahead.once("dialog", lambda dialog: dialog.accept())
        ahead.get_by_role("button", name="Leave the waitlist").click()
        # Predicates as functions: Playwright evals a bare expression in the page, which the CSP refuses.
        wait_until(diner, "() => document.querySelector('[data-position]')?.textContent === '1'")
        assert diner.evaluate("window.__noReload") is True
        assert "Getting close" in diner.locator(".status").inner_text()
        self.shot(diner, "03-getting-close")

        # The host offers a table: the banner, the countdown and the check-in button appear.
        restaurant = Restaurant.objects.get(slug="bistro")
        party = queue.snapshot(restaurant=restaurant).waiting[0]
        table = restaurant.tables.get(label="T3")
        queue.offer(restaurant=restaurant, party_id=party.id, table_ids=[table.id], kind="table")
        diner.wait_for_selector(".state-ready")
        assert "Your table is ready!" in diner.locator(".banner").inner_text()
        assert "T3" in diner.locator(".banner").inner_text()
        wait_until(diner, "() => document.title.includes('Your table is ready')")
        assert diner.locator("[data-countdown]").first.inner_text().count(":") == 1
        self.shot(diner, "04-table-ready")

        diner.get_by_role("button", name="I'm here, check in").click()
        diner.wait_for_selector(".state-dining")
        first = diner.locator("[data-since]").inner_text()
        diner.wait_for_timeout(2200)
        assert diner.locator("[data-since]").inner_text() != first  # the service timer runs
        self.shot(diner, "05-seated")

    def test_personal_link_opens_the_same_party_in_a_fresh_browser(self):
        phone = self.new_page()
        self.join(phone, "Linked")
        link = phone.locator(".personal-link a").get_attribute("href")
        assert phone.locator(".qr svg").count() == 1

        other = self.new_page()
        other.goto(link)
        other.wait_for_selector(".status")
        assert "Linked, party of 2" in other.locator(".status").inner_text()
        assert other.locator("[data-position]").inner_text() == "1"
        self.shot(other, "06-personal-link")

    def test_leave_asks_first_and_then_shows_the_party_left(self):
        phone = self.new_page()
        self.join(phone, "Leaver")
        phone.once("dialog", lambda dialog: dialog.dismiss())
        phone.get_by_role("button", name="Leave the waitlist").click()
        assert phone.locator("[data-position]").inner_text() == "1"  # dismissed: still waiting
        phone.once("dialog", lambda dialog: dialog.accept())
        phone.get_by_role("button", name="Leave the waitlist").click()
        phone.wait_for_selector(".state-done")
        assert "You have left the waitlist." in phone.locator(".status").inner_text()
        self.shot(phone, "07-left")

    def test_bad_input_is_shown_next_to_the_field(self):
        phone = self.new_page()
        phone.goto("/waitlist/bistro/")
        phone.get_by_label("Name").fill("   ")
        phone.get_by_label("Party size").fill("40")
        phone.get_by_role("button", name="Join the waitlist").click()
        phone.wait_for_selector(".field-error")
        assert "Please enter a name" in phone.locator(".field.has-error").first.inner_text()
        assert "Parties of more than 6" in phone.locator(".field.has-error").nth(1).inner_text()
        self.shot(phone, "08-form-errors")

    def test_without_javascript_the_page_still_works(self):
        phone = self.new_page(java_script_enabled=False)
        self.join(phone, "No Script")
        assert phone.locator("[data-position]").inner_text() == "1"
        assert phone.locator("noscript").count() >= 1
        phone.get_by_role("button", name="Leave the waitlist").click()
        phone.get_by_role("button", name="Yes, leave the waitlist").click()
        phone.wait_for_selector(".state-done")
