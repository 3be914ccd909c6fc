"""A diner's join page left open on a phone follows the host: the "paused" or "closed" card
takes the form's place as the host pauses or closes, and the form comes back (and joins) when
the host resumes or opens. (A class of its own: its own server, whose cached restaurant row
cannot outlive this test into another's.)"""

from django.contrib.auth.models import User

from restaurants.models import StaffMembership
from tests.support.axe import assert_accessible
from tests.support.browser import TABLET, BrowserTestCase
from tests.support.factories import make_restaurant
from waitlist import queue


class JoinGateTests(BrowserTestCase):
    def setUp(self):
        self.restaurant = make_restaurant("bistro", name="Bistro Verde")
        user = User.objects.create_user("hostess", password="floor-pass-123")
        StaffMembership.objects.create(user=user, restaurant=self.restaurant)
        queue.join(restaurant=self.restaurant, name="Ann", size=3, preference="table",
                   diner="d-ann", request_id="req-ann-00001")

    def test_an_open_join_page_follows_pause_resume_close_and_open(self):
        diner = self.new_page()  # a phone
        diner.goto("/waitlist/bistro/")
        form, gate = diner.locator("form.join"), diner.locator("#gate")
        assert form.is_visible()
        host = self.new_page(TABLET)
        host.goto("/host/bistro/")
        self.sign_in(host, "hostess", "floor-pass-123", then="#floor")
        paced = 8000  # a join page hears of changes at most every PUBLIC_STREAM_EVERY_SECONDS (3 s)

        host.get_by_label("Pause joins, with a message for the join page").fill("Back at 9 pm")
        host.get_by_role("button", name="Pause joins").click()
        diner.locator("#joins-paused:has-text('Back at 9 pm')").wait_for(timeout=paced)
        form.wait_for(state="hidden")
        self.shot(diner, "54-diner-paused-live")
        assert_accessible(diner, context="join page, paused while open")

        host.get_by_role("button", name="Resume joins").click()
        form.wait_for(state="visible", timeout=paced)
        assert gate.locator("[data-gate]").count() == 0

        host.get_by_role("button", name="Close for the night").click()
        diner.locator("#joins-closed").wait_for(timeout=paced)
        form.wait_for(state="hidden")
        self.shot(diner, "55-diner-closed-live")
        assert_accessible(diner, context="join page, closed while open")

        host.get_by_role("button", name="Open for joins").click()
        form.wait_for(state="visible", timeout=paced)
        # The form that came back joins (its CSRF token and request id were there all along).
        diner.get_by_label("Name", exact=True).fill("Lou")
        diner.get_by_role("radio", name="Table").check()
        diner.get_by_role("button", name="Join the waitlist").click()
        diner.wait_for_selector(".status")
        self.shot(diner, "56-diner-joined-after-reopen")
