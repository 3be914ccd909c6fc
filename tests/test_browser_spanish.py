"""A Spanish-speaking diner's whole path in a real browser: the language comes from the
browser's Accept-Language, or from the page's language buttons (remembered), and no English
is left on screen at any step."""

import re
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

from restaurants.models import Restaurant
from tests.support.browser import BrowserTestCase, wait_until
from tests.support.factories import make_restaurant
from waitlist import queue

CATALOGUE = Path(__file__).resolve().parents[1] / "locale" / "es" / "LC_MESSAGES" / "django.po"
# Words that only English has: none may appear on a Spanish page (names the diner typed and
# the language buttons, which name each language in itself, are left out of the text read).
ENGLISH_WORDS = {"the", "your", "you", "table", "waitlist", "party", "parties", "wait", "waiting", "join", "leave",
                 "ready", "seated", "please", "minutes", "check", "turn", "alerts", "notifications", "left",
                 "place", "line", "ahead", "open", "closed", "hold", "here", "with", "and", "of", "to", "is"}


@cache
def english_sentences() -> set[str]:
    """Every English message of three words or more whose Spanish differs: none may be shown."""
    with CATALOGUE.open("rb") as source:
        catalogue = read_po(source, locale="es")
    found = set()
    for message in catalogue:
        for english in (message.id if isinstance(message.id, tuple) else (message.id,)):
            text = re.sub(r"%\(\w+\)s|%s|<[^>]+>", "|", english or "")
            for part in text.split("|"):
                if len(part.split()) >= 3:
                    found.add(part.strip())
    return found


def screen_text(page) -> str:
    return page.evaluate("""() => {
        const body = document.body.cloneNode(true);
        body.querySelectorAll('.languages, script, template, [hidden], .sr-only').forEach(e => e.remove());
        return body.innerText + ' ' + [...document.querySelectorAll('[data-confirm], [hx-confirm], [aria-label], [title]')]
            .map(e => [e.dataset.confirm, e.getAttribute('hx-confirm'), e.getAttribute('aria-label'), e.title].join(' '))
            .join(' ') + ' ' + document.title;
    }""")


class SpanishDinerTests(BrowserTestCase):
    def setUp(self):
        self.restaurant = make_restaurant("bistro", name="Bistro Verde", getting_close_threshold=1)

    def assert_spanish(self, page, *, typed=()):
        text = re.sub(r"https?://\S+", "", screen_text(page))  # links keep the design's English paths
        for name in typed:
            text = text.replace(name, "")
        words = {w.lower() for w in re.findall(r"[A-Za-z']+", text)}
        assert not words & ENGLISH_WORDS, f"English words on a Spanish page: {sorted(words & ENGLISH_WORDS)}\n{text}"
        shown = [s for s in english_sentences() if s in text]
        assert not shown, f"English messages on a Spanish page: {shown}"
        assert page.locator("html").get_attribute("lang") == "es"

    def join(self, page, name):
        page.goto("/waitlist/bistro/")
        self.assert_spanish(page)
        page.locator("input[name=name]").fill(name)
        page.locator("input[name=size]").fill("2")
        page.locator("input[name=preference][value=table]").check()
        page.get_by_role("button", name="Únete a la lista de espera").click()
        page.wait_for_selector(".status")

    def test_join_status_ready_seated_in_spanish(self):
        ahead, diner = self.new_page(locale="es-ES"), self.new_page(locale="es-ES")
        self.join(ahead, "Zoe")
        self.join(diner, "Lucía")
        assert diner.locator("[data-position]").inner_text() == "2"
        self.assert_spanish(diner, typed=["Lucía"])
        self.shot(diner, "es-01-waiting")

        # The other party leaves: Spanish confirmation, then Spanish "left" state.
        dialogs = []
        ahead.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
        ahead.get_by_role("button", name="Salir de la lista de espera").click()
        ahead.wait_for_selector(".state-done")
        self.assert_spanish(ahead, typed=["Zoe"])
        assert dialogs and not set(re.findall(r"[a-z]+", dialogs[0].lower())) & ENGLISH_WORDS, dialogs
        self.shot(ahead, "es-02-left")

        wait_until(diner, "() => document.querySelector('[data-position]')?.textContent === '1'")
        self.assert_spanish(diner, typed=["Lucía"])

        restaurant = Restaurant.objects.get(slug="bistro")
        party = queue.snapshot(restaurant=restaurant).waiting[0]
        table = restaurant.tables.get(label="T3")
        queue.offer(restaurant=restaurant, party_id=party.id, table_ids=[table.id], kind="table")
        diner.wait_for_selector(".state-ready")
        self.assert_spanish(diner, typed=["Lucía"])
        self.shot(diner, "es-03-ready")

        diner.locator("form.checkin button[type=submit]").click()
        diner.wait_for_selector(".state-dining")
        self.assert_spanish(diner, typed=["Lucía"])
        self.shot(diner, "es-04-seated")

    def test_the_language_buttons_switch_and_are_remembered(self):
        page = self.new_page(locale="en-US")
        page.goto("/waitlist/bistro/")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("button", name="Join the waitlist").is_visible()
        page.get_by_role("button", name="Español").click()
        page.wait_for_selector("html[lang=es]")
        assert page.url.endswith("/waitlist/bistro/")  # back where the diner was
        self.assert_spanish(page)
        page.goto("/waitlist/bistro/")  # remembered over the browser's English
        self.assert_spanish(page)
        self.shot(page, "es-05-switched")
        page.get_by_role("button", name="English").click()
        page.wait_for_selector("html[lang=en]")
        assert page.get_by_role("button", name="Join the waitlist").is_visible()
