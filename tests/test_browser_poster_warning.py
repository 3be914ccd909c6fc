"""The door poster on a server started as production starts it (DEBUG off) with SITE_URL
unset: the host is warned before printing a QR code that may point at an internal address,
the warning does not print, and /healthz reports the same warning while staying healthy."""

import os

import httpx
import pytest

from tests.support.browser import ARGS, NO_BROWSER, SCREENSHOTS, TABLET, chromium
from tests.support.factories import make_restaurant, make_user


@pytest.mark.browser
def test_the_poster_warns_in_production_when_site_url_is_unset(production_url):
    executable = chromium()
    if executable is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            raise RuntimeError(f"REQUIRE_BROWSER=1 but {NO_BROWSER}")
        pytest.skip(NO_BROWSER)
    from playwright.sync_api import sync_playwright

    make_user("hostess", restaurant=make_restaurant("bistro", name="Bistro Verde"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable or None, args=ARGS, headless=True)
        try:
            page = browser.new_context(base_url=production_url, **TABLET).new_page()
            page.goto("/accounts/login/?next=/host/bistro/poster")
            page.get_by_label("Username").fill("hostess")
            page.get_by_label("Password").fill("pass-word-123")
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_selector(".poster svg")
            warning = page.get_by_role("alert")
            assert "SITE_URL is not set" in warning.inner_text()
            assert f"{production_url}/waitlist/bistro/" in warning.inner_text()  # what the QR code holds
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "17-poster-site-url-warning.png"), full_page=True)
            page.emulate_media(media="print")
            assert not warning.is_visible() and not page.get_by_role("button", name="Print").is_visible()
            assert page.locator(".qr svg").is_visible()
        finally:
            browser.close()
    health = httpx.get(f"{production_url}/healthz")
    assert health.json()["warnings"] == [
        "SITE_URL is not set: QR codes and links use the address each request came in on"]
