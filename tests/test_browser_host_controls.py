"""The host's floor controls in a real browser on a tablet: pausing joins (and what a diner's
phone then shows), a no-show confirmed and undone, a party's notes edited."""

from django.contrib.auth.models import User
from playwright.sync_api import expect

from restaurants.models import StaffMembership
from tests.support.axe import assert_accessible
from tests.support.browser import TABLET, BrowserTestCase
from tests.support.factories import make_restaurant
from waitlist import floor, queue


class HostControlsTests(BrowserTestCase):
    def setUp(self):
        self.restaurant = make_restaurant("bistro", name="Bistro Verde")
        user = User.objects.create_user("hostess", password="floor-pass-123")
        StaffMembership.objects.create(user=user, restaurant=self.restaurant)
        tables = {t.label: t.id for t in self.restaurant.tables.all()}
        self.rita = queue.join(restaurant=self.restaurant, name="Rita", size=2, preference="table",
                               diner="d-rita", request_id="req-rita-0001").party_id
        queue.offer(restaurant=self.restaurant, party_id=self.rita, table_ids=[tables["T1"]], kind="table")
        self.ann = queue.join(restaurant=self.restaurant, name="Ann", size=3, preference="table",
                              diner="d-ann", request_id="req-ann-00001").party_id

    def test_what_the_host_is_typing_survives_a_live_redraw_of_the_controls(self):
        host = self.new_page(TABLET)
        host.goto("/host/bistro/")
        self.sign_in(host, "hostess", "floor-pass-123", then="#floor")
        message = host.get_by_label("Pause joins, with a message for the join page")
        message.fill("Full until 9 pm")
        message.press("End")
        # Another screen adds minutes to every quote: the stream redraws the controls card.
        floor.add_to_quotes(restaurant=self.restaurant, minutes=10)
        expect(host.get_by_label("Minutes added to every quote (0 to clear)")).to_have_value("10")  # its new value
        expect(message).to_have_value("Full until 9 pm")  # the typing kept, the cursor in it
        assert host.evaluate("document.activeElement.id") == "pause-message"
        message.press_sequentially(", sorry!")
        host.get_by_role("button", name="Pause joins").click()
        expect(host.locator("#summary")).to_contain_text("Joins paused: Full until 9 pm, sorry!")

    def test_pause_joins_undo_a_no_show_and_edit_a_partys_notes(self):
        host = self.new_page(TABLET)
        host.goto("/host/bistro/")
        self.sign_in(host, "hostess", "floor-pass-123", then="#floor")

        # Pause joins: the diner's join page shows the message instead of the form.
        host.get_by_label("Pause joins, with a message for the join page").fill("Full until 9 pm, sorry!")
        host.get_by_role("button", name="Pause joins").click()
        host.wait_for_selector("#toast .alert-ok:has-text('Joins paused')")
        expect(host.locator("#summary")).to_contain_text("Joins paused: Full until 9 pm, sorry!")  # from the stream
        diner = self.new_page()
        diner.goto("/waitlist/bistro/")
        assert "Full until 9 pm, sorry!" in diner.locator("#joins-paused").inner_text()
        assert diner.locator("form.join").is_hidden()
        self.shot(diner, "51-diner-joins-paused")
        assert_accessible(diner, context="join page, joins paused")
        assert_accessible(host, context="dashboard, joins paused")

        # A no-show asks first, then offers an undo that gives Rita her table back.
        questions = []
        host.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
        host.locator(".row-ready:has-text('Rita')").get_by_role("button", name="No-show").click()
        host.wait_for_selector("#toast .alert-ok:has-text('Marked as a no-show')")
        assert questions == ["Mark Rita as a no-show?"]
        undo = host.locator(".undo-list .row-undo:has-text('Rita marked a no-show')")
        undo.wait_for()
        assert host.locator(".tile-held").count() == 0
        self.shot(host, "52-host-undo")
        assert_accessible(host, context="dashboard with an undo")
        undo.get_by_role("button", name="Undo Rita").click()
        host.wait_for_selector("#toast .alert-ok:has-text('Rita is back')")
        host.wait_for_selector(".row-ready:has-text('Rita')")
        host.wait_for_selector(".tile-held:has-text('Rita')")
        assert host.locator(".undo-list").count() == 0
        assert queue.status(restaurant=self.restaurant, party_id=self.rita).state == "ready"

        # Edit Ann: notes and a tag, shown on her row.
        host.get_by_role("link", name="Edit Ann").click()
        assert_accessible(host, context="editing a party")
        host.get_by_label("Notes").fill("Needs a high chair, by the window")
        host.get_by_label("high chair").check()
        host.get_by_role("button", name="Save").click()
        host.wait_for_selector("#toast .alert-ok:has-text('Saved Ann.')")
        row = host.locator("#queue .row:has-text('Ann')")  # redrawn from the stream, just after the toast
        expect(row).to_contain_text("Needs a high chair, by the window")
        expect(row.locator(".pill-tag")).to_have_text("high chair")
        assert queue.status(restaurant=self.restaurant, party_id=self.ann).tags == ("high chair",)
        assert host.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        self.shot(host, "50-host-controls")
        assert_accessible(host, context="dashboard after an edit")

    def test_without_javascript_a_removal_asks_on_a_page_of_its_own(self):
        host = self.new_page(TABLET, java_script_enabled=False)
        host.goto("/host/bistro/")
        self.sign_in(host, "hostess", "floor-pass-123", then="#floor")
        host.locator("#queue .row:has-text('Ann')").get_by_role("button", name="Remove").click()
        host.wait_for_selector("h1:has-text('Ann')")
        assert queue.status(restaurant=self.restaurant, party_id=self.ann).state == "waiting"  # nothing yet
        self.shot(host, "53-host-confirm-no-js")
        # axe needs scripts: the same page in a browser with them, its form posted natively (as without htmx).
        seen = self.new_page(TABLET)
        seen.goto("/host/bistro/")
        self.sign_in(seen, "hostess", "floor-pass-123", then="#floor")
        seen.locator("#queue .row:has-text('Ann')").get_by_role("button", name="Remove").evaluate(
            """button => {
                const plain = Object.assign(document.createElement("form"), {method: "post", action: button.formAction});
                for (const [name, value] of new FormData(button.form)) {
                    plain.append(Object.assign(document.createElement("input"), {type: "hidden", name, value}));
                }
                document.body.append(plain);
                HTMLFormElement.prototype.submit.call(plain);
            }""")
        seen.wait_for_selector("h1:has-text('Ann')")
        assert_accessible(seen, context="the no-JavaScript confirmation")
        host.get_by_role("button", name="Remove").click()
        host.wait_for_selector(".undo-list .row-undo:has-text('Ann')")
        assert queue.status(restaurant=self.restaurant, party_id=self.ann).state != "waiting"
