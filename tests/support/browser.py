"""Playwright driving Chromium against a live daphne server.

Browser tests subclass ``BrowserTestCase`` (channels' ChannelsLiveServerTestCase: a real
daphne process serving the project on the test database). Screenshots of the main states
go to test-artifacts/screenshots/ for people to look at.

Which Chromium: $CHROMIUM if set, else Debian's (/usr/bin/chromium), else the one
``playwright install chromium`` downloads. With none, the browser tests are skipped with one
line saying how to get one, unless REQUIRE_BROWSER=1 (as in .ci/run) makes that a failure.
"""

import os
import shutil
import time
import unittest
from functools import cache
from pathlib import Path

import pytest
from channels.testing import ChannelsLiveServerTestCase

from tests.support.daphne import SpawnedDaphneProcess

# Playwright's sync API keeps an event loop on the test thread; the test itself only sets
# up data through the ORM between browser steps, never concurrently with it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

NO_BROWSER = ("no Chromium to drive: install Debian's (apt-get install chromium), or run "
              "`.venv/bin/playwright install chromium`, or point CHROMIUM at one")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}
TABLET = {"viewport": {"width": 1180, "height": 820}}
# Without these, chromium keeps trying to reach Google's services on this closed network.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.mark.browser
class BrowserTestCase(ChannelsLiveServerTestCase):
    host = "127.0.0.1"
    ProtocolServerProcess = SpawnedDaphneProcess
    serve_static = False  # the project serves them itself, through WhiteNoise, as in production

    @classmethod
    def setUpClass(cls):
        # The browser first: a class skipped or failed here has started nothing (a live
        # server started before a failure would keep the test run from exiting).
        executable = chromium()
        if executable is None:
            if os.environ.get("REQUIRE_BROWSER") == "1":
                raise RuntimeError(f"REQUIRE_BROWSER=1 but {NO_BROWSER}")
            raise unittest.SkipTest(NO_BROWSER)
        from playwright.sync_api import sync_playwright

        cls._playwright = sync_playwright().start()
        cls.addClassCleanup(cls._playwright.stop)
        cls.browser = cls._playwright.chromium.launch(executable_path=executable or None, args=ARGS, headless=True)
        cls.addClassCleanup(cls.browser.close)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        super().setUpClass()

    def new_page(self, device=None, **options):
        context = self.browser.new_context(base_url=self.live_server_url, **(device or PHONE), **options)
        self.addCleanup(context.close)
        page = context.new_page()
        page.set_default_timeout(5000)
        # The pages need no exception to their Content-Security-Policy: any refusal the
        # browser reports (an inline style htmx injected, say) fails the test.
        refused = []
        page.on("console", lambda message: refused.append(f"{message.text} ({message.location.get('url')})")
                if "Content Security Policy" in message.text else None)
        self.addCleanup(lambda: self.assertEqual(refused, [], "the browser refused something under the CSP"))
        return page

    def sign_in(self, page, username: str, password: str, *, then: str) -> None:
        """Fill the login form the page is on (or was sent to), and wait for ``then``."""
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_selector(then)

    def shot(self, page, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@cache
def chromium() -> str | None:
    """The Chromium to launch: a path, "" for Playwright's own download, or None for none."""
    named = os.environ.get("CHROMIUM")
    if named:
        return named if shutil.which(named) else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        return "" if Path(playwright.chromium.executable_path).exists() else None


def wait_until(page, predicate: str, arg=None, timeout: float = 5000) -> None:
    """Wait until ``predicate`` (a JavaScript function, given ``arg``) is truthy on ``page``.

    Polled from here with ``page.evaluate`` rather than with ``page.wait_for_function``: the
    latter evaluates its string in the page, an eval the pages' Content-Security-Policy
    refuses, and under load that refusal made waits fail at random."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        if page.evaluate(predicate, arg):
            return
        if time.monotonic() >= deadline:
            raise AssertionError(f"still false after {timeout:.0f} ms: {predicate}")
        page.wait_for_timeout(50)
