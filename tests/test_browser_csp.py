"""Pages the other browser tests do not open, under the Content-Security-Policy in a real
browser: Django admin (its forms with inlines and widgets, the sign-in records), the door
poster's print button and the locked-out sign-in. BrowserTestCase fails a test on any
refusal the browser reports."""

from django.contrib.auth.models import User

from tests.support.browser import TABLET, BrowserTestCase
from tests.support.factories import make_restaurant


class PagesUnderThePolicyTests(BrowserTestCase):
    def setUp(self):
        self.restaurant = make_restaurant("bistro", name="Bistro Verde")
        User.objects.create_superuser("boss", "boss@example.com", "boss-pass-123")

    def test_admin_works_under_the_policy(self):
        page = self.new_page(TABLET)
        page.goto("/admin/")
        page.get_by_label("Username").fill("boss")
        page.get_by_label("Password").fill("boss-pass-123")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_selector("#site-name")
        page.goto(f"/admin/restaurants/restaurant/{self.restaurant.pk}/change/")
        page.get_by_text("Add another Table").click()  # the inline's script adds a row
        assert page.locator("#tables-group tbody tr.form-row:not(.empty-form)").count() > 8
        page.goto("/admin/axes/accessattempt/")
        page.wait_for_selector("#changelist")
        self.shot(page, "40-admin-under-csp")

    def test_the_poster_prints_from_its_button(self):
        page = self.new_page(TABLET)
        page.goto("/admin/login/?next=/host/bistro/poster")
        page.get_by_label("Username").fill("boss")
        page.get_by_label("Password").fill("boss-pass-123")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_selector(".poster svg")
        button = page.get_by_role("button", name="Print")
        # Styled as the app's primary button: filled brand green, a finger's height.
        assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(11, 93, 75)"
        assert button.bounding_box()["height"] >= 48
        self.shot(page, "16-poster")
        page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
        page.get_by_role("button", name="Print").click()
        assert page.evaluate("() => window.printed") == 1

    def test_a_locked_out_sign_in_says_so(self):
        page = self.new_page()
        for _ in range(10):
            page.goto("/accounts/login/")
            page.get_by_label("Username").fill("boss")
            page.get_by_label("Password").fill("not-the-password")
            page.get_by_role("button", name="Sign in").click()
        page.wait_for_selector("text=Too many failed sign-ins")
        self.shot(page, "41-sign-in-locked")
