"""A diner and a host with a keyboard only (Tab, Shift+Tab, Enter, Space; no clicks), what
a screen reader is told as the line moves, and axe-core on the host's pages."""

from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from restaurants.models import StaffMembership
from tests.support.axe import assert_accessible
from tests.support.browser import PHONE, BrowserTestCase, wait_until
from tests.support.factories import make_restaurant
from tests.support.insights_data import MON, SUN, realistic_weeks
from tests.support.insights_data import url as insights_url
from waitlist import queue
from waitlist.presenters import render_notice

TABLET = {"viewport": {"width": 1024, "height": 768}}

FOCUSED = """() => { const e = document.activeElement; return e && e !== document.body ? {
  tag: e.tagName.toLowerCase(), name: e.getAttribute('name') || '', id: e.id, value: e.value || '',
  text: (e.innerText || e.textContent || '').replace(/\\s+/g, ' ').trim(),
  ring: getComputedStyle(e).outlineStyle !== 'none' && parseFloat(getComputedStyle(e).outlineWidth) >= 2 } : null; }"""


def tab_to(page, wanted, *, limit=60):
    """Press Tab until the focused element matches ``wanted`` (a dict of FOCUSED's fields, each
    equal, or for "text" a prefix); the focus ring must show on every stop."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        assert focused["ring"], f"no visible focus ring on {focused}"
        if all(focused[k].startswith(v) if k == "text" else focused[k] == v for k, v in wanted.items()):
            return focused
    raise AssertionError(f"Tab never reached {wanted}")


def wait_for_focus_on(page, name: str) -> None:
    """The focus comes to rest on the button named ``name`` (after a live redraw, say)."""
    try:
        wait_until(page, "name => document.activeElement.textContent.replace(/\\s+/g, ' ').trim() === name",
                               arg=name)
    except Exception as error:
        where = page.evaluate("() => [document.activeElement.outerHTML.slice(0, 160), window.__noReload === true]")
        raise AssertionError(f"focus never came to {name!r}: focused, page not reloaded = {where}") from error


def announced(page) -> str:
    return page.locator("[data-announce]").text_content()


class KeyboardTests(BrowserTestCase):
    def setUp(self):
        self.restaurant = make_restaurant("bistro", name="Bistro Verde", getting_close_threshold=0)
        user = User.objects.create_user("hostess", password="floor-pass-123")
        StaffMembership.objects.create(user=user, restaurant=self.restaurant)

    def test_join_wait_get_seated_and_seat_a_party_by_keyboard_alone(self):
        ahead = queue.join(restaurant=self.restaurant, name="Ahead", size=2, preference="table", diner="d-ahead",
                           request_id="ahead-0001").party_id

        diner = self.new_page(PHONE)
        diner.goto("/waitlist/bistro/")
        assert tab_to(diner, {"text": "Skip to content"}, limit=1)
        tab_to(diner, {"name": "name"})
        diner.keyboard.type("Keys")
        tab_to(diner, {"name": "size"})
        diner.keyboard.press("Control+A")
        diner.keyboard.type("4")
        assert diner.locator("[data-your-wait]").inner_text().startswith("4 people")
        tab_to(diner, {"name": "preference", "value": "table"})
        diner.keyboard.press("Space")
        assert diner.get_by_label("Table", exact=True).is_checked()
        tab_to(diner, {"tag": "button", "text": "Join the waitlist"})
        diner.keyboard.press("Enter")
        diner.wait_for_selector("[data-position]")
        assert diner.locator("[data-position]").inner_text() == "2"
        assert announced(diner) == ""  # the page as drawn is read as a page, not announced
        assert_accessible(diner, context="status, waiting (keyboard)")

        # The host's message arrives.
        text = "Patio open tonight"
        queue.announce(restaurant=self.restaurant, text=text, html=render_notice(text))
        diner.wait_for_selector(".notice-banner")
        diner.evaluate("() => { document.querySelector('.notice-banner').__first = true; }")

        # The party ahead leaves: the live region says the new place, and only that; the message is
        # left alone (drawn again, its own live region would be read again).
        queue.leave(restaurant=self.restaurant, party_id=ahead)
        wait_until(diner, "() => document.querySelector('[data-position]').textContent === '1'")
        wait_until(diner, "() => document.querySelector('[data-announce]').textContent !== ''")
        assert announced(diner) == "Getting close. Your place in line: 1."  # no table is taken: it is close
        assert diner.evaluate("() => document.querySelector('.notice-banner').__first") is True
        self.shot(diner, "50-keyboard-diner-waiting")

        host = self.new_page(TABLET)
        host.goto("/host/bistro/")
        host.wait_for_selector("form[action*=login]")
        tab_to(host, {"name": "username"})
        host.keyboard.type("hostess")
        tab_to(host, {"name": "password"})
        host.keyboard.type("floor-pass-123")
        host.keyboard.press("Enter")
        host.wait_for_selector("#floor")
        host.evaluate("window.__noReload = true")  # every action below goes through htmx, live
        assert_accessible(host, context="host dashboard, one waiting")
        tab_to(host, {"tag": "button", "text": "Seat next"})
        host.keyboard.press("Enter")
        host.wait_for_selector("#toast .alert-ok")

        diner.wait_for_selector(".state-ready")
        wait_until(diner, "() => document.querySelector('[data-announce]').textContent.startsWith('Your table')")
        assert announced(diner) == "Your table is ready! Table T3."
        assert_accessible(diner, context="status, ready (keyboard)")
        diner.keyboard.press("Shift+Tab")  # back from wherever focus was left, then forward to the button
        tab_to(diner, {"tag": "button", "text": "I'm here, check in"})
        diner.keyboard.press("Enter")
        diner.wait_for_selector(".state-dining")
        assert announced(diner) == ""  # checking in drew the page anew: it is read as a page
        self.shot(diner, "51-keyboard-diner-seated")

        # The floor: each table's button says which table it acts on; Space clears T3.
        host.wait_for_selector(".tile-occupied:has-text('Keys')")
        names = host.locator("#floor button").evaluate_all("buttons => buttons.map(b => b.innerText.trim())")
        assert host.get_by_role("button", name="Clear table T3", exact=True).count() == 1
        assert host.get_by_role("button", name="To cleaning T1", exact=True).count() == 1
        assert len(names) == self.restaurant.tables.count()
        tab_to(host, {"tag": "button", "text": "Clear table"}, limit=80)
        wait_for_focus_on(host, "Clear table T3")  # the occupied table's button, named for it
        host.keyboard.press("Space")
        host.get_by_role("button", name="Mark clean T3", exact=True).wait_for()
        # The floor was redrawn under the focus: it stays on T3, now on its new button.
        wait_for_focus_on(host, "Mark clean T3")
        host.keyboard.press("Enter")
        host.get_by_role("button", name="To cleaning T3", exact=True).wait_for()
        wait_for_focus_on(host, "To cleaning T3")
        wait_until(diner, "() => document.querySelector('[data-announce]').textContent !== ''")
        assert announced(diner) == "Thanks for dining with us!"
        assert host.evaluate("window.__noReload") is True
        assert_accessible(host, context="host dashboard, a table cleaning")
        self.shot(host, "52-keyboard-host-dashboard")

    def test_insights_and_the_sign_in_page_pass_axe(self):
        page = self.new_page(PHONE)
        page.goto("/accounts/login/?next=/host/bistro/")
        assert_accessible(page, context="staff sign-in")
        page.get_by_label("Username").fill("hostess")
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Sign in").press("Enter")
        page.wait_for_selector(".alert-error")
        assert_accessible(page, context="staff sign-in with errors")
        page.goto("/admin/login/")
        assert_accessible(page, context="admin sign-in")
        self.shot(page, "54-admin-sign-in")

        realistic_weeks(self.restaurant, SUN, days=7)
        client = Client()
        client.force_login(User.objects.get(username="hostess"))
        for device, name in ((PHONE, "phone"), (TABLET, "tablet")):
            page = self.new_page(device)
            page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": self.live_server_url,
                                       "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])
            page.goto(insights_url("bistro", start=MON, end=SUN))
            page.wait_for_selector("svg.chart")
            assert_accessible(page, context=f"insights, {name}")
            page.goto("/host/bistro/")
            page.wait_for_selector("#floor")
            assert_accessible(page, context=f"host dashboard, {name}")
        self.shot(page, "53-host-dashboard-tablet-1024")
