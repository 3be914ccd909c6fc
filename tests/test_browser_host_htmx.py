"""The floor controls and the party editor on a tablet with htmx: each answers in place (no
reload), a refusal shows beside its field (422), focus lands where the host works, and the
dashboard's live updates keep coming after every action. (A class of its own: its own server,
whose per-process caches cannot outlive this test into another's.)"""

from django.contrib.auth.models import User
from playwright.sync_api import expect

from restaurants.models import StaffMembership
from tests.support.axe import assert_accessible
from tests.support.browser import TABLET, BrowserTestCase
from tests.support.factories import make_restaurant
from waitlist import queue


class HostHtmxControlsTests(BrowserTestCase):
    def setUp(self):
        self.restaurant = make_restaurant("bistro", name="Bistro Verde")
        user = User.objects.create_user("hostess", password="floor-pass-123")
        StaffMembership.objects.create(user=user, restaurant=self.restaurant)
        tables = {t.label: t.id for t in self.restaurant.tables.all()}
        rita = queue.join(restaurant=self.restaurant, name="Rita", size=2, preference="table",
                          diner="d-rita", request_id="req-rita-0001").party_id
        queue.offer(restaurant=self.restaurant, party_id=rita, table_ids=[tables["T1"]], kind="table")
        queue.join(restaurant=self.restaurant, name="Ann", size=3, preference="table",
                   diner="d-ann", request_id="req-ann-00001")

    def test_floor_controls_answer_in_place_and_the_floor_stays_live(self):
        host = self.new_page(TABLET)
        host.goto("/host/bistro/")
        self.sign_in(host, "hostess", "floor-pass-123", then="#floor")
        host.evaluate("window.sameDocument = true")  # gone if any action reloads the page

        def still_live(name):
            """A party joined elsewhere still shows: the stream survived the action."""
            queue.join(restaurant=self.restaurant, name=name, size=2, preference="table", diner=f"d-{name}",
                       request_id=f"req-{name}-0001", source="walkin")  # walk-ins join while paused
            host.locator(f"#queue .row:has-text('{name}')").wait_for()
            assert host.evaluate("window.sameDocument === true")

        host.get_by_label("Pause joins, with a message for the join page").fill("Back soon")
        host.get_by_role("button", name="Pause joins").click()
        host.wait_for_selector("#toast .alert-ok:has-text('Joins paused')")
        host.get_by_role("button", name="Resume joins").wait_for()
        still_live("Pia")

        # A refused quote: 422, the message beside the field, what was typed kept, focus on nothing lost.
        quote = host.get_by_label("Minutes added to every quote (0 to clear)")
        quote.fill("999")
        with host.expect_response("**/quotes") as answer:
            host.get_by_role("button", name="Set").click()
        assert answer.value.status == 422
        error = host.locator("#quote-minutes-error")
        error.wait_for()
        assert error.inner_text() == "Add between 0 and 240 minutes."
        assert quote.input_value() == "999" and quote.get_attribute("aria-describedby") == "quote-minutes-error"
        self.shot(host, "57-host-control-error-inline")
        assert_accessible(host, context="dashboard, a refused floor control")
        still_live("Quinn")
        quote.fill("15")
        with host.expect_response("**/quotes") as answer:
            host.get_by_role("button", name="Set").click()
        assert answer.value.status == 200
        host.wait_for_selector("#toast .alert-ok:has-text('Every quote now has 15 minutes added')")
        assert host.locator("#quote-minutes-error").count() == 0

        host.get_by_role("button", name="Close for the night").click()
        host.get_by_role("button", name="Open for joins").wait_for()
        host.get_by_role("button", name="Open for joins").click()
        host.get_by_role("button", name="Close for the night").wait_for()

        # The editor opens in the dashboard; a move without a reason is refused there; a move
        # with one is made and the editor stays for another; Save closes it.
        host.get_by_role("link", name="Edit Quinn").click()
        editor = host.locator("#editor .edit-party")
        editor.wait_for()
        expect(host.locator("#edit-size")).to_be_focused()  # autofocus, once settled
        host.get_by_role("button", name="Move up one place").click()
        host.locator("#move-error:has-text('Say why the party moves')").wait_for()
        expect(host.get_by_label("Why (recorded)")).to_be_focused()
        self.shot(host, "58-host-editor-inline-error")
        assert_accessible(host, context="dashboard, the party editor with an error")
        host.get_by_label("Why (recorded)").fill("booked ahead")
        host.get_by_role("button", name="Move up one place").click()
        editor.locator(".alert-ok:has-text('Moved Quinn up.')").wait_for()
        expect(host.get_by_role("button", name="Move up one place")).to_be_focused()
        expect(host.locator("#queue ol .row-name")).to_have_text(["Ann", "Quinn", "Pia"])
        host.get_by_label("Notes").fill("Window seat")
        host.get_by_role("button", name="Save").click()
        host.wait_for_selector("#toast .alert-ok:has-text('Saved Quinn.')")
        editor.wait_for(state="detached")
        host.locator("#queue .row:has-text('Quinn') .note:has-text('Window seat')").wait_for()
        expect(host.get_by_role("link", name="Edit Quinn")).to_be_focused()  # back where it was
        still_live("Ravi")
        self.shot(host, "59-host-after-htmx-controls")
