"""Playwright driving Debian's chromium against a live daphne server.

Browser tests subclass ``BrowserTestCase`` (channels' ChannelsLiveServerTestCase: a real
daphne process serving the project on the test database). Screenshots of the main states
go to test-artifacts/screenshots/ for people to look at.
"""

import os
from pathlib import Path

import pytest
from channels.testing import ChannelsLiveServerTestCase

from tests.live import SpawnedDaphneProcess

# Playwright's sync API keeps an event loop on the test thread; the test itself only sets
# up data through the ORM between browser steps, never concurrently with it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
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

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from playwright.sync_api import sync_playwright

        cls._playwright = sync_playwright().start()
        cls.browser = cls._playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls._playwright.stop()
        super().tearDownClass()

    def new_page(self, device=None, **options):
        context = self.browser.new_context(base_url=self.live_server_url, **(device or PHONE), **options)
        self.addCleanup(context.close)
        page = context.new_page()
        page.set_default_timeout(5000)
        return page

    def shot(self, page, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
