"""The diner's honest states and the quotes before joining, in a real browser on a phone and
a tablet: each screen looked at, checked by axe-core, and the join page narrow enough for
the smallest phone."""

import re

from domain.durations import MINUTE_MS
from tests.support.axe import assert_accessible
from tests.support.browser import PHONE, BrowserTestCase, wait_until
from tests.support.diner_pages import party_named, table_ids
from tests.support.factories import make_restaurant
from tests.support.live_queue import seated
from waitlist import queue
from waitlist.clock import now_ms

TABLET = {"viewport": {"width": 1024, "height": 768}}
SMALL_PHONE = {**PHONE, "viewport": {"width": 360, "height": 740}}
RESTAURANT_PHONE = "+44 20 7946 0000"


def fits_across(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def table_fits(page) -> bool:
    """The whole wait table shows, with nothing hidden to the side in its scrolling box."""
    return page.evaluate("() => { const box = document.querySelector('.waits-scroll');"
                         " return box.scrollWidth <= box.clientWidth; }")


class DinerStatesInBrowserTests(BrowserTestCase):
    def setUp(self):
        self.restaurant = make_restaurant("bistro", name="Bistro Verde", phone=RESTAURANT_PHONE)

    def join(self, page, name, size="2", preference="Table"):
        page.goto("/waitlist/bistro/")
        page.get_by_label("Name").fill(name)
        page.get_by_label("Party size").fill(size)
        page.get_by_label(preference, exact=True).check()
        page.get_by_role("button", name="Join the waitlist").click()
        page.wait_for_selector(".status")
        return party_named(self.restaurant, name)

    def test_every_party_size_has_a_quote_and_the_size_field_picks_its_row(self):
        tables = table_ids(self.restaurant)
        for number, label in enumerate(("T1", "T2", "T3", "T4"), start=1):  # every table just turned
            seated(self.restaurant, tables, label, name=f"Seated {number}", now=now_ms() - 5 * MINUTE_MS)
        for device, name in ((SMALL_PHONE, "phone"), (TABLET, "tablet")):
            page = self.new_page(device)
            page.goto("/waitlist/bistro/")
            sizes = page.locator("[data-waits] tbody tr").evaluate_all("rows => rows.map(r => r.dataset.size)")
            assert sizes == [str(n) for n in range(1, self.restaurant.max_party_size + 1)]
            assert fits_across(page), f"the join page scrolls sideways on a {name}"
            assert table_fits(page), f"the wait table hides a column on a {name}"
            assert_accessible(page, context=f"join page, {name}")

            page.get_by_label("Party size").fill("6")
            line = page.locator("[data-your-wait]")
            line.wait_for()
            assert re.fullmatch(r"6 people — Table: \d+–\d+ min · Either: \d+–\d+ min", line.inner_text())
            assert page.locator("tr.chosen").get_attribute("data-size") == "6"  # no counter for six
            page.get_by_label("Party size").fill("1")
            wait_until(page, "() => document.querySelector('[data-your-wait]').textContent"
                                   ".startsWith('1 person')")
            assert "Counter: Seated now" in line.inner_text()  # the counter is free
            assert page.locator("tr.chosen").get_attribute("data-size") == "1"
            assert fits_across(page)
            self.shot(page, f"40-join-quotes-{name}")

        # Spanish words are longer: the table still fits the smallest phone.
        page = self.new_page(SMALL_PHONE, locale="es-ES")
        page.goto("/waitlist/bistro/")
        assert page.locator("[data-waits] thead").inner_text().split() == ["Grupo", "Mesa", "Barra", "Cualquiera"]
        assert fits_across(page) and table_fits(page)
        # With a larger text size it cannot: the table's own box (named by its caption, reachable by
        # keyboard) scrolls to the last column, and the page still does not.
        page.evaluate("() => { document.documentElement.style.fontSize = '125%'; }")
        assert fits_across(page) and not table_fits(page)
        page.get_by_role("region", name="Espera estimada si te unes ahora").focus()
        for _ in range(4):
            page.keyboard.press("ArrowRight")
        wait_until(page, """() => document.querySelector('.waits thead th:last-child').getBoundingClientRect()
            .right <= document.querySelector('.waits-scroll').getBoundingClientRect().right + 1""")  # scrolls smoothly
        self.shot(page, "40-join-quotes-phone-es-large-text")
        page.evaluate("() => { document.documentElement.style.fontSize = ''; }")
        assert_accessible(page, context="join page in Spanish, phone")
        self.shot(page, "40-join-quotes-phone-es")

    def test_a_refused_join_is_accessible_and_fits(self):
        page = self.new_page(SMALL_PHONE)
        page.goto("/waitlist/bistro/")
        page.get_by_role("button", name="Join the waitlist").click()
        page.wait_for_selector(".error-summary")
        assert page.evaluate("() => document.activeElement.classList.contains('error-summary')")
        assert fits_across(page)
        assert_accessible(page, context="join page with errors")
        self.shot(page, "41-join-errors-phone")

    def test_leaving_says_so_with_a_way_back(self):
        page = self.new_page()
        self.join(page, "Leaver")
        assert_accessible(page, context="status, waiting")
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Leave the waitlist").click()
        page.wait_for_selector(".state-done")
        status = page.locator(".status").inner_text()
        assert "You have left the waitlist." in status and RESTAURANT_PHONE not in status
        assert page.get_by_role("link", name="Join the waitlist again").is_visible()
        assert page.locator(".channels").count() == 0  # alerts can no longer help
        assert_accessible(page, context="status, left")
        self.shot(page, "42-left-phone")

    def test_removed_by_the_host_says_who_and_how_to_reach_them_live(self):
        page = self.new_page()
        party = self.join(page, "Removed")
        queue.leave(restaurant=self.restaurant, party_id=party.id, reason="removed")
        page.wait_for_selector(".state-done")  # live, no reload
        status = page.locator(".status")
        assert "The host took you off the waitlist." in status.inner_text()
        assert status.get_by_role("link", name=RESTAURANT_PHONE).get_attribute("href") == "tel:+442079460000"
        assert page.locator(".channels").is_hidden()
        page.get_by_role("link", name="Join the waitlist again").click()
        page.wait_for_selector("form.join")
        page.go_back()
        page.wait_for_selector(".state-done")
        assert_accessible(page, context="status, removed by the host")
        self.shot(page, "43-removed-phone")

    def test_an_expired_hold_gives_the_phone_and_a_rejoin(self):
        page = self.new_page(TABLET)
        party = self.join(page, "Late")
        queue.offer(restaurant=self.restaurant, party_id=party.id, table_ids=[table_ids(self.restaurant)["T1"]],
                    kind="table")
        page.wait_for_selector(".state-ready")
        assert_accessible(page, context="status, table ready")
        queue.leave(restaurant=self.restaurant, party_id=party.id, state="expired", reason="no_show")
        page.wait_for_selector(".state-done")
        status = page.locator(".status").inner_text()
        assert "Your table hold expired." in status and "The table went to the next guests." in status
        assert RESTAURANT_PHONE in status
        assert page.get_by_role("link", name="Join the waitlist again").is_visible()
        assert fits_across(page)
        assert_accessible(page, context="status, hold expired")
        self.shot(page, "44-expired-tablet")

        page.get_by_role("link", name="Join the waitlist again").click()
        page.get_by_label("Name").fill("Late again")
        page.get_by_label("Party size").fill("2")
        page.get_by_label("Table", exact=True).check()
        page.get_by_role("button", name="Join the waitlist").click()
        page.wait_for_selector("[data-position]")
        assert "Late again, party of 2" in page.locator(".status").inner_text()

    def test_more_time_says_until_when_without_the_alarm_and_the_seated_screen_welcomes(self):
        page = self.new_page()
        party = self.join(page, "Dana")
        queue.offer(restaurant=self.restaurant, party_id=party.id, table_ids=[table_ids(self.restaurant)["T1"]],
                    kind="table")
        page.wait_for_selector(".state-ready")
        wait_until(page, "() => document.body.classList.contains('alerting')")
        page.evaluate("() => document.body.classList.remove('alerting')")
        queue.notify_again(restaurant=self.restaurant, party_id=party.id, extend_minutes=5)
        page.wait_for_selector(".extended")
        deadline = queue.status(restaurant=self.restaurant, party_id=party.id).deadline_ms
        hhmm = page.evaluate("ms => new Date(ms).toLocaleTimeString('en-GB', {hour: '2-digit', minute: '2-digit',"
                             " timeZone: 'UTC'})", deadline)
        assert page.locator(".extended").inner_text() == f"Your hold was extended to {hhmm}."
        page.wait_for_timeout(300)
        assert not page.evaluate("() => document.body.classList.contains('alerting')")  # no second alarm
        assert_accessible(page, context="status, hold extended")
        self.shot(page, "45-extended-phone")

        page.get_by_role("button", name="I'm here, check in").click()
        page.wait_for_selector(".state-dining")
        status = page.locator(".status").inner_text()
        assert "Welcome! Enjoy your meal." in status and "Table T1" in status
        assert "Table time left" not in status  # no countdown the moment they sit
        assert page.locator(".channels").count() == 0
        assert_accessible(page, context="status, seated")
        self.shot(page, "46-seated-phone")
